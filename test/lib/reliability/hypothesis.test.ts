import assert from "node:assert/strict";
import fs from "fs";
import path from "path";
import { InputError } from "../../../lib/common/errors";
import { analyzeHypotheses, oneWayAnova, resolveHypothesisOptions } from "../../../lib/reliability/hypothesis";
import { relativeError } from "../../support/reference";
import { repoRoot } from "../thermal/fixtures";

interface Expected {
  r: number;
  p: number;
}
interface ScipyCase {
  n: number;
  records: Record<string, unknown>[];
  expected: Record<string, { pearson: Expected; spearman: Expected }>;
  anova: { F: number; p: number };
}
const fixture = JSON.parse(fs.readFileSync(path.join(repoRoot(), "test", "fixtures", "reliability", "scipy-hypothesis.json"), "utf8")) as {
  cases: ScipyCase[];
  threeGroups: { groups: Record<string, number[]>; F: number; p: number };
};

const STAT_TOL = 1e-9;
const P_TOL = 1e-6;

describe("lib/reliability hypothesis analysis against scipy", () => {
  for (const c of fixture.cases) {
    it(`n=${c.n}: Pearson, Spearman (r, p) and one-way ANOVA (F, p) match scipy`, () => {
      const analysis = analyzeHypotheses(c.records, resolveHypothesisOptions());
      assert.equal(analysis.n, c.n);
      assert.deepEqual(analysis.correlations.map((x) => x.variable).sort(), Object.keys(c.expected).sort());
      for (const result of analysis.correlations) {
        const e = c.expected[result.variable];
        for (const method of ["pearson", "spearman"] as const) {
          assert.ok(relativeError(result[method].r, e[method].r) <= STAT_TOL, `${method} r ${result[method].r} vs ${e[method].r}`);
          assert.ok(relativeError(result[method].p, e[method].p) <= P_TOL, `${method} p ${result[method].p} vs ${e[method].p}`);
          assert.equal(result[method].significant, e[method].p < 0.1);
        }
      }
      assert.ok(analysis.anova !== null);
      assert.ok(relativeError(analysis.anova.F, c.anova.F) <= STAT_TOL, `F ${analysis.anova.F} vs ${c.anova.F}`);
      assert.ok(relativeError(analysis.anova.p, c.anova.p) <= P_TOL, `p ${analysis.anova.p} vs ${c.anova.p}`);
      assert.equal(analysis.anova.significant, c.anova.p < 0.1);
      assert.equal(analysis.conclusions.length, analysis.correlations.length + 1);
    });
  }

  it("three groups: F and p match scipy's f_oneway", () => {
    const result = oneWayAnova(new Map(Object.entries(fixture.threeGroups.groups)), 0.1);
    assert.equal(result.dfBetween, 2);
    assert.ok(relativeError(result.F, fixture.threeGroups.F) <= STAT_TOL);
    assert.ok(relativeError(result.p, fixture.threeGroups.p) <= P_TOL);
  });

  it("fewer than 10 rows is a clear error naming msg.payload", () => {
    const records = fixture.cases[0].records.slice(0, 9);
    assert.throws(() => analyzeHypotheses(records), (err: unknown) => err instanceof InputError && err.field === "msg.payload" && /at least 10 records/.test(err.message));
    assert.throws(() => analyzeHypotheses("rows"), (err: unknown) => err instanceof InputError && err.field === "msg.payload");
  });

  it("a chosen quality field, nested paths, α, and records missing values", () => {
    const records = fixture.cases[1].records.map((r, i) => ({ thermal: { confidence: r.confidence }, flow: i % 7 === 0 ? null : r.flowStd, group: r.regime }));
    const analysis = analyzeHypotheses(records, resolveHypothesisOptions({ qualityField: "thermal.confidence", groupField: "group", variables: "flow", alpha: 0.01 }));
    assert.equal(analysis.alpha, 0.01);
    assert.equal(analysis.correlations.length, 1);
    assert.equal(analysis.correlations[0].n, records.length - Math.ceil(records.length / 7));
    assert.ok(analysis.anova !== null);
    assert.throws(() => resolveHypothesisOptions({ alpha: 1.5 }), (err: unknown) => err instanceof InputError && err.field === "alpha");
  });

  it("one group only: no ANOVA, and a note says why", () => {
    const records = fixture.cases[0].records.map((r) => ({ ...r, regime: "stable" }));
    const analysis = analyzeHypotheses(records);
    assert.equal(analysis.anova, null);
    assert.ok(analysis.notes.some((n) => n.includes("ANOVA")));
  });
});
