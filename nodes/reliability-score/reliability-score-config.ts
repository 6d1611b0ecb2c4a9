import type { NodeDef, NodeMessageInFlow } from "node-red";
import { InputError, describeValue } from "../../lib/common/errors";
import { resolveHypothesisOptions, type HypothesisOptions } from "../../lib/reliability/hypothesis";
import { resolveWeights, type ScoreWeights } from "../../lib/reliability/score";
import { numberSetting } from "../../lib/common/settings";

export interface ReliabilityScoreDef extends NodeDef {
  wConfidence: string | number;
  wGradientMax: string | number;
  wEmulsion: string | number;
  wWater: string | number;
  wCrude: string | number;
  /** stable records a feature needs before it is scored */
  minSamples: string | number;
  /** flow context key holding {variable: value} of the operational variables; blank = none */
  operationalContext: string;
  qualityField: string;
  groupField: string;
  variables: string;
  alpha: string | number;
  store: string;
}

export interface ReliabilityMessage extends NodeMessageInFlow {
  thermal?: unknown;
  sigma?: unknown;
  operational?: unknown;
  stable?: unknown;
  reference?: unknown;
  export?: unknown;
  reset?: unknown;
  command?: unknown;
  reliability?: unknown;
  analysis?: unknown;
}

export interface ReliabilityNodeConfig {
  weights: ScoreWeights;
  minSamples: number;
  operationalContext: string;
  hypothesis: HypothesisOptions;
}

export function parseReliabilityConfig(def: Partial<ReliabilityScoreDef>): ReliabilityNodeConfig {
  const weights = resolveWeights({ confidence: def.wConfidence, gradientMax: def.wGradientMax, emulsion: def.wEmulsion, water: def.wWater, crude: def.wCrude });
  const minSamples = numberSetting(def.minSamples, 5);
  if (!Number.isInteger(minSamples) || minSamples < 2) throw new InputError("minSamples", `expected a whole number >= 2, got ${describeValue(def.minSamples)}`);
  return {
    weights,
    minSamples,
    operationalContext: typeof def.operationalContext === "string" ? def.operationalContext.trim() : "",
    hypothesis: resolveHypothesisOptions({ qualityField: def.qualityField, groupField: def.groupField, variables: def.variables ?? "", alpha: def.alpha }),
  };
}
