import type { NodeDef, NodeMessageInFlow } from "node-red";
import { InputError, describeValue } from "../../lib/common/errors";
import type { Alignment } from "../../lib/stats/rolling-batch";
import { validateWindowSpec, type WindowSpec } from "../../lib/stats/rolling-window";
import type { SigmaSeriesConfig } from "../../lib/stats/sigma-series";
import { validateClassifierConfig } from "../../lib/stats/variability";
import { numberSetting } from "../../lib/common/settings";

export interface SigmaWindowDef extends NodeDef {
  windowType: "count" | "time";
  window: number | string;
  windowSeconds: number | string;
  alignment: Alignment;
  classification: "fixed" | "relative";
  threshold: number | string;
  factor: number | string;
  referenceSize: number | string;
  hysteresis: number | string;
  store: string;
}

export interface SigmaMessage extends NodeMessageInFlow {
  reset?: unknown;
  sigma?: unknown;
}

export function parseSigmaConfig(def: Partial<SigmaWindowDef>): { series: SigmaSeriesConfig; alignment: Alignment } {
  const windowType = def.windowType ?? "count";
  let window: WindowSpec;
  if (windowType === "time") {
    window = validateWindowSpec({ kind: "time", seconds: numberSetting(def.windowSeconds, 60) });
  } else if (windowType === "count") {
    const size = numberSetting(def.window, 20);
    window = validateWindowSpec({ kind: "count", size });
    if (size < 2) throw new InputError("window", "a standard deviation needs a window of at least 2 samples");
  } else {
    throw new InputError("windowType", `expected "count" or "time", got ${describeValue(windowType)}`);
  }
  const classifier = validateClassifierConfig({
    mode: def.classification ?? "relative",
    threshold: numberSetting(def.threshold, 1),
    factor: numberSetting(def.factor, 1),
    referenceSize: numberSetting(def.referenceSize, 100),
    hysteresis: numberSetting(def.hysteresis, 0),
  });
  const alignment = def.alignment ?? "trailing";
  if (alignment !== "trailing" && alignment !== "centred") {
    throw new InputError("alignment", `expected "trailing" or "centred", got ${describeValue(alignment)}`);
  }
  return { series: { window, classifier }, alignment };
}

