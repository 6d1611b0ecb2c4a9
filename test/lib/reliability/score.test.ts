import assert from "node:assert/strict";
import { InputError } from "../../../lib/common/errors";
import { ReferenceProfiles } from "../../../lib/reliability/profiles";
import { SEED_WEIGHTS, bandOf, learnableFeatures, resolveWeights, scoreReliability, type ThermalFeatures } from "../../../lib/reliability/score";
import { seededRandom } from "../../support/reference";

function thermal(overrides: Partial<ThermalFeatures> = {}, ratios: Partial<ThermalFeatures["ratios"]> = {}): ThermalFeatures {
  return { detected: true, confidence: 0.9, gradientMax: 8, ratios: { emulsion: 0.12, water: 0.2, crude: 0.35, ...ratios }, ...overrides };
}

/** Profiles learned from 40 stable records around the thermal() defaults, flow ≈ 100 ± 5. */
function learned(): ReferenceProfiles {
  const random = seededRandom(5);
  const profiles = new ReferenceProfiles();
  for (let i = 0; i < 40; i++) {
    const jitter = () => random() - 0.5;
    const t = thermal({ gradientMax: 8 + jitter() }, { emulsion: 0.12 + 0.04 * jitter(), water: 0.2 + 0.04 * jitter(), crude: 0.35 + 0.04 * jitter() });
    profiles.learn(learnableFeatures(t, { flow: 100 + 17 * jitter() }));
  }
  return profiles;
}

describe("lib/reliability scoreReliability", () => {
  it("weights: the seed's by default, editable, and must sum to 1", () => {
    assert.deepEqual(resolveWeights(undefined), SEED_WEIGHTS);
    assert.deepEqual(resolveWeights({ confidence: "0.5", gradientMax: 0.05 }), { ...SEED_WEIGHTS, confidence: 0.5, gradientMax: 0.05 });
    assert.throws(() => resolveWeights({ confidence: 0.5 }), (err: unknown) => err instanceof InputError && err.field === "weights" && /sum to 1/.test(err.message));
    assert.throws(() => resolveWeights({ water: -0.1, crude: 0.35 }), (err: unknown) => err instanceof InputError && err.field === "weights.water");
  });

  it("bands: ≥ 80 high, ≥ 60 medium, else low", () => {
    assert.deepEqual([bandOf(80), bandOf(79.99), bandOf(60), bandOf(59.9)], ["high", "medium", "medium", "low"]);
  });

  it("operation within 1σ of its stable profile does not lower the score", () => {
    const profiles = learned();
    const p = profiles.toJSON().features["op:flow"];
    const std = Math.sqrt(p.m2 / (p.n - 1));
    const t = thermal();
    const calm = scoreReliability(t, { flow: p.mean + 0.9 * std }, profiles);
    assert.equal(calm.operationalFactor, 1);
    assert.equal(calm.score, scoreReliability(t, {}, profiles).score);
  });

  it("a measurement at the stable means scores the weighted sum: confidence·100·0.30 + ~100·0.70", () => {
    const profiles = learned();
    const mean = (name: string) => profiles.toJSON().features[name].mean;
    const t = thermal({ confidence: 0.9, gradientMax: mean("gradientMax") }, { emulsion: mean("emulsion"), water: mean("water"), crude: mean("crude") });
    const result = scoreReliability(t, { flow: mean("op:flow") }, profiles);
    assert.ok(Math.abs(result.score - (0.3 * 90 + 0.7 * 100)) < 1e-6, String(result.score));
    assert.equal(result.band, "high");
    assert.equal(result.operationalFactor, 1);
    for (const key of ["gradientMax", "emulsion", "water", "crude"]) assert.ok(Math.abs(result.components[key].z ?? NaN) < 1e-9);
  });

  it("each component is 100·exp(−|z|/2); a far emulsion ratio and a turbulent flow lower the band and say why", () => {
    const profiles = learned();
    const p = profiles.toJSON().features;
    const std = (name: string) => Math.sqrt(p[name].m2 / (p[name].n - 1));
    const result = scoreReliability(thermal({}, { emulsion: p.emulsion.mean + 4 * std("emulsion") }), { flow: p["op:flow"].mean - 3 * std("op:flow") }, profiles);
    assert.ok(Math.abs(result.components.emulsion.score! - 100 * Math.exp(-2)) < 1e-9);
    assert.ok(Math.abs(result.operational.flow.score! - 100 * Math.exp(-1.5)) < 1e-9);
    // the factor is the closeness relative to the closeness at 1σ: exp(−1.5) / exp(−0.5)
    assert.ok(Math.abs(result.operationalFactor - Math.exp(-1)) < 1e-9);
    assert.ok(Math.abs(result.score - Math.round(result.thermalScore * Math.exp(-1) * 100) / 100) < 0.011);
    assert.equal(result.band, "low");
    assert.ok(result.reasons.some((r) => r.startsWith("emulsion ratio") && r.includes("4.00σ above")));
    assert.ok(result.reasons.some((r) => r.startsWith("flow") && r.includes("operation not steady")));
  });

  it("no detection: confidence component 0 and the reason", () => {
    const result = scoreReliability(thermal({ detected: false, confidence: 0.7 }), {}, learned());
    assert.equal(result.components.confidence.score, 0);
    assert.ok(result.reasons.includes("no interface detected in the frame"));
    assert.ok(result.score <= 70);
  });

  it("without a stable reference the z-scored components are left out, the weights rescaled, and the reasons say so", () => {
    const result = scoreReliability(thermal({ confidence: 0.8 }), { flow: 3 }, new ReferenceProfiles());
    assert.equal(result.components.gradientMax.score, null);
    assert.equal(result.score, 80);
    assert.equal(result.operationalFactor, 1);
    assert.ok(result.reasons.filter((r) => r.includes("no stable reference yet")).length === 5);
  });

  it("profiles: export → import keeps the scores; malformed imports are InputErrors", () => {
    const profiles = learned();
    const copy = ReferenceProfiles.fromJSON(JSON.parse(JSON.stringify(profiles.toJSON())));
    const t = thermal({ gradientMax: 9.3 });
    assert.deepEqual(scoreReliability(t, { flow: 104 }, copy), scoreReliability(t, { flow: 104 }, profiles));
    assert.throws(() => ReferenceProfiles.fromJSON({ features: { flow: { n: 2, mean: 1, m2: -1 } } }), (err: unknown) => err instanceof InputError && err.field === "reference.features.flow");
    assert.throws(() => ReferenceProfiles.fromJSON(42), (err: unknown) => err instanceof InputError && err.field === "reference");
  });

  it("the running mean and σ equal the two-pass ones", () => {
    const values = [3.1, 2.7, 3.3, 3.0, 2.9, 3.6];
    const profiles = new ReferenceProfiles();
    for (const v of values) profiles.learn({ x: v });
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
    const c = profiles.closeness("x", 4)!;
    assert.ok(Math.abs(c.mean - mean) < 1e-12 && Math.abs(c.std - std) < 1e-12);
    assert.ok(Math.abs(c.z - (4 - mean) / std) < 1e-12);
  });
});
