/**
 * Fault: InfluxDB down for 10 simulated minutes under steady load, Node-RED killed (SIGKILL) in the
 * middle of the outage and started again on the same user dir, then the server back. Every point the
 * influx-write node took must be stored exactly once: per series the count, sum, min and max in
 * InfluxDB equal what was sent (InfluxDB keeps one point per series and time, so a count equal to the
 * number of distinct times sent also proves none is missing).
 *
 * Load: 20 tags at 1 Hz with source timestamps, fed far faster than real time: one request of 10
 * simulated seconds (200 points, exactly one batch, so an acknowledged request is on disk) every few
 * tens of ms, so 10 simulated minutes of outage pass in a few seconds plus the Node-RED restart. influx-write runs with its durable queue in write-ahead mode (every batch
 * fsynced before it is sent), which is what a plant that must survive a crash configures.
 */
import assert from "node:assert/strict";
import { seededRandom } from "../../lib/common/random";
import { InfluxDB1Server } from "../support/influx-servers";
import type { FlowNode } from "../support/node-red-process";
import { eventually, feed, feedEndpoint, probeEvents, probeTab, recorder, sharedNodeRed, sleep, type CrashableNodeRed } from "./support";

const TAGS = 20;
const SECONDS_PER_REQUEST = 10;
const POINTS_PER_REQUEST = TAGS * SECONDS_PER_REQUEST;
const BEFORE_SECONDS = 60;
const OUTAGE_SECONDS = 600;
const AFTER_SECONDS = 60;
const START_MS = Date.UTC(2026, 10, 20, 0, 0, 0);
const DATABASE = "plant";
const Z = "fault-influx-tab";

const tagName = (i: number): string => `WP1.T${String(i).padStart(2, "0")}`;

/** The value of tag i at second s: seeded, 3 decimals, so sums compare exactly enough. */
function valuesOf(seed: number, seconds: number): number[][] {
  const values: number[][] = [];
  for (let i = 0; i < TAGS; i++) {
    const random = seededRandom(seed + i);
    values.push(Array.from({ length: seconds }, () => Math.round((100 + i * 10 + random() * 50) * 1000) / 1000));
  }
  return values;
}

/** The node as the outage test runs it: write-ahead, one request = one batch. `overrides` change its settings. */
function flow(influxUrl: string, overrides: Record<string, unknown> = {}): FlowNode[] {
  return [
    { id: Z, type: "tab", label: "influx outage", disabled: false, info: "" },
    { id: "fault-influx-server", type: "influx-server", name: "historian", url: influxUrl, apiVersion: "v1", database: DATABASE, retentionPolicy: "", org: "", bucket: "", timeoutSeconds: 2 },
    {
      id: "fault-influx-write",
      type: "influx-write",
      z: Z,
      name: "",
      server: "fault-influx-server",
      measurement: "telemetry",
      topicTag: "tag",
      tags: "",
      valueField: "value",
      qualityField: "",
      analytics: "",
      integerFields: "",
      precision: "ms",
      batchSize: POINTS_PER_REQUEST,
      flushSeconds: 1,
      queueDir: "",
      queueMaxMB: 64,
      writeAhead: true,
      retryMaxSeconds: 1,
      requestsInFlight: 3,
      wires: [["fault-influx-events"]],
      ...overrides,
    },
    recorder("fault-influx-events", Z, "influxEvents"),
    ...feedEndpoint("influx", Z, "fault-influx-write"),
    ...probeTab(),
  ];
}

