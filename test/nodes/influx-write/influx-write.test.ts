import assert from "node:assert/strict";
import fs from "fs";
import influxServerNode from "../../../nodes/influx-server/influx-server";
import influxWriteNode from "../../../nodes/influx-write/influx-write";
import type { InfluxWriteStats } from "../../../nodes/influx-write/influx-write-config";
import { InfluxDB1Server, VictoriaMetricsServer, freePort } from "../../support/influx-servers";
import { errorMessages, probe, testFlow, type Msg } from "../../support/node-harness";
import { TcpProxy } from "../../support/tcp-proxy";
import { helper, loadWithFileContext, makeTempDir, restartWithFileContext, unloadAll, waitFor, type FlowNode } from "../../support/runtime";

const NODES = [influxServerNode, influxWriteNode];
const T0 = Date.UTC(2026, 10, 23, 6);
const SECRET_PASSWORD = "pw-Zq81-never-shown";
const SECRET_TOKEN = "tok-Xy77-never-shown";

function serverNode(url: string, v: "v1" | "v2"): FlowNode {
  return { id: "n-server", type: "influx-server", name: "", url, apiVersion: v, database: "plant", retentionPolicy: "", org: "o", bucket: "plant", timeoutSeconds: 2 };
}

function writeFlow(url: string, v: "v1" | "v2", config: Record<string, unknown> = {}): FlowNode[] {
  const flow = testFlow("influx-write", 1, { server: "n-server", measurement: "well", topicTag: "tag", tags: '{"site":"north"}', valueField: "value", qualityField: "quality", analytics: "", integerFields: "", precision: "ms", batchSize: 100, flushSeconds: 0.05, queueDir: "", queueMaxMB: 64, writeAhead: false, retryMaxSeconds: 0.2, ...config });
  flow.push(serverNode(url, v));
  flow.push({ id: "n-status", z: "f1", type: "status", scope: null, wires: [["n-status-out"]] }, { id: "n-status-out", z: "f1", type: "helper" });
  return flow;
}

const stats = (): InfluxWriteStats => (helper.getNode("n-under-test") as unknown as { influxStats(): InfluxWriteStats }).influxStats();
const events = (out: Msg[]) => out.map((m) => m.payload as { event: string; severity: string; message: string; details: Record<string, unknown> });

