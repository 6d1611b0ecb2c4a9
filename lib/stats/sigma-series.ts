import { RollingWindow, type RollingSnapshot, type RollingWindowJSON, type WindowSpec } from "./rolling-window";
import { VariabilityClassifier, type ClassifierConfig, type VariabilityState } from "./variability";

export interface SigmaSeriesConfig {
  window: WindowSpec;
  classifier: ClassifierConfig;
}

export interface SigmaResult extends RollingSnapshot {
  state: VariabilityState;
  /** σ limit between stable and turbulent used for this sample; null while warming */
  limit: number | null;
}

export interface SigmaUpdate {
  result: SigmaResult;
  previousState: VariabilityState;
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
  /** samples left out of the statistics because their quality was not good */
  excluded = 0;

  constructor(config: SigmaSeriesConfig) {
    this.window = new RollingWindow(config.window);
    this.classifier = new VariabilityClassifier(config.classifier);
  }

  push(value: number, timestamp?: number): SigmaUpdate {
    const previousState = this.classifier.current;
    this.window.push(value, timestamp);
    const { state, limit } = this.classifier.classify(this.window.std, this.window.full);
    this.lastLimit = limit;
    return { previousState, result: { ...this.window.snapshot(), state, limit } };
  }

  /** Current figures without adding a sample (for messages whose value was excluded). */
  current(): SigmaResult {
    return { ...this.window.snapshot(), state: this.classifier.current, limit: this.lastLimit };
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
    series.excluded = typeof json.excluded === "number" ? json.excluded : 0;
    return series;
  }
}
