import assert from "node:assert/strict";
import fs from "fs";
import http from "http";
import type { AddressInfo } from "net";
import { DiskQueue } from "../../../lib/influx/disk-queue";
import { Forwarder, splitLines, type ForwarderEvents, type RejectedLine } from "../../../lib/influx/forwarder";
import { V1WriteTransport, V2WriteTransport, type ServerConfig } from "../../../lib/influx/transport";
import { InfluxDB1Server, VictoriaMetricsServer, freePort } from "../../support/influx-servers";
import { seededRandom } from "../../support/reference";
import { makeTempDir, waitFor } from "../../support/runtime";

const T0 = Date.UTC(2026, 10, 23);
const FAST = { initialRetryDelayMs: 50, maxRetryDelayMs: 200 };

function config(url: string, overrides: Partial<ServerConfig> = {}): ServerConfig {
  return { url, apiVersion: "v1", database: "plant", retentionPolicy: "", org: "", bucket: "plant", timeoutMs: 2000, ...overrides };
}

/** `count` points of measurement `m`, one per ms from `first`. */
function batchOf(first: number, count: number, measurement = "m"): { body: string; points: number } {
  const lines: string[] = [];
  for (let i = first; i < first + count; i++) lines.push(`${measurement},tag=a value=${i} ${T0 + i}`);
  return { body: lines.join("\n"), points: count };
}

interface Recorded {
  outages: number;
  recovered: Array<{ replayedPoints: number }>;
  rejected: RejectedLine[];
  levels: Array<[boolean, number]>;
  dropped: number;
}

function recorder(): { events: ForwarderEvents; seen: Recorded } {
  const seen: Recorded = { outages: 0, recovered: [], rejected: [], levels: [], dropped: 0 };
  return {
    seen,
    events: {
      outage: () => seen.outages++,
      recovered: (info) => seen.recovered.push(info),
      rejected: (line) => seen.rejected.push(line),
      queueLevel: (high, fill) => seen.levels.push([high, fill]),
      dropped: (points) => (seen.dropped += points),
    },
  };
}

