import { InputError, describeValue } from "../common/errors";
import { makeGap, resolveGapOptions, type Gap, type GapOptions, type ResolvedGapOptions } from "./gap";
import { robustMedianInterval } from "./interval";

/** What the latest `push` did with its timestamp. */
export type SampleOutcome = "first" | "learning" | "regular" | "gap" | "duplicate" | "out-of-order";

export interface GapCounts {
  /** accepted samples (in time order, not repeated) */
  samples: number;
  /** samples with the same timestamp as the latest accepted one */
  duplicates: number;
  /** samples older than the latest accepted one */
  outOfOrder: number;
  gaps: number;
}

export interface GapDetectorJSON {
  version: 1;
  /** the interval in use (configured or learned), null while learning */
  intervalMs: number | null;
  learned: boolean;
  /** accepted timestamps collected for learning, null when not learning */
  learningTimestamps: number[] | null;
  lastTimestamp: number | null;
  counts: GapCounts;
}

const NO_GAPS: readonly Gap[] = Object.freeze([]);

/**
 * Streaming gap detector for one series (one topic). Feed it the timestamps of good samples as they
 * arrive; it reports a gap when data resumes after a silence longer than tolerance × the expected
 * interval.
 *
 * Out-of-order and repeated timestamps are counted and otherwise ignored: they never move the latest
 * timestamp back, so no negative duration and no false gap can come from them. A late sample that falls
 * inside a gap already reported does not withdraw the report (the backfill request is still useful).
 *
 * In "auto" mode the first `learnCount` intervals are buffered (a few numbers) and judged once the
 * interval is known, so a gap during learning is reported late rather than missed. State is a handful
 * of numbers plus that buffer, and serialises with toJSON/fromJSON for node context.
 */
export class GapDetector {
  readonly options: ResolvedGapOptions;
  /** what the latest push did */
  lastOutcome: SampleOutcome | null = null;
  private intervalMs = NaN;
  private gapThresholdMs = Infinity;
  private learned = false;
  private learning: Float64Array | null = null;
  private learningSize = 0;
  private last = NaN;
  private samples = 0;
  private duplicates = 0;
  private outOfOrder = 0;
  private gaps = 0;

  constructor(options: GapOptions = {}) {
    this.options = resolveGapOptions(options);
    this.startInterval();
  }

  /** The expected interval in ms, null while it is being learned. */
  get interval(): number | null {
    return Number.isNaN(this.intervalMs) ? null : this.intervalMs;
  }

  get isLearning(): boolean {
    return this.learning !== null;
  }

  get isLearned(): boolean {
    return this.learned;
  }

  get lastTimestamp(): number | null {
    return Number.isNaN(this.last) ? null : this.last;
  }

  get counts(): GapCounts {
    return { samples: this.samples, duplicates: this.duplicates, outOfOrder: this.outOfOrder, gaps: this.gaps };
  }

  /**
   * The instant after which the current silence is a gap (last sample + tolerance × interval), for a
   * watchdog scheduler; null before the first sample or while learning.
   */
  get overdueAt(): number | null {
    return Number.isNaN(this.last) || this.gapThresholdMs === Infinity ? null : this.last + this.gapThresholdMs;
  }

  /** Whether the series is silent for longer than a gap at `now` (epoch ms). */
  inGapAt(now: number): boolean {
    const due = this.overdueAt;
    return due !== null && now > due;
  }

  /**
   * Takes the timestamp (epoch ms) of a good sample. Returns the gaps it closes: usually none, one when
   * data resumes after a gap, possibly several when learning completes and the learning samples held
   * gaps. The returned array is shared when empty: do not modify it.
   */
  push(timestamp: number): readonly Gap[] {
    // t - t is NaN exactly for NaN and ±Infinity: the cheapest finiteness test.
    if (typeof timestamp !== "number" || timestamp - timestamp !== 0) {
      throw new InputError("timestamp", `expected epoch milliseconds, got ${describeValue(timestamp)}`);
    }
    const previous = this.last;
    if (Number.isNaN(previous)) {
      this.accept(timestamp);
      if (this.learning !== null) this.learning[this.learningSize++] = timestamp;
      this.lastOutcome = "first";
      return NO_GAPS;
    }
    if (timestamp === previous) {
      this.duplicates++;
      this.lastOutcome = "duplicate";
      return NO_GAPS;
    }
    if (timestamp < previous) {
      this.outOfOrder++;
      this.lastOutcome = "out-of-order";
      return NO_GAPS;
    }
    this.accept(timestamp);
    if (this.learning !== null) return this.learn(timestamp);
    if (timestamp - previous > this.gapThresholdMs) {
      this.gaps++;
      this.lastOutcome = "gap";
      return [makeGap(previous, timestamp, this.intervalMs, this.options)];
    }
    this.lastOutcome = "regular";
    return NO_GAPS;
  }

