/**
 * NAB harness: runs the streaming detector with its default settings over every
 * DATA/<category>/<file>.csv (columns timestamp,value) of a Numenta Anomaly Benchmark layout folder and
 * writes OUT/<category>/<NAME>_<file>.csv with columns timestamp,value,anomaly_score, one row per data
 * row in the same order, the timestamps copied through unchanged. It never reads labels.
 *
 * usage: node dist/bench/nab.js --data DIR --out DIR [--detector NAME] [--options JSON]
 * Score the output with NAB's scorer (../shared/nab/score OUT). `--options` (a JSON object of
 * StreamingOptions) is for experiments only; published figures use the defaults.
 */
import fs from "fs";
import path from "path";
import { InputError } from "../lib/common/errors";
import { StreamingDetector, type StreamingOptions } from "../lib/anomaly/streaming";

export const DEFAULT_DETECTOR_NAME = "fieldrel";

export interface NabRunSummary {
  files: number;
  rows: number;
  seconds: number;
}

interface NabArguments {
  data: string;
  out: string;
  detector: string;
  options: Partial<StreamingOptions>;
}

export function parseNabArguments(argv: readonly string[]): NabArguments {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (!["--data", "--out", "--detector", "--options"].includes(flag)) throw new InputError("arguments", `unknown argument ${JSON.stringify(flag)}`);
    const value = argv[i + 1];
    if (value === undefined) throw new InputError(flag.slice(2), "needs a value");
    values[flag.slice(2)] = value;
    i++;
  }
  if (!values.data) throw new InputError("data", "missing: --data DIR (a NAB-layout folder)");
  if (!values.out) throw new InputError("out", "missing: --out DIR");
  const detector = values.detector ?? DEFAULT_DETECTOR_NAME;
  // NAB splits "<detector>_<file>.csv" at the first underscore.
  if (!/^[A-Za-z0-9-]+$/.test(detector)) throw new InputError("detector", `expected letters, digits or "-" (no underscore), got ${JSON.stringify(detector)}`);
  let options: Partial<StreamingOptions> = {};
  if (values.options !== undefined) {
    try {
      options = JSON.parse(values.options) as Partial<StreamingOptions>;
    } catch {
      throw new InputError("options", "expected a JSON object");
    }
  }
  return { data: values.data, out: values.out, detector, options };
}

/**
 * NAB writes "YYYY-MM-DD HH:MM:SS" without a zone; read it as UTC so the result does not depend on the
 * machine's time zone (only the order and spacing of timestamps matter to the detector).
 */
export function parseNabTimestamp(text: string, where: string): number {
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? `${text.replace(" ", "T")}Z` : text;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new InputError("timestamp", `${where}: cannot read ${JSON.stringify(text)} as a time`);
  return ms;
}

/** Scores one CSV text and returns the result CSV text. */
export function scoreNabCsv(text: string, where: string, options: Partial<StreamingOptions> = {}): { csv: string; rows: number } {
  const lines = text.split(/\r?\n/);
  const header = lines[0].split(",").map((h) => h.trim());
  const timeColumn = header.indexOf("timestamp");
  const valueColumn = header.indexOf("value");
  if (timeColumn < 0 || valueColumn < 0) throw new InputError("header", `${where}: expected columns timestamp,value, got ${JSON.stringify(lines[0])}`);
  const detector = new StreamingDetector(options);
  const out: string[] = ["timestamp,value,anomaly_score"];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    const cells = lines[i].split(",");
    const timestampText = cells[timeColumn];
    const valueText = cells[valueColumn];
    const value = Number(valueText);
    if (valueText === undefined || valueText.trim() === "" || !Number.isFinite(value)) {
      throw new InputError("value", `${where} line ${i + 1}: expected a number, got ${JSON.stringify(valueText)}`);
    }
    const result = detector.update(value, parseNabTimestamp(timestampText, `${where} line ${i + 1}`));
    out.push(`${timestampText},${valueText},${result.score}`);
  }
  return { csv: `${out.join("\n")}\n`, rows: out.length - 1 };
}

export function runNab(args: NabArguments): NabRunSummary {
  const start = process.hrtime.bigint();
  if (!fs.existsSync(args.data) || !fs.statSync(args.data).isDirectory()) throw new InputError("data", `${args.data} is not a folder`);
  let files = 0;
  let rows = 0;
  const categories = fs.readdirSync(args.data, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  for (const category of categories) {
    const dir = path.join(args.data, category);
    const csvFiles = fs.readdirSync(dir).filter((f) => f.endsWith(".csv")).sort();
    if (csvFiles.length === 0) continue;
    fs.mkdirSync(path.join(args.out, category), { recursive: true });
    for (const file of csvFiles) {
      const result = scoreNabCsv(fs.readFileSync(path.join(dir, file), "utf8"), `${category}/${file}`, args.options);
      fs.writeFileSync(path.join(args.out, category, `${args.detector}_${file}`), result.csv);
      files++;
      rows += result.rows;
    }
  }
  return { files, rows, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

if (require.main === module) {
  try {
    const args = parseNabArguments(process.argv.slice(2));
    const summary = runNab(args);
    console.log(`${args.detector}: ${summary.files} files, ${summary.rows} rows in ${summary.seconds.toFixed(2)} s → ${args.out}`);
  } catch (error) {
    console.error(`nab: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
