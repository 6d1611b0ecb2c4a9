import { InputError } from "../common/errors";
import { RollingWindow, type WindowSpec } from "./rolling-window";
import { nextState, validateClassifierConfig, type ClassifierConfig, type VariabilityState } from "./variability";

export type Alignment = "trailing" | "centred";

export interface BatchSample {
  value: number;
  timestamp?: number;
  /** false when the sample's quality is not good: it is left out and its outputs are null */
  good?: boolean;
}

export interface RollingArrays {
  alignment: Alignment;
  mean: (number | null)[];
  std: (number | null)[];
  populationStd: (number | null)[];
  cv: (number | null)[];
  min: (number | null)[];
  max: (number | null)[];
  /** samples in each window (0 where the window is incomplete or the sample was excluded) */
  n: number[];
  state: VariabilityState[];
  /** the σ limit between stable and turbulent (relative mode: factor × median σ of the whole batch) */
  limit: number | null;
  excluded: number;
}

/**
 * Rolling statistics for historical analysis, one entry per input sample.
 * - trailing: the window ends at the sample; a count window needs `size` samples (pandas min_periods = window),
 *   a time window (t - seconds, t] reports from the first sample (pandas' time-based default).
 * - centred (count windows only): pandas `rolling(w, center=True)`: the window of sample i spans
 *   i - ⌊w/2⌋ … i + ⌈w/2⌉ - 1, null where it would run past either end.
 * Samples marked `good: false` are left out of every window and get nulls.
 */
export function rollingBatch(
  samples: readonly BatchSample[],
  spec: WindowSpec,
  alignment: Alignment,
  classifierConfig: ClassifierConfig,
): RollingArrays {
  const classifier = validateClassifierConfig(classifierConfig);
  if (alignment !== "trailing" && alignment !== "centred") {
    throw new InputError("alignment", `expected "trailing" or "centred", got ${String(alignment)}`);
  }
  if (alignment === "centred" && spec.kind !== "count") {
    throw new InputError("alignment", "centred alignment needs a count window (windowType \"count\")");
  }
  const window = new RollingWindow(spec);
  const total = samples.length;
  const out: RollingArrays = {
    alignment,
    mean: new Array(total).fill(null),
    std: new Array(total).fill(null),
    populationStd: new Array(total).fill(null),
    cv: new Array(total).fill(null),
    min: new Array(total).fill(null),
    max: new Array(total).fill(null),
    n: new Array(total).fill(0),
    state: new Array(total).fill("warming"),
    limit: null,
    excluded: 0,
  };

  // Positions (in the input) of the good samples, in order; windows run over these only.
  const goodIndex: number[] = [];
  for (let i = 0; i < total; i++) {
    if (samples[i].good === false) out.excluded++;
    else goodIndex.push(i);
  }
  const minPeriods = spec.kind === "count" ? spec.size : 1;
  const offset = alignment === "centred" && spec.kind === "count" ? (spec.size - 1) >> 1 : 0;

  for (let j = 0; j < goodIndex.length; j++) {
    const sample = samples[goodIndex[j]];
    try {
      window.push(sample.value, sample.timestamp);
    } catch (err) {
      if (err instanceof InputError) throw new InputError(`payload[${goodIndex[j]}].${err.field}`, err.message.slice(err.field.length + 2));
      throw err;
    }
    // With centring, the window ending at good sample j is reported at good sample j - offset.
    const target = j - offset;
    if (target < 0 || window.n < minPeriods) continue;
    const at = goodIndex[target];
    const snap = window.snapshot();
    out.mean[at] = snap.mean;
    out.std[at] = snap.std;
    out.populationStd[at] = snap.populationStd;
    out.cv[at] = snap.cv;
    out.min[at] = snap.min;
    out.max[at] = snap.max;
    out.n[at] = snap.n;
  }

  const known = out.std.filter((s): s is number => s !== null);
  if (known.length > 0) {
    const limit = classifier.mode === "fixed" ? classifier.threshold : classifier.factor * median(known);
    out.limit = limit;
    let state: VariabilityState = "warming";
    for (let i = 0; i < total; i++) {
      const std = out.std[i];
      if (std === null) continue;
      state = nextState(state, std, limit, classifier.hysteresis);
      out.state[i] = state;
    }
  }
  return out;
}

function median(values: number[]): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
