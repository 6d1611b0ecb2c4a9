import { InputError, describeValue, requireFiniteNumber, requirePositiveNumber } from "../common/errors";

/** d2 for moving ranges of two consecutive points: E[range of 2 normals] / σ. */
export const D2 = 1.128;

export type SigmaMethod = "moving-range" | "std";

export interface Limits {
  center: number;
  sigma: number;
  ucl: number;
  lcl: number;
}

/**
 * Where a point lies. Zones are bounded by the 1σ and 2σ lines and the control limits; a point exactly
 * on a line belongs to the inner zone, the same "beyond is strict" convention the run rules use.
 */
export type Zone =
  | "above-ucl"
  | "upper-a"
  | "upper-b"
  | "upper-c"
  | "center"
  | "lower-c"
  | "lower-b"
  | "lower-a"
  | "below-lcl";

export function validateSigmaMethod(value: unknown): SigmaMethod {
  if (value === "moving-range" || value === "std") return value;
  throw new InputError("sigmaMethod", `expected "moving-range" or "std", got ${describeValue(value)}`);
}

/** Limits at ±multiplier·σ around a known centre (the "fixed" mode and every learned estimate). */
export function controlLimits(center: number, sigma: number, multiplier: number): Limits {
  requireFiniteNumber(center, "center");
  requirePositiveNumber(sigma, "sigma");
  requirePositiveNumber(multiplier, "sigmaMultiplier");
  return { center, sigma, ucl: center + multiplier * sigma, lcl: center - multiplier * sigma };
}

/**
 * Compares against the lines as they are reported (center + k·σ) rather than a z-score, so a value
 * equal to the displayed UCL is never called "beyond" because of a rounding in (x − c)/σ.
 */
export function zoneOf(value: number, limits: Limits): Zone {
  const { center, sigma } = limits;
  if (value > center) {
    if (value > limits.ucl) return "above-ucl";
    if (value > center + 2 * sigma) return "upper-a";
    if (value > center + sigma) return "upper-b";
    return "upper-c";
  }
  if (value < center) {
    if (value < limits.lcl) return "below-lcl";
    if (value < center - 2 * sigma) return "lower-a";
    if (value < center - sigma) return "lower-b";
    return "lower-c";
  }
  return "center";
}

export interface LimitAccumulatorJSON {
  n: number;
  mean: number;
  m2: number;
  movingRangeSum: number;
  last: number | null;
}

/**
 * Mean, sample variance (Welford, stable on large offsets) and the sum of moving ranges of a sample,
 * one point at a time. The baseline learns with it incrementally and the rolling window replays its
 * ring through it, so both modes give bit-identical limits for the same points.
 */
export class LimitAccumulator {
  private count = 0;
  private mean = 0;
  private m2 = 0;
  private movingRangeSum = 0;
  private last = NaN;

  get n(): number {
    return this.count;
  }

  add(value: number): void {
    if (this.count > 0) this.movingRangeSum += Math.abs(value - this.last);
    this.count++;
    const delta = value - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (value - this.mean);
    this.last = value;
  }

  clear(): void {
    this.count = 0;
    this.mean = 0;
    this.m2 = 0;
    this.movingRangeSum = 0;
    this.last = NaN;
  }

  /** MR̄: the mean of the n − 1 moving ranges; NaN with fewer than 2 points. */
  get movingRangeMean(): number {
    return this.count < 2 ? NaN : this.movingRangeSum / (this.count - 1);
  }

  sigma(method: SigmaMethod): number {
    if (this.count < 2) return NaN;
    if (method === "moving-range") return this.movingRangeMean / D2;
    return Math.sqrt(Math.max(this.m2, 0) / (this.count - 1));
  }

  /**
   * Learned limits. A constant sample gives σ = 0: kept as is (every point off the centre is then
   * beyond every line) rather than rejected, because a stuck but legitimate signal must not crash a flow.
   */
  limits(method: SigmaMethod, multiplier: number, field = "values"): Limits {
    if (this.count < 2) throw new InputError(field, `I-MR limits need at least 2 points, got ${this.count}`);
    const sigma = this.sigma(method);
    return { center: this.mean, sigma, ucl: this.mean + multiplier * sigma, lcl: this.mean - multiplier * sigma };
  }

  toJSON(): LimitAccumulatorJSON {
    return {
      n: this.count,
      mean: this.mean,
      m2: this.m2,
      movingRangeSum: this.movingRangeSum,
      last: this.count > 0 ? this.last : null,
    };
  }

  /** Null when the saved object is not a plausible accumulator (a corrupt or foreign store entry). */
  static fromJSON(json: unknown): LimitAccumulator | null {
    if (json === null || typeof json !== "object") return null;
    const saved = json as Partial<LimitAccumulatorJSON>;
    const finite = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
    if (!finite(saved.n) || !Number.isInteger(saved.n) || saved.n < 0) return null;
    if (!finite(saved.mean) || !finite(saved.m2) || !finite(saved.movingRangeSum)) return null;
    if (saved.n > 0 && !finite(saved.last)) return null;
    const accumulator = new LimitAccumulator();
    accumulator.count = saved.n;
    accumulator.mean = saved.mean;
    accumulator.m2 = saved.m2;
    accumulator.movingRangeSum = saved.movingRangeSum;
    accumulator.last = saved.n > 0 ? (saved.last as number) : NaN;
    return accumulator;
  }
}

/** I-MR limits of a whole sample (Phase I): centre x̄, σ from MR̄/d2 or the sample standard deviation. */
export function imrLimits(values: readonly number[], sigmaMethod: SigmaMethod = "moving-range", multiplier = 3): Limits {
  validateSigmaMethod(sigmaMethod);
  requirePositiveNumber(multiplier, "sigmaMultiplier");
  const accumulator = new LimitAccumulator();
  for (let i = 0; i < values.length; i++) accumulator.add(requireFiniteNumber(values[i], `values[${i}]`));
  return accumulator.limits(sigmaMethod, multiplier);
}