  /**
   * Forgets the learned interval and learns it again from the next samples, counting from the latest
   * one (for a sensor whose rate was changed). Returns false with a configured interval: nothing to learn.
   */
  relearn(): boolean {
    if (this.options.intervalMs !== "auto") return false;
    this.startInterval();
    if (!Number.isNaN(this.last) && this.learning !== null) this.learning[this.learningSize++] = this.last;
    return true;
  }

  /** Back to the state of a new detector (same options). */
  reset(): void {
    this.last = NaN;
    this.samples = 0;
    this.duplicates = 0;
    this.outOfOrder = 0;
    this.gaps = 0;
    this.lastOutcome = null;
    this.startInterval();
  }

  toJSON(): GapDetectorJSON {
    return {
      version: 1,
      intervalMs: this.interval,
      learned: this.learned,
      learningTimestamps: this.learning === null ? null : Array.from(this.learning.subarray(0, this.learningSize)),
      lastTimestamp: this.lastTimestamp,
      counts: this.counts,
    };
  }

  /**
   * Rebuilds a detector with the current `options` (which may differ from the saved ones) from saved
   * state: a configured interval always wins; in "auto" mode a saved learned interval is kept and an
   * unfinished learning resumes. Returns null when `json` is not a saved state.
   */
  static fromJSON(json: GapDetectorJSON, options: GapOptions = {}): GapDetector | null {
    const detector = new GapDetector(options);
    if (json === null || typeof json !== "object" || json.version !== 1) return null;
    const counts = json.counts;
    if (counts === null || typeof counts !== "object") return null;
    for (const key of ["samples", "duplicates", "outOfOrder", "gaps"] as const) {
      if (!Number.isInteger(counts[key]) || counts[key] < 0) return null;
    }
    const last = json.lastTimestamp;
    if (last !== null && !Number.isFinite(last)) return null;
    detector.last = last ?? NaN;
    detector.samples = counts.samples;
    detector.duplicates = counts.duplicates;
    detector.outOfOrder = counts.outOfOrder;
    detector.gaps = counts.gaps;
    if (detector.learning === null) return detector;

    const saved = json.intervalMs;
    if (json.learned === true && typeof saved === "number" && saved > 0 && saved < Infinity) {
      detector.useInterval(saved, true);
      return detector;
    }
    const buffered = Array.isArray(json.learningTimestamps) ? json.learningTimestamps : [];
    const usable = last !== null && isIncreasing(buffered) && buffered[buffered.length - 1] === last;
    const keep = usable ? buffered : last === null ? [] : [last];
    // With learnCount lowered since the save the buffer grows to hold what was saved, so the next
    // sample completes learning and the gaps among the saved samples are still judged and returned.
    if (keep.length >= detector.learning.length) detector.learning = new Float64Array(keep.length + 1);
    for (const t of keep) detector.learning[detector.learningSize++] = t;
    return detector;
  }

  private accept(timestamp: number): void {
    this.last = timestamp;
    this.samples++;
  }

  private startInterval(): void {
    if (this.options.intervalMs === "auto") {
      this.intervalMs = NaN;
      this.gapThresholdMs = Infinity;
      this.learned = false;
      this.learning = new Float64Array(this.options.learnCount + 1);
      this.learningSize = 0;
    } else {
      this.useInterval(this.options.intervalMs, false);
    }
  }

  private useInterval(intervalMs: number, learned: boolean): void {
    this.intervalMs = intervalMs;
    this.gapThresholdMs = this.options.tolerance * intervalMs;
    this.learned = learned;
    this.learning = null;
    this.learningSize = 0;
  }

  private learn(timestamp: number): readonly Gap[] {
    const buffer = this.learning as Float64Array;
    buffer[this.learningSize++] = timestamp;
    if (this.learningSize < buffer.length) {
      this.lastOutcome = "learning";
      return NO_GAPS;
    }
    const found = this.finishLearning();
    this.lastOutcome = found.length > 0 ? "gap" : "learning";
    return found;
  }

  /** Sets the learned interval and judges the buffered intervals with it. */
  private finishLearning(): readonly Gap[] {
    const buffer = (this.learning as Float64Array).subarray(0, this.learningSize);
    const intervals = new Float64Array(buffer.length - 1);
    for (let i = 1; i < buffer.length; i++) intervals[i - 1] = buffer[i] - buffer[i - 1];
    this.useInterval(robustMedianInterval(intervals), true);
    let found: Gap[] | null = null;
    for (let i = 1; i < buffer.length; i++) {
      if (intervals[i - 1] > this.gapThresholdMs) {
        (found ??= []).push(makeGap(buffer[i - 1], buffer[i], this.intervalMs, this.options));
        this.gaps++;
      }
    }
    return found ?? NO_GAPS;
  }
}

function isIncreasing(values: unknown[]): values is number[] {
  for (let i = 0; i < values.length; i++) {
    const t = values[i];
    if (typeof t !== "number" || !Number.isFinite(t)) return false;
    if (i > 0 && t <= (values[i - 1] as number)) return false;
  }
  return true;
}
