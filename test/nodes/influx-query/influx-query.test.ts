import assert from "node:assert/strict";
import fs from "fs";
import path from "path";
import influxQueryNode from "../../../nodes/influx-query/influx-query";
import influxServerNode from "../../../nodes/influx-server/influx-server";
import influxWriteNode from "../../../nodes/influx-write/influx-write";
import type { InfluxWriteStats } from "../../../nodes/influx-write/influx-write-config";
import { InfluxDB1Server } from "../../support/influx-servers";
import { repoRoot } from "../../support/repo";
import { errorMessages, probe, testFlow } from "../../support/node-harness";
import { collect, coreNodes, helper, makeTempDir, unloadAll, waitFor, type FlowNode } from "../../support/runtime";

const NODES = [influxServerNode, influxWriteNode, influxQueryNode];
const T0 = Date.UTC(2026, 10, 22, 5); // 00:00 in Bogota
const SLOT = 600_000;

describe("nodes/influx-query in a Node-RED runtime", function () {
  this.timeout(60_000);
  let influx: InfluxDB1Server;
  let queueDir: string;
  before(async () => {
    influx = await InfluxDB1Server.create();
    await influx.query("CREATE DATABASE plant");
  });
  after(async () => influx?.dispose());
  beforeEach(() => (queueDir = makeTempDir("fr-q-")));
  afterEach(async () => {
    await unloadAll();
    fs.rmSync(queueDir, { recursive: true, force: true });
  });

  function flow(query: string, language = "influxql"): FlowNode[] {
    const nodes = testFlow("influx-query", 1, { server: "n-server", language, query });
    nodes.push(
      { id: "n-server", type: "influx-server", url: influx.url, apiVersion: "v1", database: "plant", retentionPolicy: "", org: "", bucket: "", timeoutSeconds: 5 },
      { id: "n-write", z: "f1", type: "influx-write", server: "n-server", measurement: "daily", topicTag: "tag", tags: "", valueField: "value", qualityField: "quality", analytics: "", integerFields: "", precision: "s", batchSize: 1000, flushSeconds: 0.05, queueDir, queueMaxMB: 16, writeAhead: true, wires: [[]] },
    );
    return nodes;
  }

  it("round trip: readings written by influx-write come back as rows for a day and a tag from the message", async () => {
    await helper.load(NODES, flow('SELECT "value", "quality" FROM "daily" WHERE "tag" = $topic AND time >= $start AND time < $stop ORDER BY time'));
    const h = probe(1);
    const write = helper.getNode("n-write");
    // Two days of 10-minute slots for two tags; one slot of FT-1 has bad quality.
    for (let i = 0; i < 288; i++) {
      for (const tag of ["FT-1", "FT-2"]) write.receive({ topic: tag, payload: { value: i + (tag === "FT-2" ? 1000 : 0), timestamp: T0 + i * SLOT, quality: i === 5 ? 0 : 192 } });
    }
    const stats = (write as unknown as { influxStats(): InfluxWriteStats }).influxStats;
    await waitFor(() => stats().delivered === 576, 10_000, "written");
    // The backfill request of gap-detector: {topic, payload: {start, end}}.
    h.input.receive({ topic: "FT-1", payload: { topic: "FT-1", start: T0, end: T0 + 144 * SLOT } });
    await waitFor(() => h.outputs[0].length === 1, 10_000, "rows");
    const rows = h.outputs[0][0].payload as Array<{ time: number; value: number; quality: number }>;
    assert.equal(rows.length, 144);
    assert.deepEqual(rows[0], { measurement: "daily", time: T0, value: 0, quality: 192 });
    assert.deepEqual(rows[5], { measurement: "daily", time: T0 + 5 * SLOT, value: 5, quality: 0 });
    assert.deepEqual(rows.map((r) => r.time), Array.from({ length: 144 }, (_, i) => T0 + i * SLOT));
    assert.deepEqual(h.outputs[0][0].influx, { language: "influxql", rows: 144, range: { start: T0, stop: T0 + 144 * SLOT }, ms: (h.outputs[0][0].influx as { ms: number }).ms });
    // msg.range in ISO, the second day of the other tag.
    h.input.receive({ topic: "FT-2", range: { start: new Date(T0 + 144 * SLOT).toISOString(), stop: new Date(T0 + 288 * SLOT).toISOString() } });
    await waitFor(() => h.outputs[0].length === 2, 10_000, "rows");
    const second = h.outputs[0][1].payload as Array<{ value: number }>;
    assert.deepEqual(second.map((r) => r.value), Array.from({ length: 144 }, (_, i) => 1144 + i));
  });

  it("a quote in the tag cannot change the query: parameters are bound, not pasted", async () => {
    await helper.load(NODES, flow('SELECT count("value") FROM "daily" WHERE "tag" = $topic'));
    const h = probe(1);
    h.input.receive({ topic: "FT-1' OR '1'='1", payload: "go" });
    await waitFor(() => h.outputs[0].length + h.caught.length === 1, 10_000, "answer");
    assert.deepEqual(h.outputs[0][0].payload, []);
  });

  it("errors: missing range for $start, a server error with its message, no query configured", async () => {
    await helper.load(NODES, flow(""));
    const h = probe(1);
    const out = collect(helper.getNode("n-output-0"));
    h.input.receive({ payload: 1 });
    h.input.receive({ query: "SELECT * FROM daily WHERE time >= $start", payload: 1 });
    h.input.receive({ query: "SELEC nonsense", payload: 1 });
    h.input.receive({ query: "SELECT * FROM daily", range: { start: 5, stop: 1 } });
    await waitFor(() => h.caught.length === 4, 10_000, "errors");
    const errors = errorMessages(h).sort();
    assert.match(errors.join("\n"), /msg\.query: no query is configured/);
    assert.match(errors.join("\n"), /msg\.range or msg\.payload \{start, end\}: the query uses \$start/);
    assert.match(errors.join("\n"), /query failed: .*error parsing query/);
    assert.match(errors.join("\n"), /msg\.range: expected stop after start/);
    assert.equal(out.length, 0);
  });

  it("rejects a language the server does not speak", async () => {
    await helper.load(NODES, flow("from(bucket: \"x\")", "flux"));
    const h = probe(1);
    h.input.receive({ payload: 1 });
    await waitFor(() => h.caught.length === 1, 5000, "error");
    assert.match(errorMessages(h)[0], /language: a v1 server answers InfluxQL only/);
  });
});

