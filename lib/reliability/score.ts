import { InputError, describeValue } from "../common/errors";
import type { ReferenceProfiles } from "./profiles";

/** The seed's weights of the thermal components; editable, they must sum to 1. */
export interface ScoreWeights {
  confidence: number;
  gradientMax: number;
  emulsion: number;
  water: number;
  crude: number;
}

export const SEED_WEIGHTS: Readonly<ScoreWeights> = Object.freeze({ confidence: 0.3, gradientMax: 0.25, emulsion: 0.2, water: 0.15, crude: 0.1 });

const WEIGHT_KEYS = ["confidence", "gradientMax", "emulsion", "water", "crude"] as const;

export type ReliabilityBand = "high" | "medium" | "low";

/** The thermal figures of one measurement (a subset of thermal-segment's msg.thermal). */
export interface ThermalFeatures {
  detected: boolean;
  confidence: number;
  gradientMax: number;
  ratios: { emulsion: number; water: number; crude: number };
}

export interface ComponentScore {
  /** 0..100, or null when it could not be scored (no stable reference yet) */
  score: number | null;
  weight: number;
  value: number;
  /** z against the stable reference, when one was used */
  z?: number;
}

export interface ReliabilityResult {
  score: number;
  band: ReliabilityBand;
  /** thermal components (weighted) */
  components: Record<string, ComponentScore>;
  /** operational variables: closeness to their stable profiles */
  operational: Record<string, ComponentScore>;
  /** the weighted thermal score before the operational factor */
  thermalScore: number;
  /** min(1, mean operational closeness / closeness at 1σ); 1 when no variable is known */
  operationalFactor: number;
  reasons: string[];
}

export function resolveWeights(raw: unknown, field = "weights"): ScoreWeights {
  if (raw === undefined || raw === null || raw === "") return { ...SEED_WEIGHTS };
  if (typeof raw !== "object" || Array.isArray(raw)) throw new InputError(field, `expected {confidence, gradientMax, emulsion, water, crude}, got ${describeValue(raw)}`);
  const o = raw as Record<string, unknown>;
  // A misspelt weight ("confidance") would otherwise be dropped without a word and the default used.
  const unknown = Object.keys(o).filter((key) => !(WEIGHT_KEYS as readonly string[]).includes(key));
  if (unknown.length > 0) throw new InputError(`${field}.${unknown[0]}`, `unknown weight; expected only ${WEIGHT_KEYS.join(", ")}`);
  const weights = { ...SEED_WEIGHTS };
  for (const key of WEIGHT_KEYS) {
    if (o[key] === undefined || o[key] === "") continue;
    const v = typeof o[key] === "string" ? Number(o[key]) : o[key];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new InputError(`${field}.${key}`, `expected a number >= 0, got ${describeValue(o[key])}`);
    weights[key] = v;
  }
  const sum = WEIGHT_KEYS.reduce((s, k) => s + weights[k], 0);
  if (Math.abs(sum - 1) > 1e-6) throw new InputError(field, `the weights must sum to 1, they sum to ${+sum.toFixed(6)}`);
  return weights;
}

/** 100·exp(−1/2): the closeness of a variable one σ from its stable mean. */
const CLOSENESS_AT_ONE_SIGMA = 100 * Math.exp(-0.5);

export function bandOf(score: number): ReliabilityBand {
  return score >= 80 ? "high" : score >= 60 ? "medium" : "low";
}

const LABELS: Record<string, string> = {
  confidence: "detection confidence",
  gradientMax: "maximum gradient",
  emulsion: "emulsion ratio",
  water: "water ratio",
  crude: "crude ratio",
};

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(2);
}

/**
 * Scores 0–100 how far to trust one thermal measurement. The thermal part is the seed's weighted sum:
 * detection confidence ×100, and the maximum gradient and the three ratios each scored
 * 100·exp(−|z|/2) against their stable reference profile. A component without a reference yet is left
 * out and the other weights are scaled up (the reasons say so). The operational variables (flow,
 * level…) are scored the same way; their mean closeness, relative to the closeness at 1σ and capped
 * at 1, multiplies the thermal score: a measurement taken while the tank is being filled or mixed is
 * not trusted however clean it looks, while ordinary scatter (within 1σ, which 68 % of the stable
 * records themselves show) costs nothing.
 */
