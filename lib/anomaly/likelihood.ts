/**
 * Numenta's anomaly likelihood (Ahmad et al. 2017, "Unsupervised real-time anomaly detection for
 * streaming data", section 3.3), in O(1) state.
 *
 * A raw anomaly score (here: how badly the forecast missed) is noisy, and its level differs from one
 * series to the next: a noisy series misses often, a smooth one rarely. The likelihood asks instead
 * "is the recent mean of the raw scores unusual for this series?": it fits a normal distribution to
 * the long-term history of the short-term means and reports the tail probability of the current one.
 * A single large miss on a noisy series moves the short mean little; a run of misses, or one miss on
 * a series that never misses, moves it far into the tail.
 *
 * Numenta keeps the last 8 640 averaged scores and refits every 100 points. The state of a node is
 * saved per topic, so instead the long-term mean and variance are exponentially weighted
 * (half-life `historyHalfLife` points): a handful of numbers, updated in O(1), and the same
 * "recent months matter, old ones fade" behaviour.
 */
export interface LikelihoodJSON {
  /** the last `averagingWindow` raw scores, oldest first */
  recent: number[];
  /** averaged scores folded into the long-term distribution */
  count: number;
  mean: number;
  variance: number;
}

export interface LikelihoodOptions {
  averagingWindow: number;
  historyHalfLife: number;
  /** smallest standard deviation of the averaged score, in raw-score units (see `probability`) */
  minimumStd: number;
}

/** Upper tail probability of the standard normal, Q(z) = P(Z > z) (Abramowitz-Stegun 7.1.26 via erfc). */
export function normalTail(z: number): number {
  // erfc with the W. J. Cody-style rational approximation from Numerical Recipes (erfcc), relative
  // error < 1.2e-7 everywhere, which is enough for a score that is later thresholded; hand-written
  // because jstat's normal cdf computes 1 - cdf and loses the far tail (it returns 0 beyond z ≈ 8).
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const y =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  const erfc = x >= 0 ? y : 2 - y;
  return erfc / 2;
}

export class AnomalyLikelihood {
  private readonly options: LikelihoodOptions;
  private readonly decay: number;
  private recent: number[] = [];
  private count = 0;
  private mean = 0;
  private variance = 0;

  constructor(options: LikelihoodOptions) {
    this.options = options;
    this.decay = Math.pow(0.5, 1 / options.historyHalfLife);
  }

  /**
   * Adds a raw score and returns the tail probability of the new short-term mean under the long-term
   * distribution seen *before* it (so an anomaly is judged against normal history, then learnt).
   * Returns 0.5 (no opinion) until `minimumHistory` averaged scores have been seen.
   */
  update(rawScore: number, minimumHistory: number, learn = true): number {
    this.recent.push(rawScore);
    if (this.recent.length > this.options.averagingWindow) this.recent.shift();
    // A fresh sum (window-sized work) rather than a running one: no rounding drift, and a detector
    // restored from JSON continues bit-identically.
    let total = 0;
    for (const r of this.recent) total += r;
    const averaged = total / this.recent.length;

    let tail = 0.5;
    if (this.count >= minimumHistory) {
      const std = Math.max(Math.sqrt(this.variance), this.options.minimumStd);
      tail = normalTail((averaged - this.mean) / std);
    }
    if (learn) this.learn(averaged);
    return tail;
  }

  private learn(averaged: number): void {
    this.count++;
    // Exponentially weighted mean and variance (West 1979 incremental form); the weight of a new
    // point is at least 1/count so the first points are a plain average rather than a biased start.
    const weight = Math.max(1 - this.decay, 1 / this.count);
    const delta = averaged - this.mean;
    this.mean += weight * delta;
    this.variance = (1 - weight) * (this.variance + weight * delta * delta);
  }

  toJSON(): LikelihoodJSON {
    return { recent: this.recent.slice(), count: this.count, mean: this.mean, variance: this.variance };
  }

  static fromJSON(json: unknown, options: LikelihoodOptions): AnomalyLikelihood | null {
    if (json === null || typeof json !== "object") return null;
    const state = json as Partial<LikelihoodJSON>;
    const { recent, count, mean, variance } = state;
    if (!Array.isArray(recent) || !recent.every(isFiniteNumber)) return null;
    if (!Number.isInteger(count) || (count as number) < 0 || !isFiniteNumber(mean) || !isFiniteNumber(variance) || variance < 0) return null;
    const likelihood = new AnomalyLikelihood(options);
    likelihood.recent = recent.slice(-options.averagingWindow);
    likelihood.count = count as number;
    likelihood.mean = mean;
    likelihood.variance = variance;
    return likelihood;
  }
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}