describe("nodes/influx-write in a Node-RED runtime", function () {
  this.timeout(60_000);
  afterEach(async () => unloadAll());

  describe("on InfluxDB 1.6", () => {
    let influx: InfluxDB1Server;
    before(async () => {
      influx = await InfluxDB1Server.create();
      await influx.query("CREATE DATABASE plant");
    });
    after(async () => influx?.dispose());

    it("writes readings with their own timestamps, tags from msg.topic and the config, and analytic fields", async () => {
      const queueDir = makeTempDir("fr-q-");
      await helper.load(NODES, writeFlow(influx.url, "v1", { queueDir, analytics: "sigma.std, spc.violations" }));
      const h = probe(1);
      for (let i = 0; i < 250; i++) {
        h.input.receive({ topic: i % 2 ? "PT-1" : "PT-2", payload: { value: i, timestamp: T0 + i * 1000, quality: 192 }, sigma: { std: i / 10 }, spc: { violations: i === 7 ? ["nelson1"] : [] } });
      }
      await waitFor(() => stats().delivered === 250, 10_000, "delivered");
      const rows = await influx.select('SELECT value, quality, sigma_std, spc_violations, site FROM well WHERE "tag" = \'PT-2\' ORDER BY time', "plant");
      assert.equal(rows.length, 125);
      assert.deepEqual(rows[0], { time: T0, value: 0, quality: 192, sigma_std: 0, spc_violations: 0, site: "north" });
      const seventh = await influx.select("SELECT spc_violations FROM well WHERE \"tag\" = 'PT-1' AND time = " + `${T0 + 7000}ms`, "plant");
      assert.equal(seventh[0].spc_violations, 1);
      assert.deepEqual(h.caught, []);
      fs.rmSync(queueDir, { recursive: true, force: true });
    });

    it("a refused point (type conflict) reaches the Catch node with its line; the rest is written", async () => {
      const queueDir = makeTempDir("fr-q-");
      await helper.load(NODES, writeFlow(influx.url, "v1", { queueDir, measurement: "mixed", batchSize: 50, flushSeconds: 0.2 }));
      const h = probe(1);
      h.input.receive({ topic: "A", payload: 1, timestamp: T0 });
      await waitFor(() => stats().delivered === 1, 5000, "first point");
      for (let i = 1; i < 50; i++) h.input.receive({ topic: "A", payload: i === 20 ? "not a number" : i, timestamp: T0 + i * 1000 });
      await waitFor(() => stats().delivered + stats().rejected === 50, 10_000, "all answered");
      assert.equal(stats().rejected, 1);
      const errors = errorMessages(h);
      assert.equal(errors.length, 1);
      assert.match(errors[0], /field type conflict/);
      assert.ok(errors[0].includes(`mixed,site=north,tag=A value="not a number" ${T0 + 20_000}`), errors[0]);
      assert.deepEqual(events(h.outputs[0]).map((e) => e.event), ["rejected"]);
      const rows = await influx.select("SELECT count(value) AS n FROM mixed", "plant");
      assert.equal(rows[0].n, 49);
      fs.rmSync(queueDir, { recursive: true, force: true });
    });
  });

  it("network black hole under steady load (no FIN, no RST, packets dropped): requests time out, points wait on disk, then every point is stored once", async () => {
    // InfluxDB 1.6 behind the proxy: requests the client gave up on may still reach the server when the
    // path is back (TCP delivers what it had sent); InfluxDB keeps one point per series and time, so that
    // and the replay of the same batch store each point once. The count below checks exactly that.
    const influx = await InfluxDB1Server.create();
    const proxy = await TcpProxy.start(influx.port);
    const queueDir = makeTempDir("fr-q-");
    try {
      await influx.query("CREATE DATABASE plant");
      const flow = writeFlow(`http://127.0.0.1:${proxy.port}`, "v1", { queueDir, measurement: "blackhole", batchSize: 50 });
      (flow.find((n) => n.id === "n-server") as FlowNode).timeoutSeconds = 1;
      await helper.load(NODES, flow);
      const h = probe(1);
      let sent = 0;
      const load = async (ms: number) => {
        const end = Date.now() + ms;
        while (Date.now() < end) {
          for (let k = 0; k < 10; k++, sent++) h.input.receive({ topic: "FT-1", payload: sent, timestamp: T0 + sent * 1000 });
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };
      await load(500);
      await waitFor(() => stats().delivered > 0, 5000, "writes through the proxy");
      proxy.blackHole();
      const lostAt = Date.now();
      await load(2500);
      assert.ok(stats().down, "the node noticed the black hole");
      assert.ok(Date.now() - lostAt < 5000);
      assert.ok(stats().queued > 0, "points wait on disk");
      const outage = events(h.outputs[0]).find((e) => e.event === "outage");
      assert.ok(outage, "an outage event");
      assert.equal(outage.details.reason, "timeout", "found by the request timeout: nothing closed the connection");
      const queuedDuringOutage = stats().queued;
      proxy.restore();
      await load(500);
      await waitFor(() => stats().pending === 0 && !stats().down, 30_000, "replayed after the black hole");
      assert.ok(events(h.outputs[0]).some((e) => e.event === "recovered" && (e.details.replayedPoints as number) >= queuedDuringOutage));
      assert.equal(stats().delivered, sent, "each point counted once");
      const rows = await influx.select("SELECT count(value) AS n, sum(value) AS s, min(value) AS lo, max(value) AS hi FROM blackhole", "plant");
      assert.deepEqual(rows[0], { time: 0, n: sent, s: (sent * (sent - 1)) / 2, lo: 0, hi: sent - 1 }, "every point stored, once");
      assert.deepEqual(h.caught, []);
    } finally {
      await helper.unload();
      await proxy.close();
      await influx.dispose();
      fs.rmSync(queueDir, { recursive: true, force: true });
    }
  });

  it("outage under steady load with a Node-RED restart in the middle: every point arrives exactly once", async () => {
    const vm = await VictoriaMetricsServer.create();
    try {
      const flow = writeFlow(vm.url, "v2", { measurement: "outage" });
      await loadWithFileContext(NODES, flow);
      let h = probe(1);
      let sent = 0;
      const load = async (ms: number) => {
        const end = Date.now() + ms;
        while (Date.now() < end) {
          for (let k = 0; k < 20; k++, sent++) h.input.receive({ topic: "FT-1", payload: sent, timestamp: T0 + sent * 1000 });
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };
      await load(300);
      await vm.stop();
      await load(600);
      await waitFor(() => stats().down, 5000, "outage noticed");
      const outageEvents = events(h.outputs[0]);
      assert.ok(outageEvents.some((e) => e.event === "outage"), JSON.stringify(outageEvents));
      await restartWithFileContext(NODES, flow);
      h = probe(1);
      await load(300);
      await vm.start();
      await load(300);
      await waitFor(() => stats().pending === 0 && !stats().down, 20_000, "replayed");
      assert.ok(events(h.outputs[0]).some((e) => e.event === "recovered"));
      const series = await vm.export('{__name__="outage_value"}');
      assert.equal(series.length, 1);
      assert.equal(series[0].metric.tag, "FT-1");
      assert.equal(series[0].timestamps.length, sent, "no point lost, none twice");
      assert.deepEqual(series[0].timestamps, Array.from({ length: sent }, (_, i) => T0 + i * 1000));
      assert.deepEqual(series[0].values, Array.from({ length: sent }, (_, i) => i));
    } finally {
      await vm.dispose();
    }
  });

  it("bounds the disk queue: a warning event at 80 %, a critical one and a Catch error when full", async () => {
    const port = await freePort(); // nothing listens: every write fails
    const queueDir = makeTempDir("fr-q-");
    // A batch of one point of this shape is 12 + 47 bytes on disk; the queue holds 10 of them.
    await helper.load(NODES, writeFlow(`http://127.0.0.1:${port}`, "v1", { queueDir, batchSize: 1, queueMaxMB: (59 * 10) / 2 ** 20, retryMaxSeconds: 60 }));
    const h = probe(1);
    h.input.receive({ topic: "A", payload: 0, timestamp: T0 });
    await waitFor(() => stats().down, 5000, "outage");
    for (let i = 1; i < 12; i++) h.input.receive({ topic: "A", payload: 1, timestamp: T0 + i * 1000 });
    await waitFor(() => stats().queued + stats().dropped === 12, 5000, "all stored or dropped");
    assert.equal(stats().queued, 10);
    assert.equal(stats().dropped, 2);
    await waitFor(() => h.outputs[0].length === 4, 5000, "events");
    const seen = events(h.outputs[0]);
    assert.deepEqual(seen.map((e) => e.event), ["outage", "queue-high", "queue-full", "queue-full"]);
    const fill = seen[1].details.fill as number;
    assert.ok(fill >= 0.8 && fill < 0.9, String(fill));
    // The error names the queue's directory, so a plant knows which disk to look at.
    assert.ok(errorMessages(h).some((m) => m === `disk queue in ${queueDir} full (590 bytes): 1 points dropped`), errorMessages(h).join("\n"));
    fs.rmSync(queueDir, { recursive: true, force: true });
  });

  it("no secret in the flow, the status, the events or the errors", async () => {
    const port = await freePort();
    const queueDir = makeTempDir("fr-q-");
    const flow = writeFlow(`http://127.0.0.1:${port}`, "v1", { queueDir });
    await helper.load(NODES, flow, { "n-server": { username: "admin", password: SECRET_PASSWORD, token: SECRET_TOKEN } });
    const h = probe(1);
    const statuses = (helper.getNode("n-status-out") as unknown as { on(e: string, f: (m: Msg) => void): void });
    const seenStatus: Msg[] = [];
    statuses.on("input", (m) => seenStatus.push(m));
    h.input.receive({ topic: "A", payload: 1, timestamp: T0 });
    h.input.receive({ topic: "A", payload: NaN });
    await waitFor(() => stats().down && h.caught.length >= 1, 5000, "outage and error");
    await new Promise((resolve) => setTimeout(resolve, 2100)); // one periodic status
    const server = helper.getNode("n-server") as unknown as { credentials: { password: string } };
    assert.equal(server.credentials.password, SECRET_PASSWORD, "the config node has its credentials");
    const everything = JSON.stringify({ flows: helper._redNodes.getFlows(), flow, statuses: seenStatus, events: h.outputs, caught: h.caught.map((m) => m.error) });
    assert.ok(seenStatus.length > 0);
    assert.ok(!everything.includes(SECRET_PASSWORD) && !everything.includes(SECRET_TOKEN), everything);
    assert.ok(!everything.includes(Buffer.from(`admin:${SECRET_PASSWORD}`).toString("base64")));
    fs.rmSync(queueDir, { recursive: true, force: true });
  });

  it("a bad message is an error naming the field; the node goes on", async () => {
    const port = await freePort();
    const queueDir = makeTempDir("fr-q-");
    await helper.load(NODES, writeFlow(`http://127.0.0.1:${port}`, "v1", { queueDir }));
    const h = probe(1);
    h.input.receive({ topic: "A", payload: { value: "x", timestamp: "soon" } });
    h.input.receive({ topic: "A", payload: null });
    h.input.receive({ topic: "A", payload: 3, timestamp: T0 });
    await waitFor(() => h.caught.length === 2 && stats().accepted === 1, 5000, "errors");
    assert.match(errorMessages(h)[0], /InputError: msg\.payload\.timestamp: expected epoch milliseconds or an ISO 8601 date/);
    assert.match(errorMessages(h)[1], /InputError: msg\.payload: expected a number, boolean, string/);
    fs.rmSync(queueDir, { recursive: true, force: true });
  });

  it("a bad configuration is reported at deploy and on every message", async () => {
    await helper.load(NODES, writeFlow("ftp://example", "v1", { queueDir: makeTempDir("fr-q-") }));
    const h = probe(1);
    h.input.receive({ payload: 1 });
    await waitFor(() => h.caught.length === 1, 5000, "error");
    assert.match(errorMessages(h)[0], /InputError: url: expected an http\(s\) URL/);
  });
});
