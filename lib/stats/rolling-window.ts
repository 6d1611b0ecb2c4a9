import { InputError, describeValue, requirePositiveInteger, requirePositiveNumber } from "../common/errors";

/** A window by sample count or by time span (the window is (t - seconds, t] behind the newest sample). */
export type WindowSpec = { kind: "count"; size: number } | { kind: "time"; seconds: number };

export interface RollingSnapshot {
  /** samples in the window */
  n: number;
  mean: number | null;
  /** sample standard deviation (ddof 1); null with fewer than 2 samples */
  std: number | null;
  /** population standard deviation (ddof 0) */
  populationStd: number | null;
  /** coefficient of variation: std / |mean|; null when the mean is 0 or std is undefined */
  cv: number | null;
  min: number | null;
  max: number | null;
}

export interface RollingWindowJSON {
  version: 1;
  spec: WindowSpec;
  values: number[];
  times?: number[];
  firstTime?: number | null;
}

export function validateWindowSpec(spec: WindowSpec): WindowSpec {
  if (spec.kind === "count") return { kind: "count", size: requirePositiveInteger(spec.size, "window") };
  if (spec.kind === "time") return { kind: "time", seconds: requirePositiveNumber(spec.seconds, "windowSeconds") };
  throw new InputError("windowType", `expected "count" or "time", got ${describeValue((spec as { kind: unknown }).kind)}`);
}

/**
 * Rolling mean, variance, min and max over a sliding window, O(1) amortised work per sample.
 *
 * Why not the textbook sliding Welford update: its rounding errors random-walk without bound, and on a
 * large offset (1e9 + noise) each update of the mean already loses ~1e-7, so after millions of samples
 * the variance drifts. Instead the window keeps plain sums of the deviations d = x - K from a shift K
 * near the data: d is exact when x and K are close (Sterbenz), so the sums see only noise-sized
 * numbers. Two things keep them exact for ever:
 * - every max(n, 1024) samples the sums are recomputed from the buffer around the current mean
 *   (an O(n) pass per n samples), so rounding cannot accumulate between refreshes;
 * - when the window mean wanders more than 2σ from K (a ramp, a step), the same refresh runs early,
 *   so the cancellation in S2 - S1²/n never costs more than a factor 5 of one rounding.
 * Compensated (Kahan/TwoSum) updates were measured too: same accuracy, half the speed.
 * Min and max come from a two-stack queue (suffix extrema of the older part, running extrema of the
 * newer part): amortised O(1) with no data-dependent loop per sample, unlike a monotonic deque.
 */
export class RollingWindow {
  readonly spec: WindowSpec;
  private readonly capacityLimit: number;
  private readonly spanMs: number;
  private readonly timed: boolean;
  // Ring storage: values, their times (time windows) and the suffix extrema of the "front" segment.
  private values: Float64Array;
  private times: Float64Array;
  private suffixMin: Float64Array;
  private suffixMax: Float64Array;
  private mask: number;
  private head = 0;
  private size = 0;
  // Sliding min/max as a two-stack queue (amortised O(1), no data-dependent loop per sample): the
  // oldest `frontSize` samples have suffix extrema computed at the last rebuild; newer samples are
  // summarised by two running scalars.
  private frontSize = 0;
  private backMin = Infinity;
  private backMax = -Infinity;
  private shift = 0;
  private s1 = 0;
  private s2 = 0;
  private sinceAnchor = 0;
  private firstTime = NaN;
  private lastTime = -Infinity;

  constructor(spec: WindowSpec) {
    this.spec = validateWindowSpec(spec);
    this.capacityLimit = this.spec.kind === "count" ? this.spec.size : Infinity;
    this.spanMs = this.spec.kind === "time" ? this.spec.seconds * 1000 : Infinity;
    this.timed = this.spec.kind === "time";
    let capacity = 16;
    while (capacity < (this.spec.kind === "count" ? this.spec.size : 64)) capacity *= 2;
    this.values = new Float64Array(capacity);
    this.times = new Float64Array(this.spec.kind === "time" ? capacity : 0);
    this.suffixMin = new Float64Array(capacity);
    this.suffixMax = new Float64Array(capacity);
    this.mask = capacity - 1;
  }

