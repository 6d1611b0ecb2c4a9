import { RollingWindow } from "../lib/stats/rolling-window";
import { median, type BenchRow } from "./run";
import { comparePaired, startRuntime, stopRuntime } from "./support/runtime";

function coreUpdatesPerSecond(spec: ConstructorParameters<typeof RollingWindow>[0], updates: number): number {
  const data = new Float64Array(1 << 16);
  for (let i = 0; i < data.length; i++) data[i] = 1e9 + Math.random();
  const window = new RollingWindow(spec);
  const timed = spec.kind === "time";
  const start = process.hrtime.bigint();
  if (timed) for (let i = 0; i < updates; i++) window.push(data[i & 65535], i * 100);
  else for (let i = 0; i < updates; i++) window.push(data[i & 65535]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (!Number.isFinite(window.std)) throw new Error("benchmark produced no result");
  return updates / seconds;
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [label, spec] of [
    ["core updates/s, count window 20", { kind: "count", size: 20 }],
    ["core updates/s, count window 1000", { kind: "count", size: 1000 }],
    ["core updates/s, time window 60 s at 10 Hz", { kind: "time", seconds: 60 }],
  ] as const) {
    coreUpdatesPerSecond(spec, 2e6); // warm-up
    const runs = Array.from({ length: 5 }, () => coreUpdatesPerSecond(spec, 1e7));
    rows.push({ metric: label, value: median(runs), unit: "updates/s", note: `median of 5, min ${(Math.min(...runs) / 1e6).toFixed(1)} M` });
  }

  // Node throughput: sigma-window and node-red-node-smooth (action "sd", one state per topic) side by side
  // in the same embedded runtime, alternating rounds so machine drift hits both alike.
  await startRuntime(["node-red-node-smooth"], [
    { id: "bench-flow", type: "tab", label: "bench" },
    { id: "n-sigma", z: "bench-flow", type: "sigma-window", windowType: "count", window: 20, classification: "relative", factor: 2, referenceSize: 100, hysteresis: 0.1, threshold: 1, windowSeconds: 60, alignment: "trailing", store: "", wires: [["n-sinkA"], ["n-sinkEvents"]] },
    { id: "n-smooth", z: "bench-flow", type: "smooth", action: "sd", count: 20, round: "", mult: "multi", reduce: false, property: "payload", wires: [["n-sinkB"]] },
    { id: "n-sinkA", z: "bench-flow", type: "bench-sink" },
    { id: "n-sinkB", z: "bench-flow", type: "bench-sink" },
    { id: "n-sinkEvents", z: "bench-flow", type: "bench-sink" },
  ]);
  // A plant-like signal: 100 tags, each calm and then turbulent in phases of 250 of its own samples.
  const message = (i: number) => ({ topic: `tag-${i % 100}`, payload: 50 + Math.sin(i * 0.7) * (i % 50000 < 25000 ? 0.1 : 3) });
  const count = 100_000;
  const paired = await comparePaired({ input: "n-sigma", sink: "n-sinkA" }, { input: "n-smooth", sink: "n-sinkB" }, message, count);
  await stopRuntime();
  rows.push({
    metric: "node msg/s, 100 topics, window 20",
    value: paired.ours,
    unit: "msg/s",
    peer: { name: "node-red-node-smooth (sd)", value: paired.peer, ratio: paired.ratio },
    note: `ratio = median of 5 paired rounds of ${count} messages; sigma-window also computes mean, population σ, CV, min, max and the stable/turbulent state`,
  });
  return rows;
}
