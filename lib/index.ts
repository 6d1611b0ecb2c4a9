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
export * from "./anh/index";
export * from "./modbus/index";
export {
  trainIsolationForest,
  retrainIsolationForest,
  scoreRow,
  scoreRows,
  severityOf,
  isAnomalous,
  validateIsolationForestModel,
  TrainingWindow,
  type IsolationForestModel,
  type IsolationForestOptions,
  type RowScore,
} from "./anomaly/isolation-forest";
export { StreamingDetector, type StreamingOptions, type StreamingResult } from "./anomaly/streaming";
export { Outbox, remotePathOf, validateRemoteDir, validateRemoteName, type OutboxEntry, type OutboxStatus } from "./delivery/outbox";
export { DEFAULT_RETRY_POLICY, nextRetryDelay, resolveRetryPolicy, type RetryPolicy } from "./delivery/retry";
export { DeliveryError, FtpAttempt, classifyError, deliverOnce, describeServer, validateConnectionOptions, type FtpConnectionOptions, type SecureMode } from "./delivery/uploader";
export { DeliveryQueue, reportOf, type DeliveryReport, type QueueEvent } from "./delivery/queue";
export * from "./influx/index";
export * as thermal from "./thermal/index";
export * as reliability from "./reliability/index";
