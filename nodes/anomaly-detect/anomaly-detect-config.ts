import type { NodeDef, NodeMessageInFlow } from "node-red";
import { InputError, describeValue } from "../../lib/common/errors";
import { resolveIsolationForestSettings, validateFeatureNames } from "../../lib/anomaly/isolation-forest";
import { DEFAULT_STREAMING_OPTIONS, resolveStreamingOptions, type StreamingOptions } from "../../lib/anomaly/streaming";
import { numberSetting } from "../../lib/common/settings";

export type AnomalyMethod = "streaming" | "isolation-forest";

export interface AnomalyDetectDef extends NodeDef {
  method: AnomalyMethod;
  // streaming
  threshold: number | string;
  criticalThreshold: number | string;
  window: number | string;
  learningPoints: number | string;
  /** fraction of the seen range beyond the seen extremes that scores 1 (the core's spatialTolerance); 0 = off */
  newExtremeMargin: number | string;
  // isolation forest
  features: string | string[];
  trainSize: number | string;
  retrainEvery: number | string;
  trees: number | string;
  sampleSize: number | string;
  seed: number | string;
  contamination: number | string;
  /** "error": a missing feature is an error; "last": the tag's last good value is used */
  impute: "error" | "last";
  store: string;
}

export interface AnomalyMessage extends NodeMessageInFlow {
  reset?: unknown;
  command?: unknown;
  anomaly?: unknown;
}

export interface StreamingConfig {
  method: "streaming";
  detector: StreamingOptions;
  /** score at or above which the severity is critical (warning from the detector's threshold) */
  criticalThreshold: number;
}

export interface ForestConfig {
  method: "isolation-forest";
  features: string[];
  trainSize: number;
  /** 0 = never retrain on its own */
  retrainEvery: number;
  trees: number;
  sampleSize: number;
  seed: number | undefined;
  contamination: number;
  impute: "error" | "last";
}

export type AnomalyConfig = StreamingConfig | ForestConfig;

function wholeAtLeast(value: number, min: number, field: string): number {
  if (!Number.isInteger(value) || value < min) throw new InputError(field, `expected a whole number >= ${min}, got ${describeValue(value)}`);
  return value;
}

export function parseAnomalyConfig(def: Partial<AnomalyDetectDef>): AnomalyConfig {
  const method = def.method ?? "streaming";
  if (method === "streaming") {
    // The detector's own defaults are the ones measured on NAB (see BENCHMARKS.md).
    const newExtremeMargin = numberSetting(def.newExtremeMargin, DEFAULT_STREAMING_OPTIONS.spatialTolerance);
    if (!(Number.isFinite(newExtremeMargin) && newExtremeMargin >= 0)) {
      throw new InputError("newExtremeMargin", `expected a fraction of the seen range >= 0 (0 = off), got ${describeValue(def.newExtremeMargin)}`);
    }
    const detector = resolveStreamingOptions({
      threshold: numberSetting(def.threshold, DEFAULT_STREAMING_OPTIONS.threshold),
      window: numberSetting(def.window, DEFAULT_STREAMING_OPTIONS.window),
      learningPoints: numberSetting(def.learningPoints, DEFAULT_STREAMING_OPTIONS.learningPoints),
      spatialTolerance: newExtremeMargin,
    });
    // 1 is a tail probability of 1e-10 or less, or a value beyond everything seen so far.
    const criticalThreshold = numberSetting(def.criticalThreshold, 1);
    if (!(criticalThreshold >= detector.threshold && criticalThreshold <= 1)) {
      throw new InputError("criticalThreshold", `expected a score from the threshold (${detector.threshold}) to 1, got ${describeValue(def.criticalThreshold)}`);
    }
    return { method, detector, criticalThreshold };
  }
  if (method !== "isolation-forest") throw new InputError("method", `expected "streaming" or "isolation-forest", got ${describeValue(method)}`);
  const featureList = typeof def.features === "string" ? def.features.split(",").map((f) => f.trim()).filter((f) => f !== "") : def.features;
  const features = validateFeatureNames(featureList, "features");
  const settings = resolveIsolationForestSettings({
    trees: numberSetting(def.trees, 100),
    sampleSize: numberSetting(def.sampleSize, 256),
    contamination: numberSetting(def.contamination, 0.01),
  });
  const seed = def.seed === undefined || def.seed === "" ? undefined : wholeAtLeast(numberSetting(def.seed, NaN), 0, "seed");
  const impute = def.impute ?? "error";
  if (impute !== "error" && impute !== "last") throw new InputError("impute", `expected "error" or "last", got ${describeValue(impute)}`);
  return {
    method,
    features,
    trainSize: wholeAtLeast(numberSetting(def.trainSize, 1000), 2, "trainSize"),
    retrainEvery: wholeAtLeast(numberSetting(def.retrainEvery, 0), 0, "retrainEvery"),
    trees: settings.trees,
    sampleSize: settings.sampleSize,
    seed,
    contamination: settings.contamination,
    impute,
  };
}