  get n(): number {
    return this.size;
  }

  /** Count window: holds `size` samples. Time window: the data seen since reset spans the whole window. */
  get full(): boolean {
    if (this.spec.kind === "count") return this.size === this.capacityLimit;
    return this.size > 0 && this.firstTime <= this.lastTime - this.spanMs;
  }

  /**
   * Adds a sample. `timestamp` (epoch ms) is required for a time window and must not go backwards;
   * a count window ignores it.
   */
  push(value: number, timestamp?: number): void {
    // value - value is NaN exactly for NaN and ±Infinity: the cheapest finiteness test on the hot path.
    if (typeof value !== "number" || value - value !== 0) {
      throw new InputError("value", `expected a finite number, got ${describeValue(value)}`);
    }
    if (this.timed) {
      if (typeof timestamp !== "number" || !Number.isFinite(timestamp)) {
        throw new InputError("timestamp", `a time window needs epoch milliseconds, got ${describeValue(timestamp)}`);
      }
      if (timestamp < this.lastTime) {
        throw new InputError(
          "timestamp",
          `${new Date(timestamp).toISOString()} is earlier than the previous sample (${new Date(this.lastTime).toISOString()}); a time window needs samples in time order`,
        );
      }
      const cutoff = timestamp - this.spanMs;
      while (this.size > 0 && this.times[this.head] <= cutoff) this.evictOldest();
      if (this.size > this.mask) this.grow();
      this.times[(this.head + this.size) & this.mask] = timestamp;
      if (Number.isNaN(this.firstTime)) this.firstTime = timestamp;
      this.lastTime = timestamp;
    } else if (this.size === this.capacityLimit) {
      this.evictOldest();
    }

    if (this.size === 0) this.resetSums(value);
    this.values[(this.head + this.size) & this.mask] = value;
    this.size++;
    this.backMin = Math.min(this.backMin, value);
    this.backMax = Math.max(this.backMax, value);
    this.addDeviation(value - this.shift);

    // Refresh the sums (see the class comment); the drift test runs every 8th sample to stay cheap.
    const n = this.size;
    const since = ++this.sinceAnchor;
    if (since >= n && since >= 1024) {
      this.reanchor();
    } else if ((since & 7) === 0 && since >= n >> 2) {
      const m = this.s1 / n;
      if (m * m * n > 4 * (this.s2 - this.s1 * m)) this.reanchor();
    }
  }

  get mean(): number {
    const n = this.size;
    return n === 0 ? NaN : this.shift + (this.s1) / n;
  }

  /** Sum of squared deviations from the mean (M2), never negative. */
  private sumSquares(): number {
    const n = this.size;
    if (n === 0) return NaN;
    const s1 = this.s1;
    const m2 = this.s2 - (s1 * s1) / n;
    return m2 > 0 ? m2 : 0;
  }

  /** Sample variance (ddof 1); NaN with fewer than 2 samples. */
  get variance(): number {
    const n = this.size;
    return n < 2 ? NaN : this.sumSquares() / (n - 1);
  }

  get std(): number {
    return Math.sqrt(this.variance);
  }

  get populationStd(): number {
    const n = this.size;
    return n === 0 ? NaN : Math.sqrt(this.sumSquares() / n);
  }

  get min(): number {
    if (this.size === 0) return NaN;
    return this.frontSize > 0 ? Math.min(this.suffixMin[this.head], this.backMin) : this.backMin;
  }

  get max(): number {
    if (this.size === 0) return NaN;
    return this.frontSize > 0 ? Math.max(this.suffixMax[this.head], this.backMax) : this.backMax;
  }

  snapshot(): RollingSnapshot {
    const n = this.size;
    const mean = this.mean;
    const std = this.std;
    return {
      n,
      mean: finiteOrNull(mean),
      std: finiteOrNull(std),
      populationStd: finiteOrNull(this.populationStd),
      cv: coefficientOfVariation(n, mean, std),
      min: finiteOrNull(this.min),
      max: finiteOrNull(this.max),
    };
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
    this.frontSize = 0;
    this.backMin = Infinity;
    this.backMax = -Infinity;
    this.resetSums(0);
    this.firstTime = NaN;
    this.lastTime = -Infinity;
  }

