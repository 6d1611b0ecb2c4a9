import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { InputError } from "../../../lib/common/errors";
import { StreamingDetector } from "../../../lib/anomaly/streaming";
import { parseNabArguments, parseNabTimestamp, runNab } from "../../../bench/nab";
import { seededRandom } from "../../support/reference";

// The compiled harness sits beside this compiled test's tree (dist/ in CI, .tmp/<task>-dist/ locally).
const harness = path.resolve(__dirname, "..", "..", "..", "bench", "nab.js");

function nabCsv(rows: number, seed: number, start = Date.UTC(2014, 3, 1)): { text: string; timestamps: string[]; values: string[] } {
  const random = seededRandom(seed);
  const timestamps: string[] = [];
  const values: string[] = [];
  for (let i = 0; i < rows; i++) {
    timestamps.push(new Date(start + i * 300_000).toISOString().replace("T", " ").slice(0, 19));
    values.push(String(Math.round((20 + 5 * Math.sin(i / 10) + random() + (i === rows - 5 ? 30 : 0)) * 1000) / 1000));
  }
  return { text: `timestamp,value\n${timestamps.map((t, i) => `${t},${values[i]}`).join("\n")}\n`, timestamps, values };
}

describe("bench/nab harness", () => {
  let root = "";
  const files: Record<string, ReturnType<typeof nabCsv>> = {};

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "fr-nab-"));
    const layout: [string, string, number][] = [
      ["artificialWithAnomaly", "art_one.csv", 400],
      ["artificialWithAnomaly", "art_two.csv", 350],
      ["realThing", "machine_temp.csv", 500],
    ];
    layout.forEach(([category, file, rows], i) => {
      fs.mkdirSync(path.join(root, "data", category), { recursive: true });
      files[`${category}/${file}`] = nabCsv(rows, i + 1);
      fs.writeFileSync(path.join(root, "data", category, file), files[`${category}/${file}`].text);
    });
    // A non-CSV file and a file at the top level are not data files.
    fs.writeFileSync(path.join(root, "data", "realThing", "README.md"), "notes\n");
    fs.writeFileSync(path.join(root, "data", "top.csv"), "timestamp,value\n");
  });

  after(() => fs.rmSync(root, { recursive: true, force: true }));

  function checkOutput(out: string, detector: string): void {
    for (const [key, input] of Object.entries(files)) {
      const [category, file] = key.split("/");
      const text = fs.readFileSync(path.join(out, category, `${detector}_${file}`), "utf8");
      const lines = text.trimEnd().split("\n");
      assert.equal(lines[0], "timestamp,value,anomaly_score");
      assert.equal(lines.length - 1, input.timestamps.length, key);
      const detectorRun = new StreamingDetector();
      lines.slice(1).forEach((line, i) => {
        const [timestamp, value, score] = line.split(",");
        assert.equal(timestamp, input.timestamps[i]);
        assert.equal(value, input.values[i]);
        const expected = detectorRun.update(Number(input.values[i]), parseNabTimestamp(input.timestamps[i], key)).score;
        assert.equal(Number(score), expected, `${key} row ${i + 1}`);
        assert.ok(Number(score) >= 0 && Number(score) <= 1);
      });
    }
    assert.deepEqual(fs.readdirSync(out).sort(), ["artificialWithAnomaly", "realThing"]);
    assert.deepEqual(fs.readdirSync(path.join(out, "realThing")), [`${detector}_machine_temp.csv`]);
  }

  it("runNab writes OUT/<category>/<name>_<file>.csv: same rows, same order, timestamps and values copied, default-settings scores", () => {
    const out = path.join(root, "out-lib");
    const summary = runNab(parseNabArguments(["--data", path.join(root, "data"), "--out", out]));
    assert.equal(summary.files, 3);
    assert.equal(summary.rows, 1250);
    checkOutput(out, "fieldrel");
  });

  it("the CLI does the same with --detector NAME", () => {
    const out = path.join(root, "out-cli");
    const result = spawnSync(process.execPath, [harness, "--data", path.join(root, "data"), "--out", out, "--detector", "mine"], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /mine: 3 files, 1250 rows/);
    checkOutput(out, "mine");
  });

  it("the CLI refuses bad arguments with the field named and exit status 1", () => {
    const cases: [string[], RegExp][] = [
      [["--out", path.join(root, "x")], /nab: data: missing/],
      [["--data", path.join(root, "data")], /nab: out: missing/],
      [["--data", path.join(root, "data"), "--out", path.join(root, "x"), "--detector", "my_det"], /nab: detector: .*no underscore/],
      [["--data", path.join(root, "nowhere"), "--out", path.join(root, "x")], /nab: data: .* is not a folder/],
      [["--data", path.join(root, "data"), "--out", path.join(root, "x"), "--bogus", "1"], /nab: arguments: unknown argument/],
    ];
    for (const [args, message] of cases) {
      const result = spawnSync(process.execPath, [harness, ...args], { encoding: "utf8" });
      assert.equal(result.status, 1, args.join(" "));
      assert.match(result.stderr, message);
    }
  });

  it("a data file with a bad value is an InputError naming the file and line", () => {
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), "fr-nab-bad-"));
    try {
      fs.mkdirSync(path.join(bad, "data", "cat"), { recursive: true });
      fs.writeFileSync(path.join(bad, "data", "cat", "f.csv"), "timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,oops\n");
      assert.throws(
        () => runNab(parseNabArguments(["--data", path.join(bad, "data"), "--out", path.join(bad, "out")])),
        (error: unknown) => error instanceof InputError && error.field === "value" && /cat\/f\.csv line 3/.test(error.message),
      );
    } finally {
      fs.rmSync(bad, { recursive: true, force: true });
    }
  });

  it("reads NAB timestamps as UTC whatever the machine's zone", () => {
    assert.equal(parseNabTimestamp("2014-02-14 14:30:00", "x"), Date.UTC(2014, 1, 14, 14, 30));
    assert.equal(parseNabTimestamp("2014-02-14T14:30:00Z", "x"), Date.UTC(2014, 1, 14, 14, 30));
    assert.throws(() => parseNabTimestamp("yesterday", "f.csv line 2"), (e: unknown) => e instanceof InputError && e.field === "timestamp");
  });
});
