import { InputError, describeValue, requirePositiveInteger } from "../common/errors";
import { SlidingMedian } from "./sliding-median";

export type VariabilityState = "warming" | "stable" | "turbulent";

/**
 * Stable vs turbulent. "fixed": σ above `threshold`. "relative": σ above `factor` × the median σ of the
 * last `referenceSize` full windows (factor 1 is the median split of the thermal-reliability seed).
 * `hysteresis` (0..0.9) widens the band around the limit so a σ hovering on it does not chatter:
 * turbulent above limit·(1+h), stable again below limit·(1−h).
 */
export interface ClassifierConfig {
  mode: "fixed" | "relative";
  threshold: number;
  factor: number;
  referenceSize: number;
  hysteresis: number;
}

export const DEFAULT_CLASSIFIER: ClassifierConfig = {
  mode: "relative",
  threshold: 1,
  factor: 1,
  referenceSize: 100,
  hysteresis: 0,
};

export function validateClassifierConfig(config: ClassifierConfig): ClassifierConfig {
  if (config.mode !== "fixed" && config.mode !== "relative") {
    throw new InputError("classification", `expected "fixed" or "relative", got ${describeValue(config.mode)}`);
  }
  const nonNegative = (value: unknown, field: string): number => {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new InputError(field, `expected a number >= 0, got ${describeValue(value)}`);
    }
    return value;
  };
  const hysteresis = nonNegative(config.hysteresis, "hysteresis");
  if (hysteresis > 0.9) throw new InputError("hysteresis", `expected a fraction from 0 to 0.9, got ${hysteresis}`);
  return {
    mode: config.mode,
    threshold: config.mode === "fixed" ? nonNegative(config.threshold, "threshold") : config.threshold,
    factor: config.mode === "relative" ? nonNegative(config.factor, "factor") : config.factor,
    referenceSize: requirePositiveInteger(config.referenceSize, "referenceSize"),
    hysteresis,
  };
}

/** One step of the stable/turbulent decision with hysteresis around `limit`. */
export function nextState(previous: VariabilityState, std: number, limit: number, hysteresis: number): VariabilityState {
  if (previous === "turbulent") return std < limit * (1 - hysteresis) ? "stable" : "turbulent";
  if (previous === "stable") return std > limit * (1 + hysteresis) ? "turbulent" : "stable";
  return std > limit ? "turbulent" : "stable";
}

export interface Classification {
  state: VariabilityState;
  /** the σ limit the decision used; null while warming */
  limit: number | null;
}

export class VariabilityClassifier {
  readonly config: ClassifierConfig;
  private state: VariabilityState = "warming";
  private readonly reference: SlidingMedian | null;

  constructor(config: ClassifierConfig) {
    this.config = validateClassifierConfig(config);
    this.reference = this.config.mode === "relative" ? new SlidingMedian(this.config.referenceSize) : null;
  }

  get current(): VariabilityState {
    return this.state;
  }

  /** `std` of the current window, or NaN/null while the window is not full. */
  classify(std: number | null, windowFull: boolean): Classification {
    if (!windowFull || std === null || !Number.isFinite(std)) {
      this.state = "warming";
      return { state: "warming", limit: null };
    }
    let limit = this.config.threshold;
    if (this.reference) {
      this.reference.push(std);
      limit = this.config.factor * this.reference.median();
    }
    this.state = nextState(this.state, std, limit, this.config.hysteresis);
    return { state: this.state, limit };
  }

  clear(): void {
    this.state = "warming";
    this.reference?.clear();
  }

  toJSON(): { state: VariabilityState; reference: number[] } {
    return { state: this.state, reference: this.reference ? this.reference.toArray() : [] };
  }

  /** Restores under the current config: the saved reference σ values are replayed into it. */
  static fromJSON(json: { state?: unknown; reference?: unknown }, config: ClassifierConfig): VariabilityClassifier {
    const classifier = new VariabilityClassifier(config);
    if (classifier.reference && Array.isArray(json?.reference)) {
      const saved = json.reference.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
      for (const std of saved.slice(-classifier.config.referenceSize)) classifier.reference.push(std);
    }
    if (json?.state === "stable" || json?.state === "turbulent") classifier.state = json.state;
    return classifier;
  }
}
