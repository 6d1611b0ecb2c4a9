import { InputError, describeValue, requirePositiveInteger } from "../common/errors";
import { AnomalyLikelihood, type LikelihoodJSON } from "./likelihood";

/**
 * A causal univariate anomaly detector for one series, with no training phase for the user to run.
 *
 * Pipeline per point (window-sized work, the state is about 1 kB of JSON):
 * 1. Forecast residuals at two time scales: the mean of the last `window` values (the seed's forecast;
 *    30 points rather than its 10 because a longer mean is a steadier yardstick: NAB dev standard
 *    59.7 with 10, 63.5 with 20, 64.9 with 30, 65.0 with 50) catches spikes and fast changes; a slow
 *    exponentially weighted mean (span `slowSpan`) catches level shifts and drifts that the short
 *    window follows. A 10-point third scale and a median forecast were tried and scored lower.
 * 2. Robust scaling: each residual is divided by an exponentially weighted mean absolute residual
 *    whose update is clipped at CLIP times its current value, so an anomaly cannot inflate its own
 *    yardstick (a plain running standard deviation would, and then miss the next one).
 * 3. The larger scaled residual z becomes a raw score in [0, 1) (see RAW_HALF_POINT).
 * 4. Numenta's anomaly likelihood (./likelihood.ts): the tail probability of the mean of the last
 *    `averagingWindow` raw scores under their long-term distribution; reported on Numenta's log scale,
 *    so 0.5 means a tail probability of 1e-5 and 1 means 1e-10.
 * 5. A value beyond every value seen so far by more than `spatialTolerance` of the seen range scores
 *    1 (the "spatial anomaly" rule of Numenta's NAB detector): new extremes are what operators ask
 *    about, and on NAB this rule carries most of the score (39.5 without it, 64.9 with it).
 * 6. Hold-off: after an alarm, scores stay below the threshold for `holdOffPoints` points, so one
 *    event raises one alarm (Numenta filters its likelihoods the same way; +2.0 on NAB dev).
 */
export interface StreamingOptions {
  /** points in the short forecast (mean of the last `window` values) */
  window: number;
  /** points seen before scores are reported (state "learning", score 0) */
  learningPoints: number;
  /** score at or above which isAnomaly is true */
  threshold: number;
  /** span (points) of the slow exponentially weighted mean forecast */
  slowSpan: number;
  /** raw scores averaged before the likelihood (Numenta: 10) */
  averagingWindow: number;
  /** half-life (points) of the long-term distribution of averaged raw scores */
  historyHalfLife: number;
  /** fraction of the seen range beyond the seen extremes that scores 1; 0 turns the rule off */
  spatialTolerance: number;
  /** points after an alarm during which scores are held below the threshold; 0 turns it off */
  holdOffPoints: number;
}

export const DEFAULT_STREAMING_OPTIONS: Readonly<StreamingOptions> = Object.freeze({
  window: 30,
  learningPoints: 300,
  threshold: 0.99,
  slowSpan: 100,
  averagingWindow: 10,
  historyHalfLife: 2000,
  spatialTolerance: 0.01,
  holdOffPoints: 50,
});

/*
 * Internal constants, measured on the NAB dev split (standard profile, every other setting at its
 * default) but chosen on plateaus, not peaks: see BENCHMARKS.md.
 */
/** Half-life (points) of the robust residual scales. */
const SCALE_HALF_LIFE = 200;
/** A residual updates its scale with at most this many times the current scale (Huber-style clip). */
const CLIP = 4;
/** Raw score 1 / (1 + (RAW_HALF_POINT / z)^RAW_POWER): 0.5 at z = 5, ~0.03 at z = 2.5, ~0.97 at z = 10.
 * The steep curve keeps ordinary misses near 0, so the short-term mean moves only on real surprises
 * (with the 10-point window and no hold-off, z / (z + 3) scored 52.5 and this curve 53.2). */
const RAW_HALF_POINT = 5;
const RAW_POWER = 4;
/** Raw scores of the first points (scales still settling) are kept out of the long-term distribution. */
const WARMUP_POINTS = 100;
/** Floor of the likelihood's standard deviation, in raw-score units. */
const MINIMUM_LIKELIHOOD_STD = 0.01;
/** Numenta's log transform: -log10(1 - likelihood) / 10, so a tail probability of 1e-10 scores 1. */
const LOG_LIKELIHOOD_DIVISOR = Math.log(1e-10);

export interface StreamingResult {
  /** anomaly score in [0, 1]; 0 while learning */
  score: number;
  isAnomaly: boolean;
  /** the short forecast for this point (mean of the previous `window` values); null on the first point */
  expected: number | null;
  /** value - expected; null on the first point */
  residual: number | null;
  state: "learning" | "scoring";
}

export interface StreamingDetectorJSON {
  version: 1;
  count: number;
  lastTimestamp: number | null;
  /** the last `window` values, oldest first */
  recentValues: number[];
  slowMean: number;
  fastScale: number;
  slowScale: number;
  min: number | null;
  max: number | null;
  /** points since the last alarm; null when there has been none */
  sinceAlarm: number | null;
  likelihood: LikelihoodJSON;
}

