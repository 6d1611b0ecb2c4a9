/**
 * What the template tests share: the template file as shipped, a probe tab that stands where the
 * dashboards stand (link in nodes with the contract's fixed ids fr-ui-*, recording what arrives, and a
 * link out to the templates' command link in), and the environment a plant sets. The probe is read and
 * driven over HTTP, as anything outside the Node-RED process would.
 */
import assert from "node:assert/strict";
import fs from "fs";
import path from "path";
import WebSocket from "ws";
import { repoRoot } from "../support/repo";
import type { FlowNode, NodeRedProcess } from "../support/node-red-process";
import { eventually as waitUntil } from "../support/wait";
import type { EventPayload } from "../../nodes/shared/events";

export const UI_LINKS = ["fr-ui-measurement", "fr-ui-event", "fr-ui-thermal", "fr-ui-quality", "fr-ui-report"] as const;
export type UiLink = (typeof UI_LINKS)[number];

/** A template of flows/ as shipped. */
export function loadTemplate(name: string): FlowNode[] {
  return JSON.parse(fs.readFileSync(path.join(repoRoot(), "flows", `${name}.json`), "utf8")) as FlowNode[];
}

const RECORD = `// Keeps what each fr-ui-* link in received (frames as their size only), the last 2000 per link.
const kind = msg._probe;
const probe = global.get("probe") || {};
const list = probe[kind] || (probe[kind] = []);
const copy = RED.util.cloneMessage(msg);
delete copy._probe;
delete copy._msgid;
delete copy.req;
delete copy.res;
if (Buffer.isBuffer(copy.payload)) copy.payload = { frameBytes: copy.payload.length };
if (copy.thermal && copy.thermal.overlay) delete copy.thermal.overlay;
list.push(copy);
if (list.length > 2000) list.shift();
global.set("probe", probe);
return null;`;

/** A tab standing in for the dashboards: records what the templates send and forwards commands. */
export function probeTab(): FlowNode[] {
  const z = "probe-tab";
  const nodes: FlowNode[] = [{ id: z, type: "tab", label: "test probe", disabled: false, info: "" }];
  UI_LINKS.forEach((id, i) => {
    nodes.push({ id, type: "link in", z, name: id, links: [], x: 120, y: 60 + 40 * i, wires: [[`probe-mark-${id}`]] });
    nodes.push({ id: `probe-mark-${id}`, type: "change", z, name: "", rules: [{ t: "set", p: "_probe", pt: "msg", to: id, tot: "str" }], x: 320, y: 60 + 40 * i, wires: [["probe-record"]] });
  });
  nodes.push({ id: "probe-record", type: "function", z, name: "record", func: RECORD, outputs: 0, x: 520, y: 120, wires: [] });
  nodes.push({ id: "probe-get", type: "http in", z, name: "", url: "/test-probe", method: "get", upload: false, swaggerDoc: "", x: 120, y: 300, wires: [["probe-read"]] });
  nodes.push({ id: "probe-read", type: "function", z, name: "read", func: 'msg.payload = global.get("probe") || {};\nreturn msg;', outputs: 1, x: 320, y: 300, wires: [["probe-answer"]] });
  nodes.push({ id: "probe-answer", type: "http response", z, name: "", statusCode: "", headers: {}, x: 520, y: 300, wires: [] });
  nodes.push({ id: "probe-command", type: "http in", z, name: "", url: "/test-probe/anh-command", method: "post", upload: false, swaggerDoc: "", x: 120, y: 360, wires: [["probe-command-msg"]] });
  nodes.push({
    id: "probe-command-msg",
    type: "function",
    z,
    name: "body → command",
    func: "const command = Object.assign({}, msg.payload);\nnode.send([command, { req: msg.req, res: msg.res, payload: { sent: true } }]);\nreturn null;",
    outputs: 2,
    x: 320,
    y: 360,
    wires: [["probe-command-out"], ["probe-command-answer"]],
  });
  nodes.push({ id: "probe-command-out", type: "link out", z, name: "to fr-flow-anh-command", mode: "link", links: ["fr-flow-anh-command"], x: 520, y: 340, wires: [] });
  nodes.push({ id: "probe-command-answer", type: "http response", z, name: "", statusCode: "", headers: {}, x: 520, y: 380, wires: [] });
  return nodes;
}

