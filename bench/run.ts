/**
 * `npm run bench [name]`: runs every bench/<name>.bench.ts (compiled), prints each figure and writes
 * bench/results/latest.json. BENCHMARKS.md quotes these runs as ratios against the named peers.
 */
import fs from "fs";
import path from "path";
import { spawnSync } from "child_process";

export interface BenchRow {
  metric: string;
  value: number;
  unit: string;
  /** the figure of the peer measured in the same run, and ours divided by it */
  peer?: { name: string; value: number; ratio: number };
  note?: string;
}

export interface BenchModule {
  run(): Promise<BenchRow[]>;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs one benchmark file in this process and prints its rows as JSON on the last line. */
async function runOne(file: string): Promise<void> {
  const mod = require(path.join(__dirname, file)) as BenchModule; // eslint-disable-line @typescript-eslint/no-require-imports
  const rows = await mod.run();
  process.stdout.write(`\n${RESULT_MARK}${JSON.stringify(rows)}\n`);
  process.exit(0);
}

const RESULT_MARK = "BENCH-RESULT ";

async function main(): Promise<void> {
  if (process.argv[2] === "--one") return runOne(process.argv[3]);
  const filter = process.argv[2];
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith(".bench.js"))
    .filter((f) => !filter || f.startsWith(filter));
  const results: Record<string, BenchRow[]> = {};
  for (const file of files) {
    const name = file.replace(/\.bench\.js$/, "");
    console.log(`\n## ${name}`);
    // Each benchmark gets its own process: a fresh heap, and a Node-RED runtime started once.
    const child = spawnSync(process.execPath, ["--expose-gc", __filename, "--one", file], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
    const line = child.stdout.split("\n").find((l) => l.startsWith(RESULT_MARK));
    if (child.status !== 0 || !line) {
      console.error(child.stdout, child.stderr);
      throw new Error(`benchmark ${name} failed (exit ${child.status})`);
    }
    const rows = JSON.parse(line.slice(RESULT_MARK.length)) as BenchRow[];
    for (const row of rows) {
      const peer = row.peer ? `  vs ${row.peer.name} ${fmt(row.peer.value)} → ratio ${row.peer.ratio.toFixed(2)}×` : "";
      console.log(`${row.metric}: ${fmt(row.value)} ${row.unit}${peer}${row.note ? `  (${row.note})` : ""}`);
    }
    results[name] = rows;
  }
  const outDir = path.resolve(__dirname, "..", "..", "bench", "results");
  fs.mkdirSync(outDir, { recursive: true });
  const meta = { date: new Date().toISOString(), node: process.version, cpus: require("os").cpus().length }; // eslint-disable-line @typescript-eslint/no-require-imports
  fs.writeFileSync(path.join(outDir, "latest.json"), JSON.stringify({ meta, results }, null, 2));
  process.exit(0);
}

function fmt(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(2);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
