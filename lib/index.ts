// The pure cores, for use outside Node-RED (scripts, function nodes with functionExternalModules).
export { InputError } from "./common/errors";
export { isGoodQuality, parseTimestamp } from "./common/sample";
export { RollingWindow, type RollingSnapshot, type WindowSpec } from "./stats/rolling-window";
export { rollingBatch, type Alignment, type BatchSample, type RollingArrays } from "./stats/rolling-batch";
export { SigmaSeries, type SigmaResult, type SigmaSeriesConfig } from "./stats/sigma-series";
export { SlidingMedian } from "./stats/sliding-median";
export { VariabilityClassifier, type ClassifierConfig, type VariabilityState } from "./stats/variability";
export { ControlChart, runChart, validateChartConfig, type ChartConfig, type ChartPoint, type LimitsMode } from "./spc/chart";
export { imrLimits, zoneOf, type Limits, type SigmaMethod, type Zone } from "./spc/imr";
export { RULE_IDS, RULE_PRESETS, evaluateRules, type RuleId, type RuleInput } from "./spc/rules";
export * from "./gaps/index";
