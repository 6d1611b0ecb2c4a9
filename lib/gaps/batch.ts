import { InputError, describeValue } from "../common/errors";
import { isGoodQuality, parseTimestamp } from "../common/sample";
import { MAX_SLOTS, completeness, requireTimestampArray, type Completeness } from "./completeness";
import type { GapCounts } from "./detector";
import { makeGap, resolveGapOptions, type Gap, type GapOptions } from "./gap";
import { learnInterval } from "./interval";

export interface BatchGapOptions extends GapOptions {
  /** completeness over this period instead of the period the timestamps cover */
  period?: { start: number; end: number };
}

export interface GapAnalysis {
  /** configured or learned interval in ms; null when "auto" had fewer than two distinct timestamps */
  intervalMs: number | null;
  learned: boolean;
  /** timestamps received */
  received: number;
  /**
   * samples: distinct timestamps; duplicates: repeats of one; outOfOrder: timestamps older than one
   * before them in the input. History is sorted before it is judged, so a late sample still fills its
   * place and is not dropped (unlike the streaming detector, which cannot wait for it).
   */
  counts: GapCounts;
  first: number | null;
  last: number | null;
  gaps: Gap[];
  /** sum of the missing samples of all gaps */
  missing: number;
  /**
   * Completeness of `period`, or by default of the covered period: one slot centred on each expected
   * sample from the first to the last timestamp, so jitter below half an interval stays in its slot.
   * Null without an interval, without timestamps, or when the covered period has more than MAX_SLOTS.
   */
  completeness: Completeness | null;
}

/**
 * All gaps of a history of timestamps (epoch ms, any order) and its completeness. Runs in a few
 * linear passes over the input without allocating per element; only unsorted input is copied (and
 * sorted natively), so a sorted Float64Array or number[] is read in place.
 */
export function analyzeGaps(input: ArrayLike<number>, options: BatchGapOptions = {}): GapAnalysis {
  const resolved = resolveGapOptions(options);
  const timestamps = requireTimestampArray(input, "timestamps");
  const n = timestamps.length;

  let latest = -Infinity;
  let outOfOrder = 0;
  for (let i = 0; i < n; i++) {
    const t = timestamps[i];
    if (typeof t !== "number" || t - t !== 0) {
      throw new InputError(`timestamps[${i}]`, `expected epoch milliseconds, got ${describeValue(t)}`);
    }
    if (t < latest) outOfOrder++;
    else latest = t;
  }
  const sorted: ArrayLike<number> = outOfOrder > 0 ? Float64Array.from(timestamps).sort() : timestamps;

  const learned = resolved.intervalMs === "auto";
  const intervalMs = resolved.intervalMs === "auto" ? learnInterval(sorted, resolved.learnCount) : resolved.intervalMs;
  // NaN when nothing could be learned: no comparison is true, so no gap is reported.
  const threshold = resolved.tolerance * intervalMs;

  const gaps: Gap[] = [];
  let duplicates = 0;
  let missing = 0;
  if (n > 0) {
    let previous = sorted[0];
    for (let i = 1; i < n; i++) {
      const t = sorted[i];
      const delta = t - previous;
      if (delta === 0) {
        duplicates++;
        continue;
      }
      if (delta > threshold) {
        const gap = makeGap(previous, t, intervalMs, resolved);
        gaps.push(gap);
        missing += gap.missing;
      }
      previous = t;
    }
  }

  const hasInterval = !Number.isNaN(intervalMs);
  const first = n > 0 ? sorted[0] : null;
  const last = n > 0 ? sorted[n - 1] : null;
  let covered: Completeness | null = null;
  if (options.period !== undefined && hasInterval) {
    covered = completeness({ timestamps: sorted, start: options.period.start, end: options.period.end, intervalMs });
  } else if (first !== null && last !== null && hasInterval) {
    const start = first - intervalMs / 2;
    const slots = Math.round((last - first) / intervalMs) + 1;
    // A history with a year-long hole at a 1 s interval would need more slot memory than it is worth:
    // the gaps still describe it exactly.
    if (slots <= MAX_SLOTS) covered = completeness({ timestamps: sorted, start, end: start + slots * intervalMs, intervalMs });
  }

  return {
    intervalMs: hasInterval ? intervalMs : null,
    learned: learned && hasInterval,
    received: n,
    counts: { samples: n - duplicates, duplicates, outOfOrder, gaps: gaps.length },
    first,
    last,
    gaps,
    missing,
    completeness: covered,
  };
}

/**
 * Timestamps from a batch `msg.payload`: an array of epoch ms, ISO 8601 strings, Dates, or objects
 * `{timestamp, quality?, ...}`. Entries whose quality is not good are left out (a gap is a stretch
 * without good data) and counted.
 */
export function timestampsFromPayload(payload: unknown, field = "msg.payload"): { timestamps: Float64Array; badQuality: number } {
  if (!Array.isArray(payload)) {
    throw new InputError(field, `expected an array of timestamps or of {timestamp, ...} objects, got ${describeValue(payload)}`);
  }
  const out = new Float64Array(payload.length);
  let size = 0;
  let badQuality = 0;
  for (let i = 0; i < payload.length; i++) {
    const entry: unknown = payload[i];
    if (typeof entry === "number") {
      if (entry - entry !== 0) throw new InputError(`${field}[${i}]`, `expected epoch milliseconds, got ${describeValue(entry)}`);
      out[size++] = entry;
    } else if (entry !== null && typeof entry === "object" && !(entry instanceof Date)) {
      const record = entry as { timestamp?: unknown; quality?: unknown };
      if (record.quality !== undefined && !isGoodQuality(record.quality, `${field}[${i}].quality`)) {
        badQuality++;
        continue;
      }
      out[size++] = parseTimestamp(record.timestamp, `${field}[${i}].timestamp`);
    } else {
      out[size++] = parseTimestamp(entry, `${field}[${i}]`);
    }
  }
  return { timestamps: out.subarray(0, size), badQuality };
}
