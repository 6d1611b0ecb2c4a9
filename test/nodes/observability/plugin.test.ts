/**
 * The observability plugin in a real Node-RED 4.1 process (test/support/node-red-process.ts): health
 * routes, the Prometheus endpoint after a small flow ran, readiness before the flows start, with a node
 * that cannot work and after a stop, the config-changed audit entry of each deploy (with the user who
 * deployed when adminAuth is on), the admin API bearer token for a read-only scraper, and
 * scripts/verify-audit.js on the trail the runtime wrote.
 *
 * The runtime loads the plugin and the nodes compiled beside this test (dist/ in CI, a helper's build dir
 * elsewhere) as a small package in the user dir; the repo package that start() links is kept out by the
 * settings' palette deny list, so its dist/ (possibly older) cannot register the same types first.
 */
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import fs from "fs";
import path from "path";
import { canonicalJson, verifyAuditFile, type AuditEntry } from "../../../lib/observability/audit-trail";
import { deploy, getFlows, start, type FlowNode, type NodeRedProcess } from "../../support/node-red-process";
import { repoRoot } from "../../support/repo";
import { makeTempDir, waitFor } from "../../support/runtime";

const compiledRoot = path.resolve(__dirname, "../../..");
const AUDIT_FILE = "field-reliability-audit.jsonl";
const NODE_TYPES = ["spc-rules"];

/** A Node-RED package in `<userDir>/node_modules` that loads the compiled plugin and nodes. */
function installPackageUnderTest(userDir: string): void {
  const dir = path.join(userDir, "node_modules", "fr-observability-under-test");
  const nodes: Record<string, string> = {};
  for (const type of NODE_TYPES) {
    fs.mkdirSync(path.join(dir, "nodes", type), { recursive: true });
    fs.writeFileSync(path.join(dir, "nodes", type, `${type}.js`), `module.exports = require(${JSON.stringify(path.join(compiledRoot, "nodes", type, `${type}.js`))});\n`);
    fs.copyFileSync(path.join(repoRoot(), "nodes", type, `${type}.html`), path.join(dir, "nodes", type, `${type}.html`));
    nodes[type] = `nodes/${type}/${type}.js`;
  }
  fs.mkdirSync(path.join(dir, "plugin"), { recursive: true });
  fs.writeFileSync(path.join(dir, "plugin", "observability-plugin.js"), `module.exports = require(${JSON.stringify(path.join(compiledRoot, "nodes", "observability-plugin", "observability-plugin.js"))});\n`);
  fs.writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "fr-observability-under-test", version: "0.0.0", "node-red": { version: ">=4.0.0", nodes, plugins: { "field-reliability-observability": "plugin/observability-plugin.js" } } }, null, 2),
  );
}

/** The repo's settings, with the linked repo package kept out and the flows stop/start API on. */
function writeSettings(dir: string): string {
  const file = path.join(dir, "settings-under-test.js");
  fs.writeFileSync(
    file,
    `const base = require(${JSON.stringify(path.join(repoRoot(), "settings.js"))});\n` +
      `module.exports = { ...base, runtimeState: { enabled: true },\n` +
      `  externalModules: { ...base.externalModules, palette: { ...(base.externalModules || {}).palette, denyList: ["node-red-contrib-field-reliability"] } } };\n`,
  );
  return file;
}

const SPC = { type: "spc-rules", limits: "baseline", center: "", sigma: "", baselineSize: 3, window: 20, sigmaMethod: "moving-range", sigmaMultiplier: 3, rules: ["nelson-1"], severities: "", store: "" };

function flowWith(spc: Record<string, unknown> = {}): FlowNode[] {
  return [
    { id: "tab1", type: "tab", label: "observability" },
    // Two values, so the learned baseline has a spread (σ > 0).
    { id: "inj-10", z: "tab1", type: "inject", props: [{ p: "payload" }, { p: "topic", vt: "str" }], topic: "PT-1", payload: "10", payloadType: "num", repeat: "", once: false, wires: [["spc"]] },
    { id: "inj-11", z: "tab1", type: "inject", props: [{ p: "payload" }, { p: "topic", vt: "str" }], topic: "PT-1", payload: "11", payloadType: "num", repeat: "", once: false, wires: [["spc"]] },
    { id: "inj-bad", z: "tab1", type: "inject", props: [{ p: "payload" }, { p: "topic", vt: "str" }], topic: "PT-1", payload: "ten", payloadType: "str", repeat: "", once: false, wires: [["spc"]] },
    { id: "spc", z: "tab1", name: "PT-1 chart", ...SPC, ...spc, wires: [[], []] },
  ];
}

/** One sample line of the Prometheus text format 0.0.4 (label values escaped, a float or NaN/±Inf). */
const SAMPLE_LINE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*\})? (NaN|[+-]Inf|-?\d+(\.\d+)?(e[+-]?\d+)?)$/;