export function resolveStreamingOptions(options: Partial<StreamingOptions> = {}): StreamingOptions {
  if (options === null || typeof options !== "object") throw new InputError("options", `expected an object, got ${describeValue(options)}`);
  const merged = { ...DEFAULT_STREAMING_OPTIONS, ...options };
  requirePositiveInteger(merged.window, "window");
  requireWholeAtLeast(merged.learningPoints, "learningPoints", 0);
  requireInRange(merged.threshold, "threshold", 0, 1, "a number in (0, 1]", true);
  requireInRange(merged.slowSpan, "slowSpan", 1, Infinity, "a number >= 1", false);
  requirePositiveInteger(merged.averagingWindow, "averagingWindow");
  requireInRange(merged.historyHalfLife, "historyHalfLife", 1, Infinity, "a number >= 1", false);
  requireInRange(merged.spatialTolerance, "spatialTolerance", 0, Infinity, "a number >= 0", false);
  requireWholeAtLeast(merged.holdOffPoints, "holdOffPoints", 0);
  return merged;
}

function requireWholeAtLeast(value: unknown, field: string, min: number): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new InputError(field, `expected a whole number >= ${min}, got ${describeValue(value)}`);
  }
}

function requireInRange(value: unknown, field: string, min: number, max: number, expected: string, exclusiveMin: boolean): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max || (exclusiveMin && value === min)) {
    throw new InputError(field, `expected ${expected}, got ${describeValue(value)}`);
  }
}

export class StreamingDetector {
  readonly options: StreamingOptions;
  private readonly scaleWeight = 1 - Math.pow(0.5, 1 / SCALE_HALF_LIFE);
  private readonly slowWeight: number;
  private count = 0;
  private lastTimestamp = -Infinity;
  private recentValues: number[] = [];
  private slowMean = 0;
  private fastScale = 0;
  private slowScale = 0;
  private sinceAlarm = Infinity;
  private min = Infinity;
  private max = -Infinity;
  private likelihood: AnomalyLikelihood;

  constructor(options: Partial<StreamingOptions> = {}) {
    this.options = resolveStreamingOptions(options);
    this.slowWeight = 2 / (this.options.slowSpan + 1);
    this.likelihood = new AnomalyLikelihood(this.likelihoodOptions());
  }

  private likelihoodOptions() {
    return { averagingWindow: this.options.averagingWindow, historyHalfLife: this.options.historyHalfLife, minimumStd: MINIMUM_LIKELIHOOD_STD };
  }

  /** Points seen so far. */
  get points(): number {
    return this.count;
  }

  /**
   * Scores `value` observed at `timestamp` (epoch ms; must not go backwards) and then learns it.
   * The score uses only this point and earlier ones.
   */
  update(value: number, timestamp: number): StreamingResult {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new InputError("value", `expected a finite number, got ${describeValue(value)}`);
    }
    if (typeof timestamp !== "number" || !Number.isFinite(timestamp)) {
      throw new InputError("timestamp", `expected epoch milliseconds, got ${describeValue(timestamp)}`);
    }
    if (timestamp < this.lastTimestamp) {
      throw new InputError(
        "timestamp",
        `${new Date(timestamp).toISOString()} is earlier than the previous point (${new Date(this.lastTimestamp).toISOString()}); points must arrive in time order`,
      );
    }
    this.lastTimestamp = timestamp;

    if (this.count === 0) {
      this.count = 1;
      this.recentValues.push(value);
      this.slowMean = value;
      this.min = value;
      this.max = value;
      this.likelihood.update(0, Infinity);
      return { score: 0, isAnomaly: false, expected: null, residual: null, state: this.options.learningPoints > 0 ? "learning" : "scoring" };
    }

    const expected = sum(this.recentValues) / this.recentValues.length;
    const fastResidual = value - expected;
    const slowResidual = value - this.slowMean;
    // Below this a scale is "zero": a flat series then scores any change as far out (z huge) but its
    // own exact repeats as 0/floor = 0.
    const floor = 1e-9 * Math.max(Math.abs(this.max), Math.abs(this.min), 1e-300) + 1e-3 * (this.max - this.min);
    const fastZ = Math.abs(fastResidual) / Math.max(this.fastScale, floor);
    const slowZ = Math.abs(slowResidual) / Math.max(this.slowScale, floor);
    const z = Math.max(fastZ, slowZ);
    // 0 at z = 0, 1 at z = Infinity (a flat series that moves); written so neither end is 0/0.
    const raw = 1 / (1 + Math.pow(RAW_HALF_POINT / z, RAW_POWER));

