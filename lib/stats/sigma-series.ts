import { RollingWindow, coefficientOfVariation, finiteOrNull, type RollingSnapshot, type RollingWindowJSON, type WindowSpec } from "./rolling-window";
import { VariabilityClassifier, type ClassifierConfig, type VariabilityState } from "./variability";

export interface SigmaSeriesConfig {
  window: WindowSpec;
  classifier: ClassifierConfig;
}

export interface SigmaResult extends RollingSnapshot {
  state: VariabilityState;
  /** σ limit between stable and turbulent used for this sample; null while warming */
  limit: number | null;
  /** samples left out of the statistics because their quality was not good */
  excluded: number;
  /** whether this sample entered the statistics */
  used: boolean;
}

export interface SigmaSeriesJSON {
  window: RollingWindowJSON;
  classifier: { state: VariabilityState; reference: number[] };
  excluded: number;
}

/** One series (one tag): its rolling window and its stable/turbulent state. */
export class SigmaSeries {
  private window: RollingWindow;
  private classifier: VariabilityClassifier;
  private lastLimit: number | null = null;
  private excluded = 0;
  /** the state before the latest push, to tell a change of state */
  previousState: VariabilityState = "warming";

  constructor(config: SigmaSeriesConfig) {
    this.window = new RollingWindow(config.window);
    this.classifier = new VariabilityClassifier(config.classifier);
  }

  get state(): VariabilityState {
    return this.classifier.current;
  }

  push(value: number, timestamp?: number): SigmaResult {
    this.previousState = this.classifier.current;
    this.window.push(value, timestamp);
    this.lastLimit = this.classifier.classify(this.window.std, this.window.full).limit;
    return this.result(true);
  }

  /** Counts a sample whose quality is not good and returns the figures unchanged. */
  exclude(): SigmaResult {
    this.previousState = this.classifier.current;
    this.excluded++;
    return this.result(false);
  }

  toJSON(): SigmaSeriesJSON {
    return { window: this.window.toJSON(), classifier: this.classifier.toJSON(), excluded: this.excluded };
  }

  /**
   * Restores saved state under the current configuration. Throws when the saved window cannot be used
   * with it (a count window saved, a time window configured), so the caller can say so and start afresh.
   */
  static fromJSON(json: SigmaSeriesJSON, config: SigmaSeriesConfig): SigmaSeries {
    const series = new SigmaSeries(config);
    const window = RollingWindow.fromJSON(json?.window, config.window);
    if (!window) throw new Error("the saved window does not fit the configured window type");
    series.window = window;
    series.classifier = VariabilityClassifier.fromJSON(json.classifier, config.classifier);
    series.previousState = series.classifier.current;
    series.excluded = typeof json.excluded === "number" ? json.excluded : 0;
    return series;
  }

  // Built as one literal rather than a spread or an extended snapshot: this runs for every message,
  // and both alternatives measured 10-15 % slower through the node.
  private result(used: boolean): SigmaResult {
    const window = this.window;
    const n = window.n;
    const mean = window.mean;
    const std = window.std;
    return {
      mean: finiteOrNull(mean),
      std: finiteOrNull(std),
      populationStd: finiteOrNull(window.populationStd),
      cv: coefficientOfVariation(n, mean, std),
      min: finiteOrNull(window.min),
      max: finiteOrNull(window.max),
      n,
      state: this.classifier.current,
      limit: this.lastLimit,
      excluded: this.excluded,
      used,
    };
  }
}
