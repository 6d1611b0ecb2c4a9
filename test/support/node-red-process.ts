/**
 * Node-RED 4.1 as a plant runs it: a child process (`node red.js`) with a settings file (the repo's
 * settings.js by default), its own user dir and a free port, with this package linked into the user dir's
 * node_modules the way scripts/start.js does it (a symlink, as `npm install <path>` makes). Flows are
 * deployed through the admin API, node statuses are read from the editor's /comms websocket, and the
 * runtime log is kept for assertions. Used by the flow-template tests, the dashboard tests and other e2e
 * tests; nothing here knows about a particular flow.
 */
import { spawn, type ChildProcess } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import WebSocket from "ws";
import { request } from "./http";
import { freePort } from "./ports";
import { repoRoot } from "./repo";

export interface StartOptions {
  /** the Node-RED user dir; default a fresh temporary dir that stop() deletes */
  userDir?: string;
  /** the editor/admin port on 127.0.0.1; default a free port */
  port?: number;
  /** environment of the child on top of this process's (undefined removes a variable) */
  env?: Record<string, string | undefined>;
  /** the settings file; default the repo's settings.js */
  settingsFile?: string;
  /** how long to wait for the admin API to answer; default 60 s */
  readyTimeoutMs?: number;
  /** the path that answers 200 once Node-RED is ready; default /settings (the editor page "/" when users are on) */
  readyPath?: string;
  /** "https" when the settings serve TLS (the environment gives certificates) */
  scheme?: "http" | "https";
  /** PEM CA that signed the server's certificate (https) */
  ca?: Buffer;
  /** called with the user dir before Node-RED starts (e.g. to add a module) */
  prepareUserDir?: (userDir: string) => void;
}

export interface NodeRedProcess {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly userDir: string;
  /** what the runtime wrote to stdout and stderr so far */
  logs(): string;
  /** log lines at level error (`[error]`), optionally only those written after `fromOffset` of logs() */
  errors(fromOffset?: number): string[];
  /** SIGTERM (SIGKILL after 10 s); resolves once the process is gone; deletes a user dir start() made */
  stop(): Promise<void>;
  /** sends a signal (default SIGKILL: a crash) and resolves once the process is gone; keeps the user dir */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Links this package into `<userDir>/node_modules`, as scripts/start.js does. */
export function linkPackage(userDir: string, packageRoot = repoRoot()): void {
  const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot, "package.json"), "utf8")) as { name: string };
  fs.mkdirSync(path.join(userDir, "node_modules"), { recursive: true });
  const userPkg = path.join(userDir, "package.json");
  if (!fs.existsSync(userPkg)) {
    fs.writeFileSync(userPkg, JSON.stringify({ name: "node-red-project", private: true, dependencies: { [pkg.name]: `file:${packageRoot}` } }, null, 2));
  }
  const link = path.join(userDir, "node_modules", pkg.name);
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(packageRoot, link, "dir");
}

