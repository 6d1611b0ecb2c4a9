import { ControlChart } from "../lib/spc/chart";
import { RULE_IDS } from "../lib/spc/rules";
import { median, type BenchRow } from "./run";
import { comparePaired, startRuntime, stopRuntime } from "./support/runtime";

function corePointsPerSecond(points: number, limits: "baseline" | "rolling"): number {
  const data = new Float64Array(1 << 16);
  // In control with occasional shifts and spikes, so the rules have work to do.
  for (let i = 0; i < data.length; i++) data[i] = 100 + Math.sin(i * 0.37) * 2 + (i % 997 < 40 ? 3 : 0) + (i % 1999 === 0 ? 15 : 0);
  const chart = new ControlChart({ limits, baselineSize: 25, window: 20, rules: [...RULE_IDS] });
  let flagged = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < points; i++) flagged += chart.push(data[i & 65535]).violations.length;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (flagged === 0) throw new Error("benchmark data raised no violation: the rules did no work");
  return points / seconds;
}

// What plants write by hand instead: rule 1 only, over the last 20 values kept in context per topic.
const HAND_WRITTEN_RULE_1 = `
const all = context.get("windows") || {};
const values = all[msg.topic] || (all[msg.topic] = []);
values.push(msg.payload);
if (values.length > 20) values.shift();
const n = values.length;
const mean = values.reduce((a, b) => a + b, 0) / n;
const sd = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (n - 1)) : 0;
msg.spc = { mean, ucl: mean + 3 * sd, lcl: mean - 3 * sd, violation: n > 1 && Math.abs(msg.payload - mean) > 3 * sd };
context.set("windows", all);
return msg;`;

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const limits of ["baseline", "rolling"] as const) {
    corePointsPerSecond(1e6, limits);
    const runs = Array.from({ length: 5 }, () => corePointsPerSecond(5e6, limits));
    rows.push({ metric: `core points/s, all 12 rules, ${limits} limits`, value: median(runs), unit: "points/s", note: `median of 5, min ${(Math.min(...runs) / 1e6).toFixed(2)} M` });
  }

  await startRuntime([], [
    { id: "bench-flow", type: "tab", label: "bench" },
    { id: "n-spc", z: "bench-flow", type: "spc-rules", limits: "baseline", center: "", sigma: "", baselineSize: 25, window: 20, sigmaMethod: "moving-range", sigmaMultiplier: 3, rules: [...RULE_IDS], severities: {}, store: "", wires: [["n-sinkA"], ["n-sinkEvents"]] },
    { id: "n-function", z: "bench-flow", type: "function", func: HAND_WRITTEN_RULE_1, outputs: 1, wires: [["n-sinkB"]] },
    { id: "n-sinkA", z: "bench-flow", type: "bench-sink" },
    { id: "n-sinkB", z: "bench-flow", type: "bench-sink" },
    { id: "n-sinkEvents", z: "bench-flow", type: "bench-sink" },
  ]);
  const message = (i: number) => ({ topic: `tag-${i % 100}`, payload: 100 + Math.sin(i * 0.37) * 2 + (i % 9973 < 300 ? 3 : 0) });
  const count = 100_000;
  const paired = await comparePaired({ input: "n-spc", sink: "n-sinkA" }, { input: "n-function", sink: "n-sinkB" }, message, count);
  await stopRuntime();
  rows.push({
    metric: "node msg/s, 100 topics, all 12 rules",
    value: paired.ours,
    unit: "msg/s",
    peer: { name: "function node, rule 1 over a 20-value window", value: paired.peer, ratio: paired.ratio },
    note: `median of 5 paired rounds of ${count} messages`,
  });
  return rows;
}
