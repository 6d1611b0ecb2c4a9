import fs from "fs";
import os from "os";
import path from "path";
import { VictoriaMetricsServer } from "../test/support/influx-servers";
import { median, type BenchRow } from "./run";
import { getNode, startRuntime, stopRuntime } from "./support/runtime";

/**
 * Points/s written in batches to a local server: influx-write against node-red-contrib-influxdb's
 * "influxdb batch" node in the same runtime, same server, same messages (1 000 points each, in the
 * point shape both take), both on the InfluxDB 1.x /write API. The server is VictoriaMetrics, whose
 * ingestion is far faster than InfluxDB 1.6's (which takes about 40 k points/s on the 2-core test
 * machine whatever the client), so the figure measures the nodes, not the database. Each is timed until
 * the server has answered for every point: ours by its delivered counter, the peer by the runtime's
 * onComplete hook (it calls done() when its write returned; a Complete node would deep-clone each
 * 1 000-point message and charge the peer for it). Every point is counted on the server afterwards.
 * Both nodes at their defaults otherwise: influx-write keeps up to 3 requests in flight while its disk
 * queue is empty; the peer's batch node sends one request per message as it comes, with no limit (so up
 * to the sender's window of 40 requests at once).
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const RED = require("node-red") as { hooks: { add(name: string, fn: (event: { node: { id: string } }) => void): void; remove(name: string): void } };

const POINTS_PER_MESSAGE = 1000;
const MESSAGES_PER_ROUND = 300;
/** messages in flight before the sender waits: both nodes get the same head start */
const WINDOW = 40;
const T0 = Date.UTC(2026, 10, 23);

interface Counted {
  receive(msg: Record<string, unknown>): void;
  received?: number;
  influxStats?: () => { delivered: number; pending: number };
}

function message(measurement: string, round: number, m: number): Record<string, unknown> {
  const payload = new Array(POINTS_PER_MESSAGE);
  const base = (round * MESSAGES_PER_ROUND + m) * POINTS_PER_MESSAGE;
  for (let i = 0; i < POINTS_PER_MESSAGE; i++) {
    payload[i] = { measurement, tags: { tag: `tag-${i % 100}`, site: "north" }, fields: { value: (base + i) * 0.5, quality: 192 }, timestamp: T0 + base + i };
  }
  return { payload };
}

async function timeRun(input: Counted, done: () => number, measurement: string, round: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let m = 0; m < MESSAGES_PER_ROUND; m++) {
    input.receive(message(measurement, round, m));
    while (m + 1 - done() > WINDOW) await new Promise((resolve) => setImmediate(resolve));
  }
  while (done() < MESSAGES_PER_ROUND) await new Promise((resolve) => setTimeout(resolve, 1));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return (MESSAGES_PER_ROUND * POINTS_PER_MESSAGE) / seconds;
}

export async function run(): Promise<BenchRow[]> {
  const server = await VictoriaMetricsServer.create();
  const queueDir = fs.mkdtempSync(path.join(os.tmpdir(), "fr-bench-influx-"));
  try {
    await startRuntime(
      ["node-red-contrib-influxdb"],
      [
        { id: "bench-flow", type: "tab", label: "bench" },
        { id: "n-ours", z: "bench-flow", type: "influx-write", server: "n-server", measurement: "ours", topicTag: "", tags: "", valueField: "value", qualityField: "", analytics: "", integerFields: "", precision: "ms", batchSize: 5000, flushSeconds: 0.2, queueDir, queueMaxMB: 1024, writeAhead: false, retryMaxSeconds: 5, requestsInFlight: 3, wires: [[]] },
        { id: "n-server", type: "influx-server", url: server.url, apiVersion: "v1", database: "bench", retentionPolicy: "", org: "", bucket: "", timeoutSeconds: 30 },
        { id: "n-peer", z: "bench-flow", type: "influxdb batch", influxdb: "n-peer-server", precision: "ms", retentionPolicy: "", name: "", wires: [] },
        { id: "n-peer-server", type: "influxdb", hostname: "127.0.0.1", port: String(server.port), protocol: "http", database: "bench", name: "", usetls: false, influxdbVersion: "1.x" },
      ],
    );
    const ours = getNode("n-ours") as Counted;
    const peer = getNode("n-peer") as Counted;
    let peerDone = 0;
    RED.hooks.add("onComplete.influxbench", (event: { node: { id: string } }) => {
      if (event.node.id === "n-peer") peerDone++;
    });
    const oursRun = async (round: number) => {
      const base = ours.influxStats?.().delivered ?? 0;
      return timeRun(ours, () => Math.floor(((ours.influxStats?.().delivered ?? 0) - base) / POINTS_PER_MESSAGE), "ours", round);
    };
    const peerRun = async (round: number) => {
      peerDone = 0;
      return timeRun(peer, () => peerDone, "peer", round);
    };
    await oursRun(0);
    await peerRun(0);
    const a: number[] = [];
    const b: number[] = [];
    const ratios: number[] = [];
    for (let round = 1; round <= 5; round++) {
      const x = await oursRun(round);
      const y = await peerRun(round);
      a.push(x);
      b.push(y);
      ratios.push(x / y);
    }
    await stopRuntime();
    const expected = 6 * MESSAGES_PER_ROUND * POINTS_PER_MESSAGE;
    const oursCount = await server.sampleCount("ours_value");
    const peerCount = await server.sampleCount("peer_value");
    if (oursCount !== expected || peerCount !== expected) throw new Error(`points missing on the server: ours ${oursCount}, peer ${peerCount}, expected ${expected}`);
    return [
      {
        metric: "influx-write points/s, InfluxDB 1.x /write on VictoriaMetrics (messages of 1 000 points, batches of 5 000, 3 requests in flight)",
        value: median(a),
        unit: "points/s",
        peer: { name: "node-red-contrib-influxdb 0.7.0 influxdb batch", value: median(b), ratio: median(ratios) },
        note: `median of 5 alternating rounds of ${(MESSAGES_PER_ROUND * POINTS_PER_MESSAGE) / 1000} k points; ratio = median of per-round ratios (min ${Math.min(...ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)}); every point counted on the server afterwards`,
      },
    ];
  } finally {
    RED.hooks.remove("*.influxbench");
    await stopRuntime();
    await server.dispose();
    fs.rmSync(queueDir, { recursive: true, force: true });
  }
}
