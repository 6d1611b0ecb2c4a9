import fs from "fs";
import os from "os";
import path from "path";
import { resolveReportConfig, type AnhReportConfig } from "../lib/anh/config";
import { buildDayReport } from "../lib/anh/report";
import { AnhReporter } from "../lib/anh/reporter";
import { validateReport } from "../lib/anh/schema";
import { DaySlots } from "../lib/anh/slots";
import { median, type BenchRow } from "./run";

/**
 * The ANH day report: 20 variables × 144 slots from 20 × 86 400 one-second readings. Measures the
 * build + validate time from slot data (goal ≤ 50 ms), the slot fill rate of a batch, the streaming
 * ingest rate into the durable journal, and a full generation from a 1.7 M-line journal.
 */

const DATE = "2026-11-22";
const MIDNIGHT = Date.UTC(2026, 10, 22, 5); // 00:00 in Bogota
const VARIABLES = 20;
const SECONDS = 86_400;

function benchConfig(): AnhReportConfig {
  return resolveReportConfig({
    operatorId: "OP-0001",
    fieldId: "FIELD-BENCH",
    wellId: "WELL-1",
    variables: Array.from({ length: VARIABLES }, (_, i) => ({ tag: `tag-${i}`, code: `VAR_${i}`, unit: "u", aggregation: (["mean", "last", "min", "max"] as const)[i % 4] })),
  });
}

/** A 1 Hz day per variable with a 1 % share of bad readings; returns the fill rate in readings/s. */
function fillDay(day: DaySlots): number {
  const started = process.hrtime.bigint();
  for (let s = 0; s < SECONDS; s++) {
    const t = MIDNIGHT + s * 1000;
    for (let v = 0; v < VARIABLES; v++) day.add(`tag-${v}`, t, 100 + v + Math.sin(s / 600), (s + v) % 100 !== 0);
  }
  return (VARIABLES * SECONDS) / (Number(process.hrtime.bigint() - started) / 1e9);
}

function msSince(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const config = benchConfig();

  const fillRates: number[] = [];
  let day = new DaySlots(DATE, config.timeZone, config.intervalMs);
  for (let i = 0; i < 3; i++) {
    day = new DaySlots(DATE, config.timeZone, config.intervalMs);
    fillRates.push(fillDay(day));
  }
  rows.push({ metric: "anh-json slot fill (batch), 20 × 86 400 readings", value: median(fillRates), unit: "readings/s", note: "median of 3 days" });

  validateReport(buildDayReport(day, config)); // compile the schema and warm up outside the timing
  const builds: number[] = [];
  const totals: number[] = [];
  for (let i = 0; i < 21; i++) {
    const started = process.hrtime.bigint();
    const report = buildDayReport(day, config);
    const built = msSince(started);
    const result = validateReport(report);
    totals.push(msSince(started));
    builds.push(built);
    if (!result.valid || report.variables.length !== VARIABLES || report.variables[0].slots.length !== 144) throw new Error(`benchmark report invalid: ${result.errors.join("; ")}`);
  }
  rows.push({ metric: "anh-json day report build + validate from slot data (20 × 144 slots)", value: median(totals), unit: "ms", note: `median of 21; build alone ${median(builds).toFixed(2)} ms; goal ≤ 50 ms` });

  // Streaming: each reading through the reporter into the journal file (write per reading, fsync ≤ 1 s).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anh-bench-"));
  try {
    const reporter = new AnhReporter(config, { journalDir: dir, sendNonCompliant: true });
    await reporter.start();
    const rates: number[] = [];
    const block = 20 * 10_000;
    let s = 0;
    for (let b = 0; b < 5; b++) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < block / VARIABLES; i++, s++) {
        const t = MIDNIGHT + s * 1000;
        for (let v = 0; v < VARIABLES; v++) reporter.ingest(`tag-${v}`, t, 100 + v, 192);
      }
      rates.push(block / (msSince(started) / 1000));
    }
    rows.push({ metric: "anh-json streaming ingest into the durable journal", value: median(rates), unit: "readings/s", note: "median of 5 blocks of 200 000; write() per reading, fsync at most 1 s later" });
    // Fill the rest of the day and generate from the journal, as the 06:00 run does.
    for (; s < SECONDS; s++) {
      const t = MIDNIGHT + s * 1000;
      for (let v = 0; v < VARIABLES; v++) reporter.ingest(`tag-${v}`, t, 100 + v, 192);
    }
    const bytes = fs.statSync(reporter.journal.fileOf(DATE)).size;
    const started = process.hrtime.bigint();
    const outcome = await reporter.generate(DATE);
    const seconds = msSince(started) / 1000;
    if (outcome.status !== "ready" || outcome.readings !== VARIABLES * SECONDS) throw new Error(`generation from the journal: ${outcome.status}, ${outcome.readings} readings`);
    reporter.close();
    rows.push({ metric: "anh-json generation from a full-day journal (1.73 M lines)", value: seconds * 1000, unit: "ms", note: `journal ${(bytes / 2 ** 20).toFixed(0)} MB; replay + build + validate + write + audit` });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
