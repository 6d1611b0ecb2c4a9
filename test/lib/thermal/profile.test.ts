import assert from "node:assert/strict";
import { gaussianSmooth, gradient, medianInPlace, rowProfile, sliceMedian } from "../../../lib/thermal/profile";
import { seededRandom } from "../../support/reference";
import { thermalFixture } from "./fixtures";

interface ScipyCase {
  sigma: number;
  values: number[];
  smoothed: number[];
  gradient: number[];
  median: number;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe("lib/thermal profile helpers", () => {
  const cases = (JSON.parse(thermalFixture("scipy-profile.json").toString("utf8")) as { cases: ScipyCase[] }).cases;

  it("gaussianSmooth matches scipy gaussian_filter1d (reflect, truncate 4) and gradient matches np.gradient", () => {
    assert.ok(cases.length >= 5);
    for (const c of cases) {
      const smooth = gaussianSmooth(c.values, c.sigma);
      assert.ok(maxAbsDiff(smooth, c.smoothed) < 1e-9, `σ=${c.sigma} n=${c.values.length}`);
      assert.ok(maxAbsDiff(gradient(smooth), c.gradient) < 1e-9);
    }
  });

  it("medianInPlace and sliceMedian equal numpy's median (odd and even counts)", () => {
    for (const c of cases) {
      assert.ok(Math.abs(sliceMedian(c.values, 0, c.values.length) - c.median) < 1e-12);
      assert.ok(Math.abs(medianInPlace(Float64Array.from(c.values), c.values.length) - c.median) < 1e-12);
    }
  });

  it("the 8-bit counting median equals the selection median on the same rows", () => {
    const random = seededRandom(3);
    const width = 101;
    const height = 40;
    const data = new Uint8Array(width * height);
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * 256);
    for (const roi of [{ x: 0, y: 0, width, height }, { x: 3, y: 5, width: 64, height: 20 }]) {
      const counted = rowProfile(data, width, roi, "median");
      const selected = rowProfile(Float64Array.from(data), width, roi, "median");
      assert.deepEqual(Array.from(counted), Array.from(selected));
    }
  });

  it("rowProfile mean is the plain row mean", () => {
    const data = Float64Array.from({ length: 12 }, (_, i) => i);
    assert.deepEqual(Array.from(rowProfile(data, 4, { x: 1, y: 1, width: 2, height: 2 }, "mean")), [5.5, 9.5]);
  });
});