export type ProbeRecord = Record<string, unknown> & { topic?: string; payload?: unknown };

/** What the probe's link in nodes received so far, by link id. */
export async function readProbe(url: string): Promise<Partial<Record<UiLink, ProbeRecord[]>>> {
  const response = await fetch(`${url}/test-probe`);
  assert.equal(response.status, 200, "the probe answers");
  return (await response.json()) as Partial<Record<UiLink, ProbeRecord[]>>;
}


/** The event payloads that reached fr-ui-event. */
export async function probeEvents(url: string): Promise<EventPayload[]> {
  const probe = await readProbe(url);
  return (probe["fr-ui-event"] ?? []).map((m) => m.payload as EventPayload);
}

/** Polls until a value (see test/support/wait.ts); template tests poll every 500 ms by default. */
export function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, what: string, everyMs = 500): Promise<T> {
  return waitUntil(check, timeoutMs, what, everyMs);
}

/**
 * Canary secrets: what a plant would put in its secret variables, distinctive enough that finding one in
 * an output can only be a leak. plantEnvironment sets them (a test's own values win) and the leak check
 * below looks for every secret a template run was given.
 */
export const CANARY_SECRETS = {
  INFLUX_TOKEN: "fr-canary-influx-token-Q8v2Lm7",
  INFLUX_PASSWORD: "fr-canary-influx-pass-W3k9Zt4",
  FTP_PASSWORD: "fr-canary-ftp-pass-N5r7Yd2",
  SMTP_PASSWORD: "fr-canary-smtp-pass-J2x6Hc8",
  NODE_RED_CREDENTIAL_SECRET: "fr-canary-credential-secret-P4g8Bs1",
  DASHBOARD_ADMIN_PIN: "fr-canary-pin-73915",
} as const;
/** Variable names that hold secrets (as scripts/check-docker.js names them). */
const SECRET_NAME = /(PASSWORD|PASSWD|TOKEN|SECRET|API_KEY|PRIVATE_KEY|_PIN$)/i;
/** Every secret value handed to a template run so far, by variable name (short values would match by chance). */
const secretsGiven = new Map<string, string>();

/** Every contract variable a template reads, set (empty where a plant would leave it empty; secrets are canaries). */
export function plantEnvironment(overrides: Record<string, string>): Record<string, string> {
  const env = {
    OPCUA_ENDPOINT: "opc.tcp://127.0.0.1:1/none",
    MODBUS_HOST: "127.0.0.1",
    MODBUS_PORT: "1",
    CAMERA_URL: "http://127.0.0.1:1/camera/T1/frame.png",
    SIM_URL: "",
    MQTT_URL: "",
    INFLUX_URL: "http://127.0.0.1:1",
    INFLUX_API: "v1",
    INFLUX_DB: "plant",
    INFLUX_ORG: "",
    INFLUX_BUCKET: "",
    INFLUX_USER: "",
    FTP_HOST: "127.0.0.1",
    FTP_PORT: "21",
    FTP_USER: "",
    FTP_SECURE: "none",
    SMTP_HOST: "127.0.0.1",
    SMTP_PORT: "1",
    SMTP_USER: "",
    ALERT_EMAIL_TO: "",
    ALERT_EMAIL_FROM: "",
    ALERT_WEBHOOK_URL: "",
    SOURCE_HISTORY_URL: "",
    SITE: "test-site",
    DASHBOARD_LANG: "en",
    NODE_RED_LOG_LEVEL: "info",
    ...CANARY_SECRETS,
    ...overrides,
  };
  for (const [name, value] of Object.entries(env)) if (SECRET_NAME.test(name) && value.length >= 6) secretsGiven.set(`${name}=${value}`, value);
  return env;
}

