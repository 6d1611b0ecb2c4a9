import assert from "node:assert/strict";
import { InputError } from "../../../lib/common/errors";
import { type ChartConfig, type ChartPoint, ControlChart, DEFAULT_CHART_CONFIG, runChart, validateChartConfig } from "../../../lib/spc/chart";
import { imrLimits } from "../../../lib/spc/imr";
import { RULE_IDS } from "../../../lib/spc/rules";
import { seededRandom } from "../../support/reference";

const FIXED: Partial<ChartConfig> = { limits: "fixed", center: 10, sigma: 2, rules: RULE_IDS };

/** Noise around 10 with σ ≈ 1, a sustained shift and a drift, so every mode has something to flag. */
function series(seed: number, length: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length }, (_, i) => {
    const noise = (random() + random() + random() - 1.5) * 2;
    const shift = i % 150 > 110 ? 2.5 : 0;
    const drift = i % 97 > 80 ? (i % 97) * 0.05 : 0;
    // Quantised like a sensor, so ties, repeats and points exactly on lines happen.
    return Math.round((10 + noise + shift + drift) * 4) / 4;
  });
}

function stream(config: Partial<ChartConfig>, values: readonly number[]): ChartPoint[] {
  const chart = new ControlChart(config);
  return values.map((x) => chart.push(x));
}