/** A real HTTP server that answers each write with the next status of `statuses`, then 204. */
async function statusServer(statuses: number[]): Promise<{ url: string; bodies: string[]; answered: number[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const answered: number[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const status = statuses.shift() ?? 204;
      answered.push(status);
      if (status === 204) bodies.push(body);
      if (status === 429) res.setHeader("retry-after", "0");
      res.writeHead(status, { "content-type": "application/json" });
      res.end(status === 204 ? "" : JSON.stringify({ error: `status ${status}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, bodies, answered, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("lib/influx splitLines", () => {
  it("splits at line breaks but not inside quoted string fields", () => {
    const body = 'm,t=a\\ "x v="one\nline",w=1 1\nm v="say \\"hi\\"\n" 2\nm,q="tag v=3 3';
    assert.deepEqual(splitLines(body), ['m,t=a\\ "x v="one\nline",w=1 1', 'm v="say \\"hi\\"\n" 2', 'm,q="tag v=3 3']);
    assert.deepEqual(splitLines("a v=1 1\nb v=2 2"), ["a v=1 1", "b v=2 2"]);
  });
});

describe("lib/influx Forwarder", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = makeTempDir("fr-fwd-")));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("answers 503 and 429 by keeping the batches on disk and replaying them in order, once", async () => {
    const server = await statusServer([503, 503, 429]);
    const { events, seen } = recorder();
    const forwarder = new Forwarder(new V1WriteTransport(config(server.url), {}, "ms"), new DiskQueue(dir), FAST, events, seededRandom(1));
    for (let i = 0; i < 5; i++) forwarder.submit(batchOf(i * 10, 10));
    await waitFor(() => forwarder.isIdle, 10_000, "queue drained");
    assert.deepEqual(server.answered.slice(0, 3), [503, 503, 429]);
    assert.deepEqual(server.bodies, [0, 1, 2, 3, 4].map((i) => batchOf(i * 10, 10).body));
    assert.equal(forwarder.deliveredPoints, 50);
    assert.equal(seen.outages, 1);
    assert.equal(seen.recovered.length, 1);
    await forwarder.close();
    await server.close();
  });

  /**
   * A real HTTP server that holds the answers of the first `hold` requests until all of them arrived,
   * answers them with `statuses` in their order of arrival (then 204), and records how many requests
   * were open at once.
   */
  async function concurrentServer(hold: number, statuses: number[]): Promise<{ url: string; bodies: string[]; answered: number[]; peak: () => number; close(): Promise<void> }> {
    const bodies: string[] = [];
    const answered: number[] = [];
    const waiting: Array<() => void> = [];
    let open = 0;
    let peak = 0;
    let arrived = 0;
    const server = http.createServer((req, res) => {
      open++;
      peak = Math.max(peak, open);
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        const status = statuses[arrived++] ?? 204;
        const answer = () => {
          open--;
          answered.push(status);
          if (status === 204) bodies.push(body);
          res.writeHead(status, { "content-type": "application/json" });
          res.end(status === 204 ? "" : JSON.stringify({ error: `status ${status}` }));
        };
        if (arrived > hold) return void setTimeout(answer, 5);
        waiting.push(answer);
        if (waiting.length === hold) for (const release of waiting.splice(0)) release();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    return { url: `http://127.0.0.1:${port}`, bodies, answered, peak: () => peak, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  it("sends up to maxInFlight requests at once while nothing waits on disk, each batch once", async () => {
    const server = await concurrentServer(3, []);
    const forwarder = new Forwarder(new V1WriteTransport(config(server.url), {}, "ms"), new DiskQueue(dir), { ...FAST, maxInFlight: 3 });
    for (let i = 0; i < 12; i++) forwarder.submit(batchOf(i * 10, 10));
    assert.equal(forwarder.inFlight, 3, "three requests on the wire, the rest wait in memory");
    await waitFor(() => forwarder.isIdle, 10_000, "delivered");
    assert.equal(server.peak(), 3);
    assert.deepEqual([...server.bodies].sort(), Array.from({ length: 12 }, (_, i) => batchOf(i * 10, 10).body).sort());
    assert.equal(forwarder.deliveredPoints, 120);
    assert.equal(forwarder.queuedPoints, 0);
    await forwarder.close();
    await server.close();
  });

  it("one of the requests in flight fails: every batch not yet taken goes to disk in order and is replayed one at a time; the count is exact", async () => {
    const server = await concurrentServer(3, [204, 503, 204]);
    const { events, seen } = recorder();
    const forwarder = new Forwarder(new V1WriteTransport(config(server.url), {}, "ms"), new DiskQueue(dir), { ...FAST, maxInFlight: 3 }, events, seededRandom(3));
    for (let i = 0; i < 8; i++) forwarder.submit(batchOf(i * 10, 10));
    await waitFor(() => seen.outages === 1, 5000, "outage");
    assert.ok(forwarder.queuedPoints >= 50, `the failed batch and every later one wait on disk (${forwarder.queuedPoints} points)`);
    await waitFor(() => forwarder.isIdle, 10_000, "replayed");
    const expected = Array.from({ length: 8 }, (_, i) => batchOf(i * 10, 10).body);
    for (const body of expected) assert.ok(server.bodies.includes(body), "every batch reached the server");
    // The two answered with 204 in the same round may have been sent again by the replay (the server
    // overwrites the same series and time); nothing else is sent twice.
    assert.ok(server.bodies.length <= 8 + 2, `at most the two batches of the failed round twice (${server.bodies.length} bodies)`);
    // The replay sends the last copy of each batch, oldest first (a late answer of a request that was
    // in flight may come in between, for a batch the replay then sends again).
    const lastCopy = expected.map((body) => server.bodies.lastIndexOf(body));
    assert.deepEqual(lastCopy, [...lastCopy].sort((x, y) => x - y), `the replay goes oldest first: ${JSON.stringify(server.bodies.map((body) => expected.indexOf(body)))}`);
    assert.equal(forwarder.deliveredPoints, 80, "each point counted once");
    assert.equal(seen.recovered.length, 1);
    assert.equal(forwarder.inFlight, 0);
    await forwarder.close();
    await server.close();
  });

  it("rejects a request count outside 1-64", () => {
    for (const maxInFlight of [0, 1.5, 65]) assert.throws(() => new Forwarder(new V1WriteTransport(config("http://127.0.0.1:1"), {}, "ms"), new DiskQueue(dir), { maxInFlight }), /maxInFlight/);
  });

  describe("on InfluxDB 1.6", () => {
    let influx: InfluxDB1Server;
    before(async () => {
      influx = await InfluxDB1Server.create();
      await influx.query("CREATE DATABASE plant");
    });
    after(async () => influx?.dispose());

    it("writes batches straight through while the server answers", async () => {
      const forwarder = new Forwarder(new V1WriteTransport(config(influx.url), {}, "ms"), new DiskQueue(dir), FAST);
      for (let i = 0; i < 20; i++) forwarder.submit(batchOf(i * 500, 500, "direct"));
      await waitFor(() => forwarder.isIdle, 20_000, "delivered");
      const rows = await influx.select('SELECT count(value) AS n, sum(value) AS s FROM direct', "plant");
      assert.equal(rows[0].n, 10_000);
      assert.equal(rows[0].s, (9999 * 10_000) / 2);
      assert.equal(forwarder.queuedPoints, 0);
      await forwarder.close();
    });

    it("reports a refused line (field type conflict) with the server's message and delivers the rest", async () => {
      const { events, seen } = recorder();
      const forwarder = new Forwarder(new V1WriteTransport(config(influx.url), {}, "ms"), new DiskQueue(dir), FAST, events);
      forwarder.submit({ body: `conflict value=1 ${T0}`, points: 1 });
      await waitFor(() => forwarder.isIdle, 5000, "first");
      const lines = batchOf(1, 99, "conflict").body.split("\n");
      const bad = `conflict,tag=a value="text" ${T0 + 500}`;
      lines.splice(40, 0, bad);
      forwarder.submit({ body: lines.join("\n"), points: 100 });
      forwarder.submit(batchOf(200, 10, "conflict"));
      await waitFor(() => forwarder.isIdle, 10_000, "delivered");
      assert.equal(seen.rejected.length, 1);
      assert.equal(seen.rejected[0].line, bad);
      assert.equal(seen.rejected[0].status, 400);
      assert.match(seen.rejected[0].message, /field type conflict/);
      const rows = await influx.select("SELECT count(value) AS n FROM conflict", "plant");
      assert.equal(rows[0].n, 1 + 99 + 10);
      assert.equal(forwarder.rejectedPoints, 1);
      assert.equal(forwarder.deliveredPoints, 1 + 99 + 10);
      await forwarder.close();
    });
  });

  describe("on VictoriaMetrics (v2 write API)", () => {
    let vm: VictoriaMetricsServer;
    before(async () => (vm = await VictoriaMetricsServer.create()));
    after(async () => vm?.dispose());

    it("writes through the v2 API; the export has every point with its own timestamp", async () => {
      const forwarder = new Forwarder(new V2WriteTransport(config(vm.url, { apiVersion: "v2", org: "o", bucket: "b" }), { token: "secret" }, "ms"), new DiskQueue(dir), FAST);
      for (let i = 0; i < 10; i++) forwarder.submit(batchOf(i * 100, 100, "v2direct"));
      await waitFor(() => forwarder.isIdle, 10_000, "delivered");
      const series = await vm.export('{__name__="v2direct_value"}');
      assert.equal(series.length, 1);
      assert.equal(series[0].metric.tag, "a");
      assert.deepEqual(series[0].values, Array.from({ length: 1000 }, (_, i) => i));
      assert.deepEqual(series[0].timestamps, Array.from({ length: 1000 }, (_, i) => T0 + i));
      await forwarder.close();
    });

    it("outage under steady load with a restart in the middle: every point arrives exactly once", async () => {
      const cfg = config(vm.url, { apiVersion: "v2", org: "o", bucket: "b" });
      const { events, seen } = recorder();
      const open = () => new Forwarder(new V2WriteTransport(cfg, {}, "ms"), new DiskQueue(dir), FAST, events, seededRandom(7));
      let forwarder = open();
      let sent = 0;
      const load = async (ms: number) => {
        const end = Date.now() + ms;
        while (Date.now() < end) {
          forwarder.submit(batchOf(sent, 50, "outage"));
          sent += 50;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };
      await load(300);
      await vm.stop();
      await load(500);
      assert.ok(forwarder.queuedPoints > 0, "points wait on disk during the outage");
      await forwarder.close(); // Node-RED restart
      forwarder = open();
      assert.ok(forwarder.queuedPoints > 0, "the queue is still there after the restart");
      await load(300);
      await vm.start();
      await load(300);
      await waitFor(() => forwarder.isIdle, 20_000, "replayed");
      const series = await vm.export('{__name__="outage_value"}');
      assert.equal(series.length, 1);
      assert.equal(series[0].timestamps.length, sent, "no point lost, none twice");
      assert.deepEqual(series[0].timestamps, Array.from({ length: sent }, (_, i) => T0 + i));
      assert.ok(seen.outages >= 1);
      assert.ok(seen.recovered.some((r) => r.replayedPoints > 0));
      await forwarder.close();
    });
  });

  it("write-ahead: every batch is on disk before it is sent, so a crash (no close) loses nothing", async () => {
    const port = await freePort();
    const { events, seen } = recorder();
    const forwarder = new Forwarder(new V1WriteTransport(config(`http://127.0.0.1:${port}`), {}, "ms"), new DiskQueue(dir), { ...FAST, writeAhead: true, initialRetryDelayMs: 60_000, maxRetryDelayMs: 60_000 }, events);
    for (let i = 0; i < 5; i++) forwarder.submit(batchOf(i * 10, 10));
    // The process dies here: no close(), nothing flushed on the way out.
    const afterCrash = new DiskQueue(dir);
    assert.equal(afterCrash.points, 50);
    assert.deepEqual(afterCrash.peek(), batchOf(0, 10));
    afterCrash.close();
    await waitFor(() => seen.outages === 1, 5000, "outage");
    await forwarder.close();
  });

  it("bounds the disk queue: an event at 80 % full, points refused past the bound", async () => {
    const port = await freePort(); // nothing listens there: every write fails to connect
    const { events, seen } = recorder();
    const one = batchOf(0, 10);
    const size = 12 + Buffer.byteLength(one.body);
    const forwarder = new Forwarder(new V1WriteTransport(config(`http://127.0.0.1:${port}`), {}, "ms"), new DiskQueue(dir, { maxBytes: size * 10 }), { initialRetryDelayMs: 60_000, maxRetryDelayMs: 60_000 }, events);
    forwarder.submit(one);
    await waitFor(() => seen.outages === 1, 5000, "outage");
    for (let i = 1; i < 7; i++) forwarder.submit(batchOf(0, 10));
    assert.deepEqual(seen.levels, []);
    forwarder.submit(batchOf(0, 10));
    assert.deepEqual(seen.levels, [[true, 0.8]]);
    for (let i = 8; i < 12; i++) forwarder.submit(batchOf(0, 10));
    assert.equal(forwarder.queuedPoints, 100);
    assert.equal(seen.dropped, 20);
    assert.equal(forwarder.droppedPoints, 20);
    await forwarder.close();
  });
});