/** The structure every template must have: its own tab, groups, comments, no secret, links to the contract ids. */
export function assertTemplateShape(name: string, nodes: FlowNode[]): void {
  const tabs = nodes.filter((n) => n.type === "tab");
  assert.equal(tabs.length, 1, `${name}: one tab of its own`);
  const tab = tabs[0].id;
  const onTab = nodes.filter((n) => n.z === tab);
  assert.ok(onTab.some((n) => n.type === "group"), `${name}: grouped`);
  assert.ok(onTab.filter((n) => n.type === "comment").length >= 3, `${name}: commented`);
  for (const node of onTab) {
    if (["group", "tab", "junction"].includes(node.type)) continue;
    assert.ok(typeof node.g === "string", `${name}: ${node.type} "${String(node.name)}" belongs to a group`);
  }
  const secrets = /password|token|secret/i;
  for (const node of nodes) {
    const credentials = (node.credentials ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(credentials)) {
      assert.match(String(value), /^(\$\{[A-Z0-9_]+\})?$/, `${name}: credential ${node.type}.${key} is empty or an environment variable, never a value`);
    }
    for (const [key, value] of Object.entries(node)) {
      // The e-mail node's "token" is the path of the OAuth2 token in the message, not a token.
      if (node.type === "e-mail" && key === "token") continue;
      if (key !== "credentials" && secrets.test(key) && typeof value === "string" && value !== "") assert.fail(`${name}: ${node.type}.${key} holds a value outside credentials`);
    }
  }
  for (const node of nodes.filter((n) => n.type === "link out")) {
    for (const target of node.links as string[]) {
      assert.match(target, /^(fr-ui-[a-z]+(-d1)?|fr-flow-[a-z-]+)$/, `${name}: link out "${String(node.name)}" targets a contract link id`);
    }
  }
  for (const node of nodes.filter((n) => ["opcua-endpoint", "modbus-device", "influx-server", "ftp-server"].includes(n.type))) {
    for (const key of ["endpointUrl", "host", "url"]) {
      if (key in node) assert.match(String(node[key]), /^\$\{[A-Z0-9_]+\}$/, `${name}: ${node.type}.${key} comes from an environment variable`);
    }
  }
}

/** Deploy-time failures: error lines in the runtime log and nodes whose status reports an error; any secret in the log, the files or a status. */
export function deployProblems(red: NodeRedProcess, logOffset: number, statuses: Map<string, { fill?: string; text?: string }>): string[] {
  watchForLeaks(red);
  // The alert subflow's e-mail node complains when it sends without SMTP_USER/SMTP_PASSWORD (this test
  // runs no SMTP server; the alert subflow has its own tests): not a problem of the template.
  const problems = red.errors(logOffset).filter((line) => !/\[e-mail:[^\]]*fr-alert-email\]/.test(line));
  for (const [id, status] of statuses) {
    if (status.fill === "red" && /invalid|error|refused|bad items|not configured/i.test(status.text ?? "")) problems.push(`node ${id}: ${status.text}`);
  }
  problems.push(...leaksIn([["the runtime log", red.logs()], ["node statuses", JSON.stringify([...statuses])], ...userDirTexts(red.userDir)]));
  return problems;
}

// --- Secret-leak check ------------------------------------------------------------------------------------
// Every template test calls deployProblems(red, …) after its deploy: from then on the run is watched. The
// runtime's /comms socket (statuses, debug messages, notifications) is scanned as frames arrive, and after
// every test, while the process still runs, the log, GET /flows, the files of the user dir (flow file,
// credentials file, context, outboxes) and the probe's records are searched for every secret the run was
// given. A hit fails the test's "after each" hook with where the secret was seen.

interface WatchedRun {
  red: NodeRedProcess;
  socket: WebSocket;
  /** leaks seen in /comms frames */
  leaks: string[];
}
const watchedRuns = new Map<string, WatchedRun>();

/** "NAME in <where>" for each secret given that occurs in one of the texts. */
function leaksIn(texts: Array<[string, string]>): string[] {
  const found: string[] = [];
  for (const [where, text] of texts) {
    for (const [key, secret] of secretsGiven) if (text.includes(secret)) found.push(`secret ${key.slice(0, key.indexOf("="))} leaked into ${where}`);
  }
  return found;
}

/** The files under the user dir (not the linked packages), as text; files above 20 MB are skipped (images, big outboxes). */
function userDirTexts(userDir: string): Array<[string, string]> {
  const texts: Array<[string, string]> = [];
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // removed meanwhile
    }
    for (const entry of entries) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== "node_modules" && depth < 4) walk(file, depth + 1);
      else if (entry.isFile()) {
        try {
          if (fs.statSync(file).size <= 20 * 1024 * 1024) texts.push([path.relative(userDir, file), fs.readFileSync(file, "latin1")]);
        } catch {
          // a file renamed or deleted between listing and reading (outbox commits)
        }
      }
    }
  };
  walk(userDir, 0);
  return texts;
}