async function waitForAdminApi(url: string, child: ChildProcess, timeoutMs: number, logs: () => string, readyPath: string, ca: Buffer | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`Node-RED exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${logs()}`);
    const answer = await request(`${url}${readyPath}`, { ca, timeoutMs: 2000 }).catch(() => null); // null: not listening yet
    if (answer?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`Node-RED at ${url} did not answer within ${timeoutMs} ms:\n${logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Starts Node-RED in a child process and resolves once its admin API answers. */
export async function start(options: StartOptions = {}): Promise<NodeRedProcess> {
  const ownDir = options.userDir === undefined;
  const userDir = options.userDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "fr-node-red-"));
  const port = options.port ?? (await freePort());
  const settingsFile = options.settingsFile ?? path.join(repoRoot(), "settings.js");
  linkPackage(userDir);
  options.prepareUserDir?.(userDir);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, NODE_RED_USER_DIR: userDir, PORT: String(port), ...options.env })) {
    if (value !== undefined) env[key] = value;
  }
  const redJs = require.resolve("node-red/red.js");
  const child = spawn(process.execPath, [redJs, "--settings", settingsFile, "--userDir", userDir, "--port", String(port)], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const url = `${options.scheme ?? "http"}://127.0.0.1:${port}`;
  const logs = () => output;

  const kill = async (signal: NodeJS.Signals = "SIGKILL"): Promise<void> => {
    const exited = exitOf(child);
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  const stop = async (): Promise<void> => {
    const exited = exitOf(child);
    if (child.exitCode === null && child.signalCode === null) {
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      child.kill("SIGTERM");
      await exited;
      clearTimeout(killer);
    }
    if (ownDir) fs.rmSync(userDir, { recursive: true, force: true });
  };

  try {
    await waitForAdminApi(url, child, options.readyTimeoutMs ?? 60_000, logs, options.readyPath ?? "/settings", options.ca);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    port,
    userDir,
    logs,
    errors: (fromOffset = 0) =>
      output
        .slice(fromOffset)
        .split("\n")
        .filter((line) => line.includes("[error]")),
    stop,
    kill,
  };
}

export interface FlowNode {
  id: string;
  type: string;
  [key: string]: unknown;
}

/** A flow file of this repository (flows/…, dashboards/…) as the admin API takes it. */
export function readFlowFile(relative: string): FlowNode[] {
  return JSON.parse(fs.readFileSync(path.join(repoRoot(), relative), "utf8")) as FlowNode[];
}

/**
 * Deploys `flows` through the admin API (POST /flows, deployment type "full" by default: every node is
 * stopped and started again, as after an import and a full deploy). Credentials travel in each node's
 * `credentials` property, as the editor sends them. Resolves with the new revision.
 */
export async function deploy(url: string, flows: readonly FlowNode[], type: "full" | "nodes" | "flows" = "full"): Promise<string> {
  const response = await fetch(`${url}/flows`, {
    method: "POST",
    headers: { "content-type": "application/json", "Node-RED-API-Version": "v2", "Node-RED-Deployment-Type": type },
    body: JSON.stringify({ flows }),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`deploy failed: HTTP ${response.status}: ${text}`);
  return (JSON.parse(text) as { rev: string }).rev;
}

/** The deployed flows as GET /flows returns them (credentials left out, as the runtime does). */
export async function getFlows(url: string): Promise<FlowNode[]> {
  const response = await fetch(`${url}/flows`, { headers: { "Node-RED-API-Version": "v2" } });
  if (response.status !== 200) throw new Error(`GET /flows failed: HTTP ${response.status}`);
  return ((await response.json()) as { flows: FlowNode[] }).flows;
}

export interface NodeStatus {
  fill?: string;
  shape?: string;
  text?: string;
}

export interface StatusWatcher {
  /** the latest status of each node id that reported one since the watcher connected */
  readonly latest: Map<string, NodeStatus>;
  /** every status message in arrival order */
  readonly history: Array<{ id: string; status: NodeStatus }>;
  close(): void;
}

/**
 * Node statuses as the editor sees them: subscribes to `status/#` on the runtime's /comms websocket
 * (the admin API has no REST call for statuses). Resolves once subscribed.
 */
export function watchStatuses(url: string): Promise<StatusWatcher> {
  const socket = new WebSocket(`${url.replace(/^http/, "ws")}/comms`);
  const latest = new Map<string, NodeStatus>();
  const history: Array<{ id: string; status: NodeStatus }> = [];
  socket.on("message", (data: WebSocket.RawData) => {
    let messages: unknown;
    try {
      messages = JSON.parse(data.toString());
    } catch {
      return;
    }
    for (const message of Array.isArray(messages) ? messages : [messages]) {
      const { topic, data: status } = message as { topic?: string; data?: NodeStatus };
      if (typeof topic !== "string" || !topic.startsWith("status/")) continue;
      const id = topic.slice("status/".length);
      latest.set(id, status ?? {});
      history.push({ id, status: status ?? {} });
    }
  });
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.once("open", () => {
      socket.send(JSON.stringify({ subscribe: "status/#" }));
      resolve({ latest, history, close: () => socket.close() });
    });
  });
}