describe("fault: InfluxDB outage with a Node-RED crash in the middle", function () {
  this.timeout(120_000);
  let influxd: InfluxDB1Server;
  let red: CrashableNodeRed;

  before(async () => {
    influxd = await InfluxDB1Server.create();
    await influxd.query(`CREATE DATABASE ${DATABASE}`);
    red = await sharedNodeRed();
  });

  after(async () => {
    await influxd?.dispose();
  });

  it("stores every point exactly once (count, sum, min, max per series)", async () => {
    const totalSeconds = BEFORE_SECONDS + OUTAGE_SECONDS + AFTER_SECONDS;
    const values = valuesOf(2026, totalSeconds);
    const requestBody = (request: number): unknown[] => {
      const body: unknown[] = [];
      for (let s = request * SECONDS_PER_REQUEST; s < (request + 1) * SECONDS_PER_REQUEST; s++) {
        for (let i = 0; i < TAGS; i++) body.push({ tags: { tag: tagName(i) }, value: values[i][s], timestamp: START_MS + s * 1000 });
      }
      return body;
    };
    const requests = totalSeconds / SECONDS_PER_REQUEST;
    const outageFrom = BEFORE_SECONDS / SECONDS_PER_REQUEST;
    const outageTo = (BEFORE_SECONDS + OUTAGE_SECONDS) / SECONDS_PER_REQUEST;
    const crashAt = outageFrom + Math.floor((outageTo - outageFrom) / 2);
    const acked = new Set<number>();
    let resent = 0;

    await red.deploy(flow(influxd.url));

    // A steady stream: the next request 15 ms after the last one was acknowledged.
    const send = async (request: number): Promise<void> => {
      await feed(red.url, "influx", requestBody(request));
      acked.add(request);
      await sleep(15);
    };

    for (let r = 0; r < outageFrom; r++) await send(r);
    await influxd.stop();
    const outageStartedAt = Date.now();
    for (let r = outageFrom; r < crashAt; r++) await send(r);

    // The crash lands while a request is on its way in (the source does not wait for it).
    const inFlight = feed(red.url, "influx", requestBody(crashAt)).then(
      () => acked.add(crashAt),
      () => undefined,
    );
    await sleep(3);
    await red.crash();
    await inFlight;
    const restartBegan = Date.now();
    await red.start();
    const restartMs = Date.now() - restartBegan;
    // The source (a PLC buffer, an OPC UA history read) sends again what was not acknowledged.
    // Whether or not the request in flight was acknowledged, it is sent again, as a source that cannot know would.
    const ackedBeforeCrash = acked.has(crashAt);
    resent++;
    for (let r = crashAt; r < outageTo; r++) await send(r);
    const simulatedOutageRealMs = Date.now() - outageStartedAt;

    const backAt = Date.now();
    await influxd.start();
    for (let r = outageTo; r < requests; r++) await send(r);
    assert.equal(acked.size, requests, "every request was taken by influx-write");

    const expected = TAGS * totalSeconds;
    const stored = await eventually(
      async () => {
        const rows = await influxd.select("SELECT count(value) FROM telemetry", DATABASE);
        const count = Number(rows[0]?.count ?? 0);
        return count >= expected ? count : undefined;
      },
      60_000,
      `${expected} points in InfluxDB`,
      250,
    );
    const drainedMs = Date.now() - backAt;
    assert.equal(stored, expected, "no point doubled");

    const perTag = await influxd.select('SELECT count(value) AS n, sum(value) AS total, min(value) AS low, max(value) AS high FROM telemetry GROUP BY "tag"', DATABASE);
    assert.equal(perTag.length, TAGS, "one series per tag");
    for (const row of perTag) {
      const i = Number(String(row.tag).slice(-2));
      const sent = values[i];
      assert.equal(row.n, totalSeconds, `${row.tag}: one point per second, none missing, none doubled`);
      const sum = sent.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(Number(row.total) - sum) < 1e-6 * sum, `${row.tag}: sum ${row.total} = ${sum}`);
      assert.equal(row.low, Math.min(...sent), `${row.tag}: min`);
      assert.equal(row.high, Math.max(...sent), `${row.tag}: max`);
    }
    // Every second of the outage is there for one tag, checked point by point.
    const outageRows = await influxd.select(
      `SELECT value FROM telemetry WHERE "tag" = '${tagName(7)}' AND time >= ${(START_MS + BEFORE_SECONDS * 1000) * 1e6} AND time < ${(START_MS + (BEFORE_SECONDS + OUTAGE_SECONDS) * 1000) * 1e6}`,
      DATABASE,
    );
    assert.deepEqual(
      outageRows.map((row) => row.value),
      values[7].slice(BEFORE_SECONDS, BEFORE_SECONDS + OUTAGE_SECONDS),
    );

    const events = await eventually(
      async () => {
        const list = await probeEvents(red.url, "influxEvents");
        return list.some((e) => e.event === "recovered") ? list : undefined;
      },
      10_000,
      "the recovered event of the restarted node",
    );
    const recovered = events.find((e) => e.event === "recovered");
    assert.ok(events.some((e) => e.event === "outage"), "the restarted node reported the outage it found");
    assert.ok(!events.some((e) => e.event === "queue-full" || e.event === "rejected"), "nothing dropped or refused");
    console.log(
      `      influx outage: ${expected} points sent (${requests} requests; the one in flight at the kill ${ackedBeforeCrash ? "was" : "was not"} acknowledged, sent again: ${resent}), ${stored} stored, 0 lost, 0 doubled; ` +
        `outage of ${OUTAGE_SECONDS} simulated s took ${simulatedOutageRealMs} ms real; Node-RED restart ${restartMs} ms; ` +
        `queue drained ${drainedMs} ms after influxd was back (replayed ${String(recovered?.details?.replayedPoints)} points)`,
    );
  });

  it("with the defaults (write-ahead off, batches of 5000 / 1 s) a kill while InfluxDB is up loses at most the last flushSeconds of points", async () => {
    const FLUSH_MS = 1000;
    await red.deploy(flow(influxd.url, { measurement: "defaults", batchSize: 5000, flushSeconds: FLUSH_MS / 1000, writeAhead: false, retryMaxSeconds: 30 }));
    // 20 tags, one simulated second per request, one request every ~50 ms; the kill at a seeded moment after 3 s.
    const acked: Array<{ second: number; at: number }> = [];
    const killAfterMs = 3000 + Math.round(seededRandom(11)() * 1000);
    const began = Date.now();
    let second = 0;
    while (Date.now() - began < killAfterMs) {
      const body = Array.from({ length: TAGS }, (_, i) => ({ tags: { tag: tagName(i) }, value: second, timestamp: START_MS + second * 1000 }));
      await feed(red.url, "influx", body);
      acked.push({ second, at: Date.now() });
      second++;
      await sleep(40);
    }
    const killedAt = Date.now();
    await red.crash();
    await red.start();
    // What the restarted node replays (close() never ran: only what was on disk) has time to arrive.
    await sleep(3000);
    const rows = await influxd.select('SELECT count(value) AS n FROM "defaults" GROUP BY "tag"', DATABASE);
    const storedPerTag = rows.map((row) => Number(row.n));
    assert.equal(new Set(storedPerTag).size, 1, `every tag has the same number of points: ${storedPerTag.join(", ")}`);
    const stored = storedPerTag[0] ?? 0;
    const seconds = await influxd.select(`SELECT value FROM "defaults" WHERE "tag" = '${tagName(0)}'`, DATABASE);
    // What is stored is a prefix of what was sent: nothing in the middle is missing.
    assert.deepEqual(
      seconds.map((row) => row.value),
      acked.slice(0, stored).map((a) => a.second),
    );
    const lost = acked.length - stored;
    const lostSpanMs = lost === 0 ? 0 : killedAt - acked[stored].at;
    console.log(
      `      influx defaults: ${acked.length * TAGS} points acknowledged, ${stored * TAGS} stored after the kill; lost ${lost * TAGS} points = the last ${lostSpanMs} ms before the kill (flushSeconds ${FLUSH_MS} ms)`,
    );
    assert.ok(lostSpanMs <= FLUSH_MS + 500, `lost the last ${lostSpanMs} ms, bound flushSeconds (${FLUSH_MS} ms) + 500 ms of scheduling`);
  });
});