function watchForLeaks(red: NodeRedProcess): void {
  if (watchedRuns.has(red.url)) return;
  const socket = new WebSocket(`${red.url.replace(/^http/, "ws")}/comms`);
  const run: WatchedRun = { red, socket, leaks: [] };
  socket.on("open", () => {
    for (const topic of ["status/#", "debug", "notification/#"]) socket.send(JSON.stringify({ subscribe: topic }));
  });
  socket.on("message", (data: WebSocket.RawData) => {
    for (const leak of leaksIn([["a /comms message (status, debug or notification)", data.toString()]])) if (!run.leaks.includes(leak)) run.leaks.push(leak);
  });
  socket.on("error", () => undefined); // the process stopped: the next check drops the run
  watchedRuns.set(red.url, run);
}

async function textOf(url: string): Promise<string | null> {
  try {
    const response = await fetch(url, { headers: { "Node-RED-API-Version": "v2" }, signal: AbortSignal.timeout(5000) });
    return await response.text();
  } catch {
    return null;
  }
}

/** Searches every output of each watched run still running; drops the runs that stopped. */
export async function checkSecretLeaks(): Promise<string[]> {
  const leaks: string[] = [];
  for (const [url, run] of watchedRuns) {
    const flows = await textOf(`${url}/flows`);
    if (flows === null) {
      run.socket.terminate();
      watchedRuns.delete(url);
      continue;
    }
    const probe = (await textOf(`${url}/test-probe`)) ?? "";
    leaks.push(...run.leaks, ...leaksIn([["the runtime log", run.red.logs()], ["GET /flows", flows], ["the probe's records (what reached the dashboards)", probe], ...userDirTexts(run.red.userDir)]));
  }
  return [...new Set(leaks)];
}

// Registered on mocha's root suite when a template test first imports this module: runs after every test
// (a no-op until a run is watched), before the test file's own after() stops Node-RED.
if (typeof afterEach === "function") {
  afterEach("no secret in any output of the template run", async function () {
    const leaks = await checkSecretLeaks();
    if (leaks.length > 0) throw new Error(leaks.join("\n"));
  });
}

/** Points the opcua-in items of a template at the test server's one well (ns=1;s=Well01.<tag>), keeping the tags. */
export function pointAtTestWell(nodes: FlowNode[], wellTags: readonly string[], samplingMs: number): FlowNode[] {
  const sources = nodes.filter((n) => n.type === "opcua-in");
  const kept: FlowNode[] = [];
  for (const node of nodes) {
    if (node.type !== "opcua-in") {
      kept.push(node);
      continue;
    }
    const items = (node.items as Array<{ nodeId: string; tag: string }>).filter((item) => item.tag.startsWith("W01.") && wellTags.includes(item.tag.slice(4)));
    if (items.length === 0) continue; // a well the test server does not have
    kept.push({ ...node, items: items.map((item) => ({ ...item, nodeId: `ns=1;s=Well01.${item.tag.slice(4)}` })), samplingInterval: samplingMs, publishingInterval: Math.max(50, samplingMs) });
  }
  assert.ok(sources.length > 0, "the template has opcua-in nodes");
  // Wires to removed nodes are dropped, as the editor does on delete.
  const ids = new Set(kept.map((n) => n.id));
  return kept.map((n) => (Array.isArray(n.wires) ? { ...n, wires: (n.wires as string[][]).map((port) => port.filter((id) => ids.has(id))) } : n));
}

/** The node of `nodes` (a template, subflow internals included) named `name`, changed by `changes`. */
export function patchNode(nodes: FlowNode[], type: string, name: string, changes: Record<string, unknown>): void {
  const node = nodes.find((n) => n.type === type && n.name === name);
  assert.ok(node, `the template has a ${type} named "${name}"`);
  Object.assign(node, changes);
}

/** The template without the nodes `drop` selects (e.g. the sources of wells a test plant does not have); wires to them go too. */
export function withoutNodes(nodes: FlowNode[], drop: (node: FlowNode) => boolean): FlowNode[] {
  const kept = nodes.filter((n) => !drop(n));
  const ids = new Set(kept.map((n) => n.id));
  return kept.map((n) => (Array.isArray(n.wires) ? { ...n, wires: (n.wires as string[][]).map((port) => port.filter((id) => ids.has(id))) } : n));
}
