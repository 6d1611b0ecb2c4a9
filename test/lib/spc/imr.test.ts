import assert from "node:assert/strict";
import { InputError } from "../../../lib/common/errors";
import { D2, LimitAccumulator, controlLimits, imrLimits, zoneOf } from "../../../lib/spc/imr";
import { ControlChart } from "../../../lib/spc/chart";
import { twoPassStats } from "../../support/reference";

// NIST/SEMATECH e-Handbook of Statistical Methods, section 6.3.2.2 "Individuals Control Charts",
// https://www.itl.nist.gov/div898/handbook/pmc/section3/pmc322.htm — flow rate of the first 10 batches
// of a new process. Published: x̄ = 50.81, MR̄ = 1.8778, UCL = 55.8041, CL = 50.81, LCL = 45.8159.
const NIST_FLOW_RATE = [49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1];
const NIST_PUBLISHED = { center: 50.81, movingRangeMean: 1.8778, ucl: 55.8041, lcl: 45.8159 };

function assertNear(actual: number | null, expected: number, tolerance: number, what: string): void {
  assert.ok(actual !== null && Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);
}

describe("lib/spc I-MR limits", () => {
  it("reproduces the NIST e-Handbook individuals chart (6.3.2.2) to 1e-3", () => {
    const limits = imrLimits(NIST_FLOW_RATE);
    assertNear(limits.center, NIST_PUBLISHED.center, 1e-3, "center");
    assertNear(limits.ucl, NIST_PUBLISHED.ucl, 1e-3, "UCL");
    assertNear(limits.lcl, NIST_PUBLISHED.lcl, 1e-3, "LCL");
    assertNear(limits.sigma * D2, NIST_PUBLISHED.movingRangeMean, 1e-3, "MR̄");

    const accumulator = new LimitAccumulator();
    for (const x of NIST_FLOW_RATE) accumulator.add(x);
    assertNear(accumulator.movingRangeMean, NIST_PUBLISHED.movingRangeMean, 1e-3, "MR̄ of the accumulator");
  });

  it("a baseline chart learning the same 10 batches freezes the published limits and judges the next point", () => {
    const chart = new ControlChart({ limits: "baseline", baselineSize: 10, rules: ["nelson-1"] });
    for (const x of NIST_FLOW_RATE) assert.equal(chart.push(x).state, "learning");
    const next = chart.push(56);
    assertNear(next.center, NIST_PUBLISHED.center, 1e-3, "center");
    assertNear(next.ucl, NIST_PUBLISHED.ucl, 1e-3, "UCL");
    assertNear(next.lcl, NIST_PUBLISHED.lcl, 1e-3, "LCL");
    assert.equal(next.zone, "above-ucl");
    assert.deepEqual(next.violations, ["nelson-1"]);
    assert.equal(chart.push(55.8).state, "in-control");
  });

  it("sigmaMethod std uses the sample standard deviation (ddof 1) and the multiplier scales the limits", () => {
    const reference = twoPassStats(NIST_FLOW_RATE);
    const limits = imrLimits(NIST_FLOW_RATE, "std", 2.5);
    assertNear(limits.center, reference.mean, 1e-12, "center");
    assertNear(limits.sigma, reference.std, 1e-12, "sigma");
    assertNear(limits.ucl, reference.mean + 2.5 * reference.std, 1e-12, "UCL");
    assertNear(limits.lcl, reference.mean - 2.5 * reference.std, 1e-12, "LCL");
  });

  it("a constant sample gives σ = 0: the centre is the only in-control value", () => {
    const limits = imrLimits([5, 5, 5]);
    assert.deepEqual(limits, { center: 5, sigma: 0, ucl: 5, lcl: 5 });
    assert.equal(zoneOf(5, limits), "center");
    assert.equal(zoneOf(5.001, limits), "above-ucl");
  });

  it("zones: a point exactly on a line belongs to the inner zone", () => {
    const limits = controlLimits(10, 2, 3);
    const cases: Array<[number, string]> = [
      [16.01, "above-ucl"],
      [16, "upper-a"],
      [14.01, "upper-a"],
      [14, "upper-b"],
      [12.01, "upper-b"],
      [12, "upper-c"],
      [10.01, "upper-c"],
      [10, "center"],
      [9.99, "lower-c"],
      [8, "lower-c"],
      [7.99, "lower-b"],
      [6, "lower-b"],
      [5.99, "lower-a"],
      [4, "lower-a"],
      [3.99, "below-lcl"],
    ];
    for (const [value, zone] of cases) assert.equal(zoneOf(value, limits), zone, `zone of ${value}`);
  });

  it("rejects bad limits and samples with the field named", () => {
    assert.throws(() => controlLimits(10, 0, 3), { name: "InputError", message: "sigma: expected a number > 0, got 0" });
    assert.throws(() => controlLimits(NaN, 1, 3), /^InputError: center: expected a finite number, got NaN$/);
    assert.throws(() => controlLimits(10, 1, -3), /sigmaMultiplier/);
    assert.throws(() => imrLimits([1]), /values: I-MR limits need at least 2 points, got 1/);
    assert.throws(() => imrLimits([1, Number.POSITIVE_INFINITY]), (e: unknown) => e instanceof InputError && e.field === "values[1]");
    assert.throws(() => imrLimits([1, 2], "range" as "std"), /sigmaMethod/);
  });

  it("an accumulator survives JSON and rejects a corrupt save", () => {
    const accumulator = new LimitAccumulator();
    for (const x of NIST_FLOW_RATE.slice(0, 4)) accumulator.add(x);
    const restored = LimitAccumulator.fromJSON(JSON.parse(JSON.stringify(accumulator.toJSON())));
    assert.ok(restored);
    for (const x of NIST_FLOW_RATE.slice(4)) {
      accumulator.add(x);
      restored.add(x);
    }
    assert.deepEqual(restored.limits("moving-range", 3), accumulator.limits("moving-range", 3));
    assert.equal(LimitAccumulator.fromJSON({ n: 2, mean: 1, m2: 0, movingRangeSum: 0, last: null }), null);
    assert.equal(LimitAccumulator.fromJSON("x"), null);
  });
});