export function scoreReliability(thermal: ThermalFeatures, operational: Record<string, number>, profiles: ReferenceProfiles, weights: ScoreWeights = SEED_WEIGHTS): ReliabilityResult {
  const reasons: string[] = [];
  const components: Record<string, ComponentScore> = {};
  const confidence = Math.min(1, Math.max(0, thermal.detected ? thermal.confidence : 0));
  components.confidence = { score: 100 * confidence, weight: weights.confidence, value: confidence };
  if (!thermal.detected) reasons.push("no interface detected in the frame");
  else if (confidence < 0.6) reasons.push(`detection confidence is low (${fmt(confidence)})`);

  const features: [keyof ScoreWeights, number][] = [
    ["gradientMax", thermal.gradientMax],
    ["emulsion", thermal.ratios.emulsion],
    ["water", thermal.ratios.water],
    ["crude", thermal.ratios.crude],
  ];
  for (const [key, value] of features) {
    const c = profiles.closeness(key, value);
    if (c === null) {
      components[key] = { score: null, weight: weights[key], value };
      if (weights[key] > 0) reasons.push(`${LABELS[key]}: no stable reference yet (${profiles.count(key)} of ${profiles.minSamples} stable records), left out`);
      continue;
    }
    components[key] = { score: c.score, weight: weights[key], value, z: c.z };
    if (Math.abs(c.z) > 2) reasons.push(`${LABELS[key]} ${fmt(value)} is ${fmt(Math.abs(c.z))}σ ${c.z > 0 ? "above" : "below"} the stable ${fmt(c.mean)} ± ${fmt(c.std)}`);
  }
  let weighted = 0;
  let weightUsed = 0;
  for (const c of Object.values(components)) {
    if (c.score === null) continue;
    weighted += c.weight * c.score;
    weightUsed += c.weight;
  }
  const thermalScore = weightUsed > 0 ? weighted / weightUsed : 0;

  const operationalScores: Record<string, ComponentScore> = {};
  let closenessSum = 0;
  let closenessCount = 0;
  for (const [name, value] of Object.entries(operational)) {
    const c = profiles.closeness(`op:${name}`, value);
    if (c === null) {
      operationalScores[name] = { score: null, weight: 0, value };
      reasons.push(`${name}: no stable reference yet (${profiles.count(`op:${name}`)} of ${profiles.minSamples} stable records), not scored`);
      continue;
    }
    operationalScores[name] = { score: c.score, weight: 0, value, z: c.z };
    closenessSum += c.score;
    closenessCount++;
    if (Math.abs(c.z) > 2) reasons.push(`${name} ${fmt(value)} is ${fmt(Math.abs(c.z))}σ from its stable ${fmt(c.mean)} ± ${fmt(c.std)}: operation not steady`);
  }
  const operationalFactor = closenessCount > 0 ? Math.min(1, closenessSum / closenessCount / CLOSENESS_AT_ONE_SIGMA) : 1;
  const score = Math.round(thermalScore * operationalFactor * 100) / 100;
  const band = bandOf(score);
  if (reasons.length === 0) reasons.push(band === "high" ? "all components close to the stable reference" : "several components are moderately off the stable reference");
  return { score, band, components, operational: operationalScores, thermalScore: Math.round(thermalScore * 100) / 100, operationalFactor, reasons };
}

/** The features a stable record teaches the reference profiles (operational ones prefixed "op:"). */
export function learnableFeatures(thermal: ThermalFeatures | null, operational: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  if (thermal && thermal.detected) {
    out.gradientMax = thermal.gradientMax;
    out.emulsion = thermal.ratios.emulsion;
    out.water = thermal.ratios.water;
    out.crude = thermal.ratios.crude;
  }
  for (const [name, value] of Object.entries(operational)) out[`op:${name}`] = value;
  return out;
}
