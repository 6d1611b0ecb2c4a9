import assert from "node:assert/strict";
import { rollingBatch, type BatchSample } from "../../../lib/stats/rolling-batch";
import { relativeError, seededRandom, twoPassStats } from "../../support/reference";

const classifier = { mode: "relative" as const, threshold: 0, factor: 1, referenceSize: 100, hysteresis: 0 };
const samples = (values: number[]): BatchSample[] => values.map((value) => ({ value }));

/**
 * pandas' fixed-window rule, written out: with center=True the window of label i ends at
 * i + (w - 1) // 2 (pandas FixedWindowIndexer), and min_periods defaults to w.
 */
function pandasRollingStd(values: number[], w: number, center: boolean): (number | null)[] {
  const offset = center ? Math.floor((w - 1) / 2) : 0;
  return values.map((_, i) => {
    const end = i + offset + 1;
    const start = end - w;
    if (start < 0 || end > values.length) return null;
    return twoPassStats(values.slice(start, end)).std;
  });
}

function assertSeriesClose(actual: (number | null)[], expected: (number | null)[]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => {
    const e = expected[i];
    if (e === null) assert.equal(a, null, `index ${i} should be null`);
    else assert.ok(a !== null && relativeError(a, e) < 1e-9, `index ${i}: ${a} vs ${e}`);
  });
}

describe("lib/stats rollingBatch", () => {
  it("centred alignment reproduces pandas rolling(4, center=True).std() on 1..6", () => {
    // pandas: pd.Series([1, 2, 3, 4, 5, 6]).rolling(4, center=True).std() -> NaN, NaN, 1.290994, 1.290994, 1.290994, NaN
    const out = rollingBatch(samples([1, 2, 3, 4, 5, 6]), { kind: "count", size: 4 }, "centred", classifier);
    assertSeriesClose(out.std, [null, null, 1.2909944487358056, 1.2909944487358056, 1.2909944487358056, null]);
  });

  it("centred and trailing alignments match the pandas window rule on random data, odd and even windows", () => {
    const random = seededRandom(11);
    const values = Array.from({ length: 200 }, () => random() * 10 + 1e6);
    for (const w of [2, 5, 6, 20]) {
      for (const center of [false, true]) {
        const out = rollingBatch(samples(values), { kind: "count", size: w }, center ? "centred" : "trailing", classifier);
        assertSeriesClose(out.std, pandasRollingStd(values, w, center));
      }
    }
  });

  it("the seed's 5-sample centred window with the median split: turbulent exactly above the batch median", () => {
    const random = seededRandom(5);
    const values = Array.from({ length: 120 }, (_, i) => 4 + (random() - 0.5) * (i >= 40 && i < 80 ? 1 : 0.01));
    const out = rollingBatch(samples(values), { kind: "count", size: 5 }, "centred", classifier);
    const stds = out.std.filter((s): s is number => s !== null).sort((a, b) => a - b);
    const median = (stds[57] + stds[58]) / 2; // 116 full windows
    assert.equal(out.limit, median);
    out.std.forEach((s, i) => {
      const expected = s === null ? "warming" : s > median ? "turbulent" : "stable";
      assert.equal(out.state[i], expected, `state at ${i}`);
    });
    for (let i = 42; i < 78; i++) assert.equal(out.state[i], "turbulent", `noisy stretch at ${i}`);
    assert.deepEqual([out.state[0], out.state[1], out.state[119]], ["warming", "warming", "warming"]);
  });

  it("a larger factor flags only the unusual stretch", () => {
    const random = seededRandom(5);
    const values = Array.from({ length: 120 }, (_, i) => 4 + (random() - 0.5) * (i >= 40 && i < 80 ? 1 : 0.01));
    const out = rollingBatch(samples(values), { kind: "count", size: 5 }, "centred", { ...classifier, factor: 3 });
    out.state.forEach((state, i) => {
      if (i >= 42 && i < 78) assert.equal(state, "turbulent", `noisy stretch at ${i}`);
      else if (i < 38 || i >= 82) assert.notEqual(state, "turbulent", `quiet stretch at ${i}`);
    });
  });

  it("time windows report from the first sample and exclude bad-quality samples", () => {
    const input: BatchSample[] = [
      { value: 1, timestamp: 0 },
      { value: 100, timestamp: 500, good: false },
      { value: 3, timestamp: 1000 },
      { value: 5, timestamp: 2000 },
      { value: 7, timestamp: 3000 },
    ];
    const out = rollingBatch(input, { kind: "time", seconds: 2 }, "trailing", classifier);
    assert.deepEqual(out.mean, [1, null, 2, 4, 6]);
    assert.deepEqual(out.n, [1, 0, 2, 2, 2]);
    assert.equal(out.excluded, 1);
  });

  it("names the offending element and refuses centred time windows", () => {
    assert.throws(
      () => rollingBatch([{ value: 1 }, { value: NaN }], { kind: "count", size: 2 }, "trailing", classifier),
      /payload\[1\]\.value: expected a finite number/,
    );
    assert.throws(() => rollingBatch([], { kind: "time", seconds: 1 }, "centred", classifier), /alignment: centred alignment needs a count window/);
  });
});
