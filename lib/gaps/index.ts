// The gap-detection core: expected interval, streaming detector, batch analysis and completeness.
export { DEFAULT_LEARN_COUNT, learnInterval, parseIntervalSeconds, robustMedianInterval, type IntervalSetting } from "./interval";
export {
  DEFAULT_MINOR_MAX_MS,
  DEFAULT_MODERATE_MAX_MS,
  DEFAULT_TOLERANCE,
  eventSeverity,
  gapSeverity,
  makeGap,
  missingSamples,
  resolveGapOptions,
  type Gap,
  type GapOptions,
  type GapSeverity,
  type ResolvedGapOptions,
} from "./gap";
export { GapDetector, type GapCounts, type GapDetectorJSON, type SampleOutcome } from "./detector";
export { StaleWatchdog, systemClock, type StaleEvent, type WatchdogClock } from "./stale-watchdog";
export { analyzeGaps, timestampsFromPayload, type BatchGapOptions, type GapAnalysis } from "./batch";
export {
  CompletenessTracker,
  DEFAULT_MAX_MISSING_LISTED,
  MAX_SLOTS,
  completeness,
  dayBounds,
  dayCompleteness,
  localDate,
  slotCount,
  type Completeness,
  type CompletenessInput,
  type DayBounds,
  type SlotRun,
} from "./completeness";
