import { analyzeGaps } from "../lib/gaps/batch";
import { median, type BenchRow } from "./run";
import { measureThroughput, startRuntime, stopRuntime } from "./support/runtime";

function batchTimestampsPerSecond(count: number): number {
  // A 1 s series with ±200 ms jitter and a hole every 100 000 samples, as an InfluxDB query returns it.
  const timestamps = new Float64Array(count);
  let t = Date.UTC(2026, 0, 1);
  for (let i = 0; i < count; i++) {
    t += i % 100_000 === 99_999 ? 60_000 : 1000;
    timestamps[i] = t + ((i * 7919) % 400) - 200;
  }
  const start = process.hrtime.bigint();
  const analysis = analyzeGaps(timestamps, { intervalMs: 1000 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (analysis.gaps.length === 0) throw new Error("benchmark data produced no gap");
  return count / seconds;
}

function heapMB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  batchTimestampsPerSecond(1e6);
  const runs = Array.from({ length: 5 }, () => batchTimestampsPerSecond(1e7));
  rows.push({ metric: "batch core timestamps/s (10^7 sorted, jittered)", value: median(runs), unit: "timestamps/s", note: `median of 5, min ${(Math.min(...runs) / 1e6).toFixed(1)} M` });

  await startRuntime([], [
    { id: "bench-flow", type: "tab", label: "bench" },
    { id: "n-gap", z: "bench-flow", type: "gap-detector", intervalSeconds: 1, learnCount: 10, tolerance: 1.5, minorMaxHours: 2, moderateMaxHours: 12, staleSeconds: 60, timeZone: "UTC", store: "", wires: [["n-sink"], ["n-events"], ["n-backfill"]] },
    { id: "n-sink", z: "bench-flow", type: "bench-sink" },
    { id: "n-events", z: "bench-flow", type: "bench-sink" },
    { id: "n-backfill", z: "bench-flow", type: "bench-sink" },
  ]);
  const topics = 10_000;
  const t0 = Date.UTC(2026, 10, 23);
  // Each tag reports once per second of data time; every 5 000th reading skips 30 s (a gap).
  const message = (i: number) => {
    const round = Math.floor(i / topics);
    return { topic: `tag-${i % topics}`, payload: { value: i, timestamp: t0 + round * 1000 + (round % 5000 === 4999 ? 30_000 : 0) } };
  };
  let offset = 0;
  const shifted = (i: number) => message(i + offset);
  await measureThroughput("n-gap", "n-sink", shifted, 200_000);
  offset += 200_000;
  const heapAfterWarmup = heapMB();
  const rates: number[] = [];
  const heaps: number[] = [];
  for (let block = 0; block < 5; block++) {
    const result = await measureThroughput("n-gap", "n-sink", shifted, 200_000);
    offset += 200_000;
    rates.push(result.messagesPerSecond);
    heaps.push(heapMB());
  }
  await stopRuntime();
  rows.push({ metric: "node msg/s, 10 000 topics, stale watchdog on", value: median(rates), unit: "msg/s", note: "median of 5 blocks of 200 000 messages (1 M in all)" });
  rows.push({
    metric: "node heap after warm-up (200 k msgs) → after each further 200 k (MB, after GC)",
    value: heaps[heaps.length - 1],
    unit: "MB",
    note: `${heapAfterWarmup.toFixed(1)} → ${heaps.map((h) => h.toFixed(1)).join(" → ")}`,
  });
  return rows;
}
