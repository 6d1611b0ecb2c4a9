import assert from "node:assert/strict";
import { SigmaSeries } from "../../../lib/stats/sigma-series";
import { VariabilityClassifier, nextState, validateClassifierConfig } from "../../../lib/stats/variability";

const relative = { mode: "relative" as const, threshold: 0, factor: 1, referenceSize: 5, hysteresis: 0 };

describe("lib/stats variability classification", () => {
  it("warms up until the window is full, then splits at the fixed threshold (strictly above is turbulent)", () => {
    const classifier = new VariabilityClassifier({ ...relative, mode: "fixed", threshold: 2 });
    assert.deepEqual(classifier.classify(5, false), { state: "warming", limit: null });
    assert.equal(classifier.classify(2, true).state, "stable");
    assert.equal(classifier.classify(2.0001, true).state, "turbulent");
    assert.equal(classifier.classify(1, true).state, "stable");
  });

  it("relative mode compares with factor × the median of the recent σ values", () => {
    const classifier = new VariabilityClassifier({ ...relative, factor: 1.5 });
    for (const s of [1, 1, 1, 1]) assert.equal(classifier.classify(s, true).state, "stable");
    const spike = classifier.classify(3, true); // reference [1,1,1,1,3]: median 1, limit 1.5
    assert.deepEqual(spike, { state: "turbulent", limit: 1.5 });
  });

  it("hysteresis holds a state inside the band", () => {
    assert.equal(nextState("stable", 1.05, 1, 0.1), "stable");
    assert.equal(nextState("stable", 1.11, 1, 0.1), "turbulent");
    assert.equal(nextState("turbulent", 0.95, 1, 0.1), "turbulent");
    assert.equal(nextState("turbulent", 0.89, 1, 0.1), "stable");
  });

  it("validates its configuration with the field named", () => {
    assert.throws(() => validateClassifierConfig({ ...relative, mode: "x" as "fixed" }), /classification/);
    assert.throws(() => validateClassifierConfig({ ...relative, mode: "fixed", threshold: -1 }), /threshold/);
    assert.throws(() => validateClassifierConfig({ ...relative, factor: NaN }), /factor/);
    assert.throws(() => validateClassifierConfig({ ...relative, hysteresis: 0.95 }), /hysteresis/);
  });

  it("a series goes warming → stable → turbulent and survives serialisation", () => {
    const config = { window: { kind: "count" as const, size: 3 }, classifier: { ...relative, mode: "fixed" as const, threshold: 1 } };
    const series = new SigmaSeries(config);
    assert.equal(series.push(10).state, "warming");
    assert.equal(series.push(10.1).state, "warming");
    assert.equal(series.push(10.2).state, "stable");
    assert.equal(series.previousState, "warming");
    assert.equal(series.exclude().excluded, 1);
    const restored = SigmaSeries.fromJSON(JSON.parse(JSON.stringify(series.toJSON())), config);
    const jump = restored.push(20);
    assert.equal(restored.previousState, "stable");
    assert.equal(jump.state, "turbulent");
    assert.equal(jump.excluded, 1);
  });
});