    const scoring = this.count >= this.options.learningPoints;
    // The first points' scales are still settling (every miss looks huge): keep their raw scores out
    // of the long-term distribution or its variance stays inflated for thousands of points.
    const warmedUp = this.count >= WARMUP_POINTS;
    const tail = this.likelihood.update(raw, Math.max(this.options.learningPoints - WARMUP_POINTS, 1), warmedUp);
    // Numenta's log scale (tail 1e-10 or less scores 1); tail + 1e-10 rather than 1.0000000001 - (1 - tail)
    // keeps the far tail that the subtraction would round away.
    let score = scoring ? Math.min(1, Math.max(0, Math.log(tail + 1e-10) / LOG_LIKELIHOOD_DIVISOR)) : 0;
    if (scoring && this.options.spatialTolerance > 0) {
      const margin = this.options.spatialTolerance * (this.max - this.min);
      if (value > this.max + margin || value < this.min - margin) score = 1;
    }
    if (scoring && this.options.holdOffPoints > 0) {
      // One alarm per event: a level shift or a burst would otherwise raise an alarm on every point
      // (each costs a false positive on NAB, and an operator gets a flood). Scores stay below the
      // threshold for `holdOffPoints` points after an alarm; the event's first point still alarms.
      if (this.sinceAlarm < this.options.holdOffPoints) score = Math.min(score, this.options.threshold / 2);
      this.sinceAlarm = score >= this.options.threshold ? 0 : this.sinceAlarm + 1;
    }

    this.learn(value, fastResidual, slowResidual);
    return { score, isAnomaly: scoring && score >= this.options.threshold, expected, residual: fastResidual, state: scoring ? "scoring" : "learning" };
  }

  private learn(value: number, fastResidual: number, slowResidual: number): void {
    this.count++;
    const w = Math.max(this.scaleWeight, 1 / this.count);
    const fastAbs = Math.abs(fastResidual);
    const slowAbs = Math.abs(slowResidual);
    this.fastScale += w * ((this.fastScale > 0 ? Math.min(fastAbs, CLIP * this.fastScale) : fastAbs) - this.fastScale);
    this.slowScale += w * ((this.slowScale > 0 ? Math.min(slowAbs, CLIP * this.slowScale) : slowAbs) - this.slowScale);
    this.slowMean += Math.max(this.slowWeight, 1 / this.count) * (value - this.slowMean);
    this.recentValues.push(value);
    if (this.recentValues.length > this.options.window) this.recentValues.shift();
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  toJSON(): StreamingDetectorJSON {
    return {
      version: 1,
      count: this.count,
      lastTimestamp: Number.isFinite(this.lastTimestamp) ? this.lastTimestamp : null,
      recentValues: this.recentValues.slice(),
      slowMean: this.slowMean,
      fastScale: this.fastScale,
      slowScale: this.slowScale,
      min: Number.isFinite(this.min) ? this.min : null,
      max: Number.isFinite(this.max) ? this.max : null,
      sinceAlarm: Number.isFinite(this.sinceAlarm) ? this.sinceAlarm : null,
      likelihood: this.likelihood.toJSON(),
    };
  }

  /**
   * Rebuilds a detector from saved state with the current `options` (which may differ from the saved
   * ones: a shorter `window` keeps the newest values). Returns null when the state is not a valid
   * saved detector, so the caller starts afresh instead of crashing on a corrupt context store.
   */
  static fromJSON(json: unknown, options: Partial<StreamingOptions> = {}): StreamingDetector | null {
    const detector = new StreamingDetector(options);
    if (json === null || typeof json !== "object") return null;
    const state = json as Partial<StreamingDetectorJSON>;
    if (state.version !== 1) return null;
    const { count, lastTimestamp, recentValues, slowMean, fastScale, slowScale, min, max } = state;
    if (!Number.isInteger(count) || (count as number) < 0) return null;
    if (lastTimestamp !== null && !isFiniteNumber(lastTimestamp)) return null;
    if (!Array.isArray(recentValues) || !recentValues.every(isFiniteNumber)) return null;
    if (!isFiniteNumber(slowMean) || !isFiniteNumber(fastScale) || !isFiniteNumber(slowScale) || fastScale < 0 || slowScale < 0) return null;
    if ((min !== null && !isFiniteNumber(min)) || (max !== null && !isFiniteNumber(max))) return null;
    const sinceAlarm = state.sinceAlarm ?? null;
    if (sinceAlarm !== null && (!Number.isInteger(sinceAlarm) || sinceAlarm < 0)) return null;
    if ((count as number) > 0 && (recentValues.length === 0 || min === null || max === null)) return null;
    const likelihood = AnomalyLikelihood.fromJSON(state.likelihood, detector.likelihoodOptions());
    if (likelihood === null) return null;
    detector.count = count as number;
    detector.lastTimestamp = lastTimestamp ?? -Infinity;
    detector.recentValues = recentValues.slice(-detector.options.window);
    detector.slowMean = slowMean;
    detector.fastScale = fastScale;
    detector.slowScale = slowScale;
    detector.min = min ?? Infinity;
    detector.max = max ?? -Infinity;
    detector.sinceAlarm = sinceAlarm ?? Infinity;
    detector.likelihood = likelihood;
    return detector;
  }
}

/** A fresh sum of the window each time (window-sized work): a running sum would drift with rounding and
 * would not resume bit-identically from saved state. */
function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}
