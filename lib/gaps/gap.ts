import { InputError, describeValue, requirePositiveInteger, requirePositiveNumber } from "../common/errors";
import { DEFAULT_LEARN_COUNT, type IntervalSetting } from "./interval";

export type GapSeverity = "minor" | "moderate" | "critical";

/** A stretch without data between two consecutive good samples. Times are epoch ms. */
export interface Gap {
  /** the last sample before the silence */
  start: number;
  /** the first sample after it */
  end: number;
  durationMs: number;
  /** samples the expected grid would have had strictly between start and end (>= 1) */
  missing: number;
  severity: GapSeverity;
  /** true when the gap is long enough to raise an alert (critical: above the moderate limit) */
  alert: boolean;
}

export interface GapOptions {
  /** expected interval in ms, or "auto" to learn it (default "auto") */
  intervalMs?: IntervalSetting;
  /** intervals the learner uses (default 10) */
  learnCount?: number;
  /** an interval longer than tolerance × the expected interval is a gap (default 1.5) */
  tolerance?: number;
  /** gaps up to this duration are minor (default 2 h) */
  minorMaxMs?: number;
  /** gaps up to this duration are moderate, longer ones critical (default 12 h) */
  moderateMaxMs?: number;
}

export type ResolvedGapOptions = Required<GapOptions>;

export const DEFAULT_TOLERANCE = 1.5;
export const DEFAULT_MINOR_MAX_MS = 2 * 3600_000;
export const DEFAULT_MODERATE_MAX_MS = 12 * 3600_000;

/** Validates options and fills in the defaults of the systems this replaces (1.5×, 2 h, 12 h). */
export function resolveGapOptions(options: GapOptions = {}): ResolvedGapOptions {
  const intervalMs = options.intervalMs ?? "auto";
  if (intervalMs !== "auto") requirePositiveNumber(intervalMs, "intervalMs");
  const learnCount = requirePositiveInteger(options.learnCount ?? DEFAULT_LEARN_COUNT, "learnCount");
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  // At 1 or below every regular interval (with any jitter) would be reported as a gap.
  if (typeof tolerance !== "number" || !Number.isFinite(tolerance) || tolerance <= 1) {
    throw new InputError("tolerance", `expected a number > 1 (multiple of the expected interval), got ${describeValue(tolerance)}`);
  }
  const minorMaxMs = requirePositiveNumber(options.minorMaxMs ?? DEFAULT_MINOR_MAX_MS, "minorMaxMs");
  const moderateMaxMs = requirePositiveNumber(options.moderateMaxMs ?? DEFAULT_MODERATE_MAX_MS, "moderateMaxMs");
  if (moderateMaxMs < minorMaxMs) {
    throw new InputError("moderateMaxMs", `expected a duration >= minorMaxMs (${minorMaxMs} ms), got ${moderateMaxMs}`);
  }
  return { intervalMs, learnCount, tolerance, minorMaxMs, moderateMaxMs };
}

/** Severity by duration; the limits are inclusive, so exactly 2 h is still minor and exactly 12 h moderate. */
export function gapSeverity(durationMs: number, options: Pick<ResolvedGapOptions, "minorMaxMs" | "moderateMaxMs">): GapSeverity {
  if (durationMs <= options.minorMaxMs) return "minor";
  if (durationMs <= options.moderateMaxMs) return "moderate";
  return "critical";
}

/** The event severity of the shared message contract for a gap severity. */
export function eventSeverity(severity: GapSeverity): "info" | "warning" | "critical" {
  return severity === "minor" ? "info" : severity === "moderate" ? "warning" : "critical";
}

/**
 * Grid samples missing inside an interval: rounding (not flooring) the number of intervals keeps a
 * jittered resume (3.1 intervals later) at the count a person would give (2). A reported gap always
 * misses at least one sample, even with a tolerance below 1.5.
 */
export function missingSamples(durationMs: number, intervalMs: number): number {
  return Math.max(1, Math.round(durationMs / intervalMs) - 1);
}

export function makeGap(start: number, end: number, intervalMs: number, options: ResolvedGapOptions): Gap {
  const durationMs = end - start;
  const severity = gapSeverity(durationMs, options);
  return { start, end, durationMs, missing: missingSamples(durationMs, intervalMs), severity, alert: severity === "critical" };
}
