import { InputError, describeValue } from "../common/errors";

/** The expected sampling interval: a configured value in epoch milliseconds, or "auto" to learn it. */
export type IntervalSetting = number | "auto";

/**
 * How many intervals the learner looks at. Ten tolerates up to four gaps or bursts among the first
 * samples (the median ignores them) while a 10-minute series still learns within two hours.
 */
export const DEFAULT_LEARN_COUNT = 10;

/**
 * Reads the node setting `intervalSeconds`: "auto" or a number of seconds (a numeric string too, since
 * editor fields arrive as strings). Returns milliseconds or "auto".
 */
export function parseIntervalSeconds(value: unknown, field = "intervalSeconds"): IntervalSetting {
  if (typeof value === "string" && value.trim().toLowerCase() === "auto") return "auto";
  const seconds = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= 0) {
    throw new InputError(field, `expected "auto" or a number of seconds > 0, got ${describeValue(value)}`);
  }
  return seconds * 1000;
}

/**
 * The median of the positive, finite intervals given. The median (not the mean) so that a gap or a
 * burst of duplicates among the learning samples cannot drag the expected interval with it.
 * Returns NaN when there is no positive interval.
 */
export function robustMedianInterval(intervals: ArrayLike<number>): number {
  const kept = new Float64Array(intervals.length);
  let n = 0;
  for (let i = 0; i < intervals.length; i++) {
    const d = intervals[i];
    if (d > 0 && d < Infinity) kept[n++] = d;
  }
  if (n === 0) return NaN;
  const sorted = kept.subarray(0, n).sort();
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Learns the interval from time-ordered timestamps: the robust median of the first `learnCount`
 * positive intervals (repeated timestamps are skipped, they say nothing about the rate). With fewer
 * intervals available it uses all there are; NaN when there is none.
 */
export function learnInterval(sortedTimestamps: ArrayLike<number>, learnCount = DEFAULT_LEARN_COUNT): number {
  const intervals = new Float64Array(learnCount);
  let n = 0;
  for (let i = 1; i < sortedTimestamps.length && n < learnCount; i++) {
    const d = sortedTimestamps[i] - sortedTimestamps[i - 1];
    if (d > 0) intervals[n++] = d;
  }
  return robustMedianInterval(intervals.subarray(0, n));
}