describe("examples/influx-write.json and examples/influx-query.json against a real InfluxDB 1.6", function () {
  this.timeout(60_000);
  let influx: InfluxDB1Server;
  before(async () => {
    influx = await InfluxDB1Server.create();
    await influx.query("CREATE DATABASE plant");
  });
  after(async () => influx?.dispose());
  afterEach(async () => unloadAll());

  const CORE = coreNodes("common/20-inject.js", "common/21-debug.js", "common/90-comment.js", "function/10-function.js");

  function example(file: string, queueDir: string): FlowNode[] {
    const nodes = JSON.parse(fs.readFileSync(path.join(repoRoot(), "examples", file), "utf8")) as FlowNode[];
    return [
      { id: "example-tab", type: "tab", label: file },
      ...nodes.map((n) => (n.type === "influx-server" ? { ...n, url: influx.url } : n.type === "influx-write" ? { ...n, queueDir, flushSeconds: 0.1, z: "example-tab" } : { ...n, z: "example-tab" })),
    ];
  }

  it("the write example stores readings; the query example reads them back as rows", async () => {
    const queueDir = makeTempDir("fr-q-");
    await helper.load([...CORE, ...NODES], example("influx-write.json", queueDir));
    await waitFor(() => {
      const write = helper.getNode("1f1ux0000000004") as unknown as { influxStats(): InfluxWriteStats };
      return write.influxStats().delivered >= 4;
    }, 10_000, "example points written");
    await unloadAll();
    const rows = await influx.select(`SELECT count("value") AS n FROM "pressure" WHERE "tag" = 'PT-101'`, "plant");
    assert.ok((rows[0].n as number) >= 2);

    const flow = example("influx-query.json", queueDir);
    // Today instead of yesterday: the points were just written.
    const fn = flow.find((n) => n.type === "function") as FlowNode;
    fn.func = "msg.range = { start: Date.now() - 3600000, stop: Date.now() + 1000 };\nreturn msg;";
    const query = flow.find((n) => n.type === "influx-query") as FlowNode;
    query.wires = [["probe"]];
    flow.push({ id: "probe", z: "example-tab", type: "helper" });
    await helper.load([...CORE, ...NODES], flow);
    const out = collect(helper.getNode("probe"));
    helper.getNode("1f1uxq00000002").receive({});
    await waitFor(() => out.length === 1, 10_000, "rows");
    const result = out[0].payload as Array<{ samples: number | null }>;
    assert.ok(Array.isArray(result) && result.length >= 6, JSON.stringify(result));
    assert.ok(result.reduce((sum, r) => sum + (r.samples ?? 0), 0) >= 2);
    fs.rmSync(queueDir, { recursive: true, force: true });
  });
});
