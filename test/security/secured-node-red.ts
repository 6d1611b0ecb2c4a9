/**
 * Node-RED 4.1 started with the repo's settings.js where test/support/node-red-process.ts cannot wait for
 * it: with users configured GET /settings answers 401, and with HTTPS the URL is https://. This starter
 * waits for the editor page instead (200 with or without users), speaks http or https with the test's CA,
 * and, for a start the settings refuse, resolves with the exit code and output instead of a process.
 */
import { spawn, type ChildProcess } from "child_process";
import fs from "fs";
import http from "http";
import https from "https";
import os from "os";
import net from "net";
import path from "path";
import { linkPackage } from "../support/node-red-process";
import { freePort } from "../support/ports";
import { repoRoot } from "../support/repo";

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** PEM CA that signed the server's certificate (https only) */
  ca?: Buffer;
  /** the address to connect to instead of the URL's host (e.g. 127.0.0.2) */
  connectTo?: string;
}

/** One HTTP(S) request with node:http/https: global fetch cannot be given a private CA without undici. */
export function request(url: string, options: RequestOptions = {}): Promise<Answer> {
  const target = new URL(url);
  const lib = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      {
        host: options.connectTo ?? target.hostname,
        // SNI carries host names only (RFC 6066); the certificate is still checked against an IP address.
        servername: target.protocol === "https:" && net.isIP(target.hostname) === 0 ? target.hostname : undefined,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? "GET",
        headers: { ...(options.body !== undefined ? { "content-length": String(Buffer.byteLength(options.body)) } : {}), ...options.headers },
        ca: options.ca,
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${url}: timeout`)));
    req.on("error", reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}

export interface SecuredNodeRed {
  readonly url: string;
  readonly port: number;
  readonly userDir: string;
  logs(): string;
  stop(): Promise<void>;
}

export interface SecuredStartOptions {
  /** variables on top of this process's (undefined removes one) */
  env?: Record<string, string | undefined>;
  /** "https" when the environment gives certificates */
  scheme?: "http" | "https";
  ca?: Buffer;
  readyTimeoutMs?: number;
  /** called with the fresh user dir before Node-RED starts (e.g. to add a stub module) */
  prepareUserDir?: (userDir: string) => void;
}

function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** The variables a developer's shell may hold that would change what these tests see. */
const NEUTRAL_ENV: Record<string, undefined> = {
  NODE_RED_HOST: undefined,
  FR_ALLOW_UNAUTHENTICATED: undefined,
  FR_ADMIN_USER: undefined,
  FR_ADMIN_PASSWORD_HASH: undefined,
  FR_INTEGRATOR_USER: undefined,
  FR_INTEGRATOR_PASSWORD_HASH: undefined,
  FR_OPERATOR_USER: undefined,
  FR_OPERATOR_PASSWORD_HASH: undefined,
  FR_MONITOR_TOKEN_SHA256: undefined,
  NODE_RED_TLS_CERT: undefined,
  NODE_RED_TLS_KEY: undefined,
  NODE_RED_TLS_CA: undefined,
};

function childEnv(userDir: string, port: number, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...NEUTRAL_ENV, NODE_RED_USER_DIR: userDir, PORT: String(port), ...extra })) {
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/** Node-RED with the repo's settings.js on a free port and a fresh user dir; resolves once the editor page answers. */
export async function startSecured(options: SecuredStartOptions = {}): Promise<SecuredNodeRed> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "fr-security-"));
  const port = await freePort();
  linkPackage(userDir);
  options.prepareUserDir?.(userDir);
  const child = spawn(process.execPath, [require.resolve("node-red/red.js"), "--settings", path.join(repoRoot(), "settings.js"), "--userDir", userDir], {
    env: childEnv(userDir, port, options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = `${options.scheme ?? "http"}://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    const exited = exitOf(child);
    if (child.exitCode === null && child.signalCode === null) {
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      child.kill("SIGTERM");
      await exited;
      clearTimeout(killer);
    }
    fs.rmSync(userDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`Node-RED exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output}`);
    }
    const answer = await request(`${url}/`, { ca: options.ca }).catch(() => null);
    if (answer?.status === 200) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Node-RED at ${url} did not answer within the time limit:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, port, userDir, logs: () => output, stop };
}

/** Runs Node-RED with settings the test expects it to refuse: resolves with its exit code and output (kills it after `timeoutMs`). */
export async function runRefused(env: Record<string, string | undefined>, timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "fr-security-"));
  const port = await freePort();
  const child = spawn(process.execPath, [require.resolve("node-red/red.js"), "--settings", path.join(repoRoot(), "settings.js"), "--userDir", userDir], {
    env: childEnv(userDir, port, env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  await exitOf(child);
  clearTimeout(killer);
  fs.rmSync(userDir, { recursive: true, force: true });
  return { code: child.exitCode, output };
}

/** What settings.js exports under `env`, loaded in a child process (it reads process.env once, at load). */
export function loadSettings(env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  const script = `const s = require(${JSON.stringify(path.join(repoRoot(), "settings.js"))});
const https = typeof s.https === "function" ? s.https() : null;
process.stdout.write("SETTINGS " + JSON.stringify({
  uiHost: s.uiHost,
  adminAuth: s.adminAuth ? { type: s.adminAuth.type, users: s.adminAuth.users.map((u) => ({ username: u.username, permissions: u.permissions })), hasDefault: "default" in s.adminAuth } : null,
  adminAuthTokens: typeof (s.adminAuth && s.adminAuth.tokens),
  httpNodeAuth: typeof s.httpNodeAuth,
  dashboard: s.dashboard ? Object.keys(s.dashboard).sort() : null,
  ui: s.ui ? Object.keys(s.ui).sort() : null,
  https: https ? Object.keys(https).sort() : null,
  requireHttps: s.requireHttps === true,
}) + "\\n");`;
  const child = spawn(process.execPath, ["-e", script], { env: childEnv(os.tmpdir(), 1, env), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return exitOf(child).then(() => ({ code: child.exitCode, output }));
}