  /** Samples oldest first. */
  samples(): { values: number[]; times?: number[] } {
    const values = new Array<number>(this.size);
    const times = this.spanMs !== Infinity ? new Array<number>(this.size) : null;
    for (let i = 0; i < this.size; i++) {
      const at = (this.head + i) & this.mask;
      values[i] = this.values[at];
      if (times) times[i] = this.times[at];
    }
    return times ? { values, times } : { values };
  }

  toJSON(): RollingWindowJSON {
    const json: RollingWindowJSON = { version: 1, spec: this.spec, ...this.samples() };
    if (this.spec.kind === "time") json.firstTime = Number.isNaN(this.firstTime) ? null : this.firstTime;
    return json;
  }

  /**
   * Rebuilds a window of `spec` (the current configuration, which may differ from the saved one) from
   * saved samples: a count window keeps the newest samples that fit; a time window needs saved times.
   * Returns null when the saved samples cannot fill a window of this kind.
   */
  static fromJSON(json: RollingWindowJSON, spec: WindowSpec): RollingWindow | null {
    const window = new RollingWindow(spec);
    if (json === null || typeof json !== "object" || json.version !== 1 || !Array.isArray(json.values)) return null;
    if (spec.kind === "time") {
      if (!Array.isArray(json.times) || json.times.length !== json.values.length) return null;
      for (let i = 0; i < json.values.length; i++) window.push(json.values[i], json.times[i]);
      if (typeof json.firstTime === "number" && json.firstTime < window.firstTime) window.firstTime = json.firstTime;
    } else {
      const start = Math.max(0, json.values.length - spec.size);
      for (let i = start; i < json.values.length; i++) window.push(json.values[i]);
    }
    return window;
  }

  private evictOldest(): void {
    if (this.frontSize === 0) this.rebuildFront();
    const x = this.values[this.head];
    this.head = (this.head + 1) & this.mask;
    this.size--;
    this.frontSize--;
    this.removeDeviation(x - this.shift);
  }

  /** Moves every sample into the front segment, computing suffix extrema from the newest back. */
  private rebuildFront(): void {
    const { values, suffixMin, suffixMax, head, mask } = this;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = this.size - 1; i >= 0; i--) {
      const at = (head + i) & mask;
      const x = values[at];
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
      suffixMin[at] = lo;
      suffixMax[at] = hi;
    }
    this.frontSize = this.size;
    this.backMin = Infinity;
    this.backMax = -Infinity;
  }

  private grow(): void {
    const capacity = this.values.length * 2;
    const move = (from: Float64Array): Float64Array => {
      const to = new Float64Array(capacity);
      for (let i = 0; i < this.size; i++) to[i] = from[(this.head + i) & this.mask];
      return to;
    };
    this.values = move(this.values);
    this.times = move(this.times);
    this.suffixMin = move(this.suffixMin);
    this.suffixMax = move(this.suffixMax);
    this.head = 0;
    this.mask = capacity - 1;
  }

  private addDeviation(d: number): void {
    this.s1 += d;
    this.s2 += d * d;
  }

  private removeDeviation(d: number): void {
    this.s1 -= d;
    this.s2 -= d * d;
  }

  private resetSums(shift: number): void {
    this.shift = shift;
    this.s1 = 0;
    this.s2 = 0;
    this.sinceAnchor = 0;
  }

  private reanchor(): void {
    const { values, head, mask } = this;
    const n = this.size;
    // Two passes: the mean of the deviations from the newest value (exact for close values), then the
    // sums around that mean.
    const pivot = values[(head + n - 1) & mask];
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[(head + i) & mask] - pivot;
    const shift = pivot + sum / n;
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const d = values[(head + i) & mask] - shift;
      s1 += d;
      s2 += d * d;
    }
    this.resetSums(shift);
    this.s1 = s1;
    this.s2 = s2;
  }
}

export function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** std / |mean|; null when the mean is 0 or std is undefined. */
export function coefficientOfVariation(n: number, mean: number, std: number): number | null {
  return n >= 2 && mean !== 0 ? finiteOrNull(std / Math.abs(mean)) : null;
}