/** Checks the exposition text line by line; returns the samples as "name{labels}" → value. */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const typed = new Set<string>();
  assert.ok(text.endsWith("\n"));
  for (const line of text.trimEnd().split("\n")) {
    const type = /^# TYPE (\S+) (counter|gauge)$/.exec(line);
    if (type) {
      typed.add(type[1]);
      continue;
    }
    if (line.startsWith("# HELP field_reliability_")) continue;
    assert.match(line, SAMPLE_LINE);
    const [series, value] = [line.slice(0, line.lastIndexOf(" ")), line.slice(line.lastIndexOf(" ") + 1)];
    const name = series.replace(/\{.*$/, "");
    assert.ok(typed.has(name), `${name} has a TYPE line before its samples`);
    assert.match(name, /^field_reliability_/);
    samples.set(series, Number(value));
  }
  return samples;
}

async function get(red: NodeRedProcess, route: string, token?: string): Promise<{ status: number; type: string; body: string }> {
  const response = await fetch(`${red.url}${route}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, type: response.headers.get("content-type") ?? "", body: await response.text() };
}

function readAudit(userDir: string): AuditEntry[] {
  const file = path.join(userDir, AUDIT_FILE);
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as AuditEntry) : [];
}

async function until(what: string, predicate: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("nodes/observability-plugin in a Node-RED process", function () {
  this.timeout(120_000);
  let dir: string;
  let userDir: string;
  let red: NodeRedProcess | null = null;

  beforeEach(() => {
    dir = makeTempDir("fr-obs-plugin-");
    userDir = path.join(dir, "user");
    fs.mkdirSync(userDir);
    installPackageUnderTest(userDir);
  });
  afterEach(async () => {
    await red?.stop();
    red = null;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("live, ready only once the flows run and no node is fatal, metrics after a flow ran, an audit entry per deploy", async () => {
    // Flows that cannot start: a node type nobody provides.
    fs.writeFileSync(path.join(userDir, "flows.json"), JSON.stringify([{ id: "tab1", type: "tab", label: "x" }, { id: "m1", z: "tab1", type: "no-such-node-type", wires: [] }]));
    red = await start({ userDir, settingsFile: writeSettings(dir), env: { FR_AUDIT_FILE: undefined } });
    const r = red;

    assert.deepEqual([(await get(r, "/field-reliability/health/live")).status], [200]);
    assert.match((await get(r, "/field-reliability/health/live")).body, /"status":"live"/);
    // (The HTTP server answers before the runtime has tried to start the flows: wait for its verdict.)
    await until("the runtime to give up starting the flows", async () => /missing-types/.test((await get(r, "/field-reliability/health/ready")).body));
    const notStarted = await get(r, "/field-reliability/health/ready");
    assert.equal(notStarted.status, 503);
    assert.deepEqual(JSON.parse(notStarted.body), { status: "not ready", reasons: ["flows not started (missing-types: no-such-node-type)"] });
    assert.deepEqual(readAudit(userDir), [], "flows that never started are no configuration change");

    // A deploy with a node that cannot work: the flows run, readiness names the node.
    await deploy(r.url, flowWith({ baselineSize: -1 }));
    await until("ready to name the bad node", async () => {
      const ready = await get(r, "/field-reliability/health/ready");
      return ready.status === 503 && /^spc-rules "PT-1 chart" \(spc\): baselineSize/.test(String((JSON.parse(ready.body) as { reasons: string[] }).reasons));
    });

    // Fixed: ready.
    await deploy(r.url, flowWith());
    await until("ready", async () => (await get(r, "/field-reliability/health/ready")).status === 200);
    assert.deepEqual(JSON.parse((await get(r, "/field-reliability/health/ready")).body), { status: "ready" });

    for (const id of ["inj-10", "inj-11", "inj-10", "inj-11", "inj-bad"]) {
      const response = await fetch(`${r.url}/inject/${id}`, { method: "POST" });
      assert.equal(response.status, 200);
    }
    let samples = new Map<string, number>();
    await until("the five messages counted", async () => {
      samples = parseExposition((await get(r, "/field-reliability/metrics")).body);
      return samples.get('field_reliability_messages_processed_total{type="spc-rules"}') === 4 && samples.get('field_reliability_messages_rejected_total{type="spc-rules"}') === 1;
    });
    const metrics = await get(r, "/field-reliability/metrics");
    assert.equal(metrics.status, 200);
    assert.equal(metrics.type, "text/plain; version=0.0.4; charset=utf-8");
    assert.equal(samples.get('field_reliability_open_alarms{severity="critical"}'), 0);
    assert.equal(samples.get("field_reliability_ready"), 1);
    assert.equal(samples.get("field_reliability_nodes_fatal"), 0);

    // Two deploys started flows: two chained config-changed entries; the last one hashes the running flows.
    await until("two config-changed entries and the relearn", () => readAudit(userDir).length === 3);
    const entries = readAudit(userDir);
    assert.deepEqual(
      entries.map((e) => [e.kind, e.actor, e.details.trigger]),
      [
        ["config-changed", "anonymous (no adminAuth)", "deploy"],
        ["config-changed", "anonymous (no adminAuth)", "deploy"],
        ["limits-relearned", undefined, undefined],
      ],
    );
    const running = await getFlows(r.url);
    assert.equal(entries[1].details.flowsSha256, createHash("sha256").update(canonicalJson(running)).digest("hex"));
    assert.notEqual(entries[0].details.flowsSha256, entries[1].details.flowsSha256);
    assert.equal(parseExposition((await get(r, "/field-reliability/metrics")).body).get("field_reliability_audit_entries"), 3);

    // Flows stopped through the admin API: not ready; started again: ready, and an entry for the start.
    const stop = await fetch(`${r.url}/flows/state`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ state: "stop" }) });
    assert.equal(stop.status, 200);
    await until("not ready after the stop", async () => (await get(r, "/field-reliability/health/ready")).status === 503);
    assert.deepEqual(JSON.parse((await get(r, "/field-reliability/health/ready")).body).reasons, ["flows not started"]);

    // The trail verifies; an edited copy does not.
    const file = path.join(userDir, AUDIT_FILE);
    assert.deepEqual(verifyAuditFile(file).ok, true);
    const script = path.join(repoRoot(), "scripts", "verify-audit.js");
    const env = { ...process.env, FR_AUDIT_TRAIL_JS: path.join(compiledRoot, "lib", "observability", "audit-trail.js") };
    const good = spawnSync(process.execPath, [script, file], { env, encoding: "utf8" });
    assert.equal(good.status, 0, good.stderr);
    assert.match(good.stdout, /chain intact, 3 entries/);
    const tampered = path.join(dir, "tampered.jsonl");
    fs.writeFileSync(tampered, fs.readFileSync(file, "utf8").replace('"anonymous (no adminAuth)"', '"admin"'));
    const bad = spawnSync(process.execPath, [script, tampered], { env, encoding: "utf8" });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /chain broken at line 1/);
  });

  it("with adminAuth: 401 without a token, 200 with a read-only user's bearer token, and the deploying user in the audit trail", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bcrypt = require(require.resolve("bcryptjs", { paths: [path.dirname(require.resolve("node-red/package.json"))] })) as { hashSync(password: string, rounds: number): string };
    const passwords = { admin: "Admin-Pa55-word", operator: "Operator-Pa55-word" };
    const scrapeToken = "prometheus-scrape-token-0123456789abcdef";
    red = await start({
      userDir,
      settingsFile: writeSettings(dir),
      env: {
        FR_AUDIT_FILE: undefined,
        FR_ADMIN_PASSWORD_HASH: bcrypt.hashSync(passwords.admin, 4),
        FR_OPERATOR_PASSWORD_HASH: bcrypt.hashSync(passwords.operator, 4),
        FR_INTEGRATOR_PASSWORD_HASH: undefined,
        FR_MONITOR_TOKEN_SHA256: createHash("sha256").update(scrapeToken).digest("hex"),
      },
      // GET /settings needs a login now; the editor page does not.
      readyPath: "/",
    });
    const r = red;
    const tokenOf = async (username: string, password: string, scope: string): Promise<string> => {
      const response = await fetch(`${r.url}/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ client_id: "node-red-admin", grant_type: "password", scope, username, password }),
      });
      assert.equal(response.status, 200);
      return ((await response.json()) as { access_token: string }).access_token;
    };
    for (const route of ["/field-reliability/health/live", "/field-reliability/health/ready", "/field-reliability/metrics"]) {
      assert.equal((await get(r, route)).status, 401, route);
    }
    const operator = await tokenOf("operator", passwords.operator, "read");
    const metrics = await get(r, "/field-reliability/metrics", operator);
    assert.equal(metrics.status, 200);
    parseExposition(metrics.body);
    assert.equal((await get(r, "/field-reliability/health/ready", operator)).status, 200);

    // The scraper's static token: our routes, and nothing else of the admin API.
    assert.equal((await get(r, "/field-reliability/metrics", scrapeToken)).status, 200);
    assert.equal((await get(r, "/field-reliability/health/ready", scrapeToken)).status, 200);
    assert.equal((await get(r, "/field-reliability/metrics", `${scrapeToken}x`)).status, 401);
    assert.equal((await get(r, "/flows", scrapeToken)).status, 401);
    assert.equal((await get(r, "/settings/user", scrapeToken)).status, 401);

    const admin = await tokenOf("admin", passwords.admin, "*");
    const response = await fetch(`${r.url}/flows`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${admin}`, "Node-RED-API-Version": "v2", "Node-RED-Deployment-Type": "full" },
      body: JSON.stringify({ flows: flowWith() }),
    });
    assert.equal(response.status, 200);
    await until("the deploy entry", () => readAudit(userDir).some((e) => e.details.trigger === "deploy"));
    const entries = readAudit(userDir);
    assert.deepEqual(
      entries.map((e) => [e.kind, e.actor, e.details.trigger]),
      [
        ["config-changed", "runtime", "start"],
        ["config-changed", "admin", "deploy"],
      ],
    );
    await waitFor(() => verifyAuditFile(path.join(userDir, AUDIT_FILE)).ok, 1000, "a verifiable trail");
  });
});
