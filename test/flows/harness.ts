/**
 * What the template tests share: the template file as shipped, a probe tab that stands where the
 * dashboards stand (link in nodes with the contract's fixed ids fr-ui-*, recording what arrives, and a
 * link out to the templates' command link in), and the environment a plant sets. The probe is read and
 * driven over HTTP, as anything outside the Node-RED process would.
 */
import assert from "node:assert/strict";
import fs from "fs";
import path from "path";
import { repoRoot } from "../support/repo";
import type { FlowNode, NodeRedProcess } from "../support/node-red-process";

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

export interface ProbeEvent {
  event: string;
  severity: string;
  topic: string;
  timestamp: number;
  message: string;
  details?: Record<string, unknown>;
}

/** The event payloads that reached fr-ui-event. */
export async function probeEvents(url: string): Promise<ProbeEvent[]> {
  const probe = await readProbe(url);
  return (probe["fr-ui-event"] ?? []).map((m) => m.payload as ProbeEvent);
}

/** Polls `check` (async) until it returns a value that is not undefined/false; fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, what: string, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Every contract variable a template reads, set (empty where a plant would leave it empty). */
export function plantEnvironment(overrides: Record<string, string>): Record<string, string> {
  return {
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
    INFLUX_TOKEN: "",
    INFLUX_USER: "",
    INFLUX_PASSWORD: "",
    FTP_HOST: "127.0.0.1",
    FTP_PORT: "21",
    FTP_USER: "",
    FTP_PASSWORD: "",
    FTP_SECURE: "none",
    SMTP_HOST: "127.0.0.1",
    SMTP_PORT: "1",
    SMTP_USER: "",
    SMTP_PASSWORD: "",
    ALERT_EMAIL_TO: "",
    ALERT_EMAIL_FROM: "",
    ALERT_WEBHOOK_URL: "",
    SOURCE_HISTORY_URL: "",
    SITE: "test-site",
    DASHBOARD_LANG: "en",
    NODE_RED_LOG_LEVEL: "info",
    ...overrides,
  };
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

/** Deploy-time failures: error lines in the runtime log and nodes whose status reports an error. */
export function deployProblems(red: NodeRedProcess, logOffset: number, statuses: Map<string, { fill?: string; text?: string }>): string[] {
  // The alert subflow's e-mail node complains when it sends without SMTP_USER/SMTP_PASSWORD (this test
  // runs no SMTP server; the alert subflow has its own tests): not a problem of the template.
  const problems = red.errors(logOffset).filter((line) => !/\[e-mail:[^\]]*fr-alert-email\]/.test(line));
  for (const [id, status] of statuses) {
    if (status.fill === "red" && /invalid|error|refused|bad items|not configured/i.test(status.text ?? "")) problems.push(`node ${id}: ${status.text}`);
  }
  return problems;
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