describe("lib/spc ControlChart", () => {
  describe("fixed limits", () => {
    it("judges every point from the first one and reports limits, zone, violations, state and n", () => {
      const chart = new ControlChart(FIXED);
      assert.deepEqual(chart.push(16.5), {
        value: 16.5,
        center: 10,
        sigma: 2,
        ucl: 16,
        lcl: 4,
        zone: "above-ucl",
        violations: ["nelson-1", "we-1"],
        state: "out-of-control",
        n: 1,
      });
      const next = chart.push(10);
      assert.equal(next.state, "in-control");
      assert.equal(next.zone, "center");
      assert.equal(next.n, 2);
    });

    it("the σ multiplier moves the limits and the default K of the beyond rules with them", () => {
      const chart = new ControlChart({ ...FIXED, sigmaMultiplier: 2.5, rules: ["nelson-1"] });
      assert.equal(chart.limits?.ucl, 15);
      assert.deepEqual(chart.push(15).violations, []);
      assert.deepEqual(chart.push(15.1).violations, ["nelson-1"]);
      assert.equal(chart.push(15.1).zone, "above-ucl");
    });

    it("rejects missing or bad fixed limits with the field named", () => {
      assert.throws(() => new ControlChart({ limits: "fixed", sigma: 1 }), /^InputError: center: fixed limits need a center$/);
      assert.throws(() => new ControlChart({ limits: "fixed", center: 1 }), /^InputError: sigma: fixed limits need a sigma$/);
      assert.throws(() => new ControlChart({ limits: "fixed", center: 1, sigma: 0 }), {
        name: "InputError",
        message: "sigma: expected a number > 0, got 0",
      });
      assert.throws(() => new ControlChart({ limits: "fixed", center: 1, sigma: -2 }), /sigma: expected a number > 0, got -2/);
      assert.throws(() => new ControlChart({ limits: "fixed", center: "5" as unknown as number, sigma: 1 }), /center: expected a finite number/);
    });
  });

  describe("baseline limits", () => {
    it("learns the first baselineSize points, then freezes their limits", () => {
      const values = series(1, 60);
      const points = stream({ limits: "baseline", baselineSize: 25 }, values);
      const expected = imrLimits(values.slice(0, 25));
      for (const point of points.slice(0, 25)) {
        assert.equal(point.state, "learning");
        assert.equal(point.center, null);
        assert.equal(point.zone, null);
        assert.deepEqual(point.violations, []);
      }
      for (const point of points.slice(25)) {
        assert.deepEqual([point.center, point.sigma, point.ucl, point.lcl], [expected.center, expected.sigma, expected.ucl, expected.lcl]);
        assert.notEqual(point.state, "learning");
      }
      assert.deepEqual(points.map((p) => p.n), values.map((_, i) => i + 1));
    });

    it("the rules start at the first point after the baseline, so a run straddling it starts there", () => {
      const chart = new ControlChart({ limits: "baseline", baselineSize: 4, rules: ["nelson-2"] });
      for (const x of [9, 11, 9, 11]) chart.push(x); // centre 10
      const flags = [...Array(9).keys()].map(() => chart.push(12).violations.length > 0);
      assert.deepEqual(flags, [false, false, false, false, false, false, false, false, true]);
    });

    it("relearn starts a new baseline and forgets the runs", () => {
      const chart = new ControlChart({ limits: "baseline", baselineSize: 3, rules: ["nelson-2"] });
      for (const x of [1, 2, 3]) chart.push(x);
      assert.equal(chart.limits?.center, 2);
      for (let i = 0; i < 8; i++) chart.push(2.5);
      chart.relearn();
      assert.ok(chart.learning);
      assert.equal(chart.n, 0);
      assert.equal(chart.push(100).state, "learning");
      chart.push(101);
      chart.push(102);
      assert.equal(chart.limits?.center, 101);
      assert.deepEqual(chart.push(102).violations, []); // the 8 points above 2 are forgotten
    });

    it("a constant baseline (σ = 0) does not crash: any value off the centre is beyond the limits", () => {
      const chart = new ControlChart({ limits: "baseline", baselineSize: 5, rules: ["nelson-1", "nelson-7"] });
      for (let i = 0; i < 5; i++) chart.push(7);
      assert.deepEqual(chart.limits, { center: 7, sigma: 0, ucl: 7, lcl: 7 });
      assert.equal(chart.push(7).state, "in-control");
      const off = chart.push(7.5);
      assert.equal(off.zone, "above-ucl");
      assert.deepEqual(off.violations, ["nelson-1"]);
    });

    it("uses the sample standard deviation when asked", () => {
      const values = series(2, 30);
      const chart = new ControlChart({ limits: "baseline", baselineSize: 30, sigmaMethod: "std" });
      for (const x of values) chart.push(x);
      const expected = imrLimits(values, "std");
      assert.ok(chart.limits);
      assert.ok(Math.abs(chart.limits.sigma - expected.sigma) < 1e-12);
    });
  });

  describe("rolling limits", () => {
    it("judges each point against the window of points before it, excluding the point itself", () => {
      const values = series(3, 80);
      const points = stream({ limits: "rolling", window: 20 }, values);
      for (let i = 0; i < 20; i++) assert.equal(points[i].state, "learning", `point ${i}`);
      for (let i = 20; i < values.length; i++) {
        const expected = imrLimits(values.slice(i - 20, i));
        assert.ok(Math.abs((points[i].center as number) - expected.center) < 1e-12, `center at ${i}`);
        assert.ok(Math.abs((points[i].sigma as number) - expected.sigma) < 1e-12, `sigma at ${i}`);
      }
    });

    it("a spike is judged against the limits of the quiet points before it", () => {
      const chart = new ControlChart({ limits: "rolling", window: 5, rules: ["nelson-1"] });
      for (const x of [10, 11, 10, 11, 10]) chart.push(x);
      const spike = chart.push(20);
      assert.equal(spike.center, 10.4);
      assert.deepEqual(spike.violations, ["nelson-1"]);
    });
  });

  describe("bad input", () => {
    it("a value that is not a finite number throws an InputError and leaves the chart unchanged", () => {
      const chart = new ControlChart(FIXED);
      chart.push(11);
      for (const bad of [NaN, Infinity, "12", null, undefined, {}]) {
        assert.throws(() => chart.push(bad as number, "msg.payload"), (e: unknown) => e instanceof InputError && e.field === "msg.payload");
      }
      assert.equal(chart.n, 1);
      assert.equal(chart.push(11).n, 2);
    });

    it("rejects bad configuration with the field named", () => {
      assert.throws(() => validateChartConfig({ limits: "moving" as "fixed" }), /^InputError: limits:/);
      assert.throws(() => validateChartConfig({ baselineSize: 1 }), /^InputError: baselineSize: I-MR limits need at least 2 points, got 1$/);
      assert.throws(() => validateChartConfig({ limits: "rolling", window: 0 }), /^InputError: window: expected a whole number >= 1, got 0$/);
      assert.throws(() => validateChartConfig({ sigmaMultiplier: 0 }), /^InputError: sigmaMultiplier:/);
      assert.throws(() => validateChartConfig({ sigmaMethod: "mr" as "std" }), /^InputError: sigmaMethod:/);
      assert.throws(() => validateChartConfig({ rules: ["nelson-0" as "nelson-1"] }), /^InputError: rules\[0\]:/);
    });

    it("unset fields (undefined or null, as an empty editor field arrives) take the defaults", () => {
      const config = validateChartConfig({ baselineSize: undefined, window: null as unknown as number, sigmaMethod: undefined });
      assert.equal(config.baselineSize, 25);
      assert.equal(config.window, 20);
      assert.equal(config.sigmaMethod, "moving-range");
      assert.throws(() => validateChartConfig({ limits: "fixed", center: null as unknown as number, sigma: 1 }), /^InputError: center: fixed limits need a center$/);
      assert.throws(() => validateChartConfig({ limits: "fixed", center: 1, sigma: "" as unknown as number }), /^InputError: sigma: fixed limits need a sigma$/);
    });

    it("defaults: baseline of 25, window 20, MR̄/d2, 3σ, Nelson 1-8", () => {
      const config = validateChartConfig({});
      assert.equal(config.limits, DEFAULT_CHART_CONFIG.limits);
      assert.equal(config.baselineSize, 25);
      assert.equal(config.window, 20);
      assert.equal(config.sigmaMethod, "moving-range");
      assert.equal(config.sigmaMultiplier, 3);
      assert.deepEqual(config.rules.map((r) => r.id), RULE_IDS.slice(0, 8));
    });
  });

  describe("batch = streaming", () => {
    const configs: Array<Partial<ChartConfig>> = [
      FIXED,
      { limits: "baseline", baselineSize: 25, rules: RULE_IDS },
      { limits: "baseline", baselineSize: 10, sigmaMethod: "std", sigmaMultiplier: 2.5, rules: RULE_IDS },
      { limits: "rolling", window: 20, rules: RULE_IDS },
    ];

    it("runChart over an array gives exactly the streaming results in every mode", () => {
      configs.forEach((config, c) => {
        const values = series(10 + c, 1500);
        const streamed = stream(config, values);
        const batch = runChart(values, config);
        assert.deepEqual(batch.points, streamed, `config ${c}`);
        const flagged = streamed.filter((p) => p.state === "out-of-control").length;
        assert.ok(flagged > 0 && flagged < values.length, `config ${c} flags ${flagged} points`);
      });
    });

    it("reports the limits in force after the last point", () => {
      const values = series(4, 30);
      assert.deepEqual(runChart(values, { limits: "baseline", baselineSize: 25 }).limits, imrLimits(values.slice(0, 25)));
      assert.deepEqual(runChart(values, { limits: "rolling", window: 5 }).limits, imrLimits(values.slice(-5)));
      assert.equal(runChart(values.slice(0, 3), { limits: "baseline" }).limits, null);
    });

    it("a bad element fails the whole batch with its index named", () => {
      assert.throws(() => runChart([1, 2, "3", 4], FIXED, "msg.payload"), /^InputError: msg\.payload\[2\]: expected a finite number, got string "3"$/);
      assert.throws(() => runChart("1,2" as unknown as number[], FIXED, "msg.payload"), /^InputError: msg\.payload: expected an array/);
    });
  });

  describe("state", () => {
    const configs: Array<Partial<ChartConfig>> = [
      FIXED,
      { limits: "baseline", baselineSize: 25, rules: RULE_IDS },
      { limits: "rolling", window: 20, rules: RULE_IDS },
    ];

    it("survives JSON at any point (learning or not) and continues bit-identically", () => {
      configs.forEach((config, c) => {
        const values = series(20 + c, 300);
        const reference = stream(config, values);
        for (let split = 0; split <= values.length; split += 7) {
          const first = new ControlChart(config);
          const before = values.slice(0, split).map((x) => first.push(x));
          const restored = ControlChart.fromJSON(JSON.parse(JSON.stringify(first.toJSON())), config);
          assert.ok(restored, `config ${c} split ${split}`);
          const after = values.slice(split).map((x) => restored.push(x));
          assert.deepEqual([...before, ...after], reference, `config ${c} split ${split}`);
        }
      });
    });

    it("is small", () => {
      const chart = new ControlChart({ limits: "rolling", window: 20, rules: RULE_IDS });
      for (const x of series(5, 5000)) chart.push(x);
      assert.ok(JSON.stringify(chart.toJSON()).length < 1000);
    });

    it("a save from another limits mode or a corrupt save gives null, so the caller starts fresh", () => {
      const chart = new ControlChart(FIXED);
      chart.push(10);
      const saved = JSON.parse(JSON.stringify(chart.toJSON()));
      assert.equal(ControlChart.fromJSON(saved, { limits: "baseline" }), null);
      assert.equal(ControlChart.fromJSON({ ...saved, version: 0 }, FIXED), null);
      assert.equal(ControlChart.fromJSON({ ...saved, rules: null }, FIXED), null);
      assert.equal(ControlChart.fromJSON("{}", FIXED), null);
      const rolling = ControlChart.fromJSON({ ...saved, limits: "rolling", recent: [1, "x"] }, { limits: "rolling" });
      assert.equal(rolling, null);
    });

    it("a learning baseline restored with a smaller baselineSize freezes on what it has learned", () => {
      const chart = new ControlChart({ limits: "baseline", baselineSize: 25 });
      for (const x of [1, 2, 3, 4, 5]) chart.push(x);
      const restored = ControlChart.fromJSON(chart.toJSON(), { limits: "baseline", baselineSize: 4 });
      assert.ok(restored);
      assert.deepEqual(restored.limits, imrLimits([1, 2, 3, 4, 5]));
    });

    it("a rolling window restored with a smaller window keeps the newest points", () => {
      const chart = new ControlChart({ limits: "rolling", window: 6 });
      for (const x of [1, 2, 3, 4, 5, 6]) chart.push(x);
      const restored = ControlChart.fromJSON(chart.toJSON(), { limits: "rolling", window: 3 });
      assert.ok(restored);
      assert.deepEqual(restored.limits, imrLimits([4, 5, 6]));
    });
  });
});
