import { InputError, describeValue, requireFiniteNumber, requirePositiveInteger, requirePositiveNumber } from "../common/errors";
import { LimitAccumulator, type LimitAccumulatorJSON, type Limits, type SigmaMethod, type Zone, controlLimits, validateSigmaMethod, zoneOf } from "./imr";
import { type RuleConfig, type RuleEngineJSON, type RuleId, type RuleInput, RuleEngine, RULE_PRESETS, validateRules } from "./rules";

export type LimitsMode = "fixed" | "baseline" | "rolling";

export interface ChartConfig {
  limits: LimitsMode;
  /** "fixed" only */
  center?: number;
  /** "fixed" only */
  sigma?: number;
  /** "baseline": good points learned before the limits freeze */
  baselineSize: number;
  /** "rolling": points before the current one the limits are computed over */
  window: number;
  sigmaMethod: SigmaMethod;
  sigmaMultiplier: number;
  rules: readonly RuleInput[];
}

export const DEFAULT_CHART_CONFIG: Readonly<ChartConfig> = {
  limits: "baseline",
  baselineSize: 25,
  window: 20,
  sigmaMethod: "moving-range",
  sigmaMultiplier: 3,
  rules: RULE_PRESETS.nelson,
};

export interface ValidChartConfig {
  limits: LimitsMode;
  /** the limits of the "fixed" mode, null otherwise */
  fixed: Limits | null;
  baselineSize: number;
  window: number;
  sigmaMethod: SigmaMethod;
  sigmaMultiplier: number;
  rules: RuleConfig[];
}

/**
 * Missing fields (undefined or null, as an unset editor field arrives) take the defaults; every field
 * is checked and an error names the one to fix.
 */
export function validateChartConfig(config: Partial<ChartConfig>): ValidChartConfig {
  const merged: ChartConfig = { ...DEFAULT_CHART_CONFIG };
  for (const [key, value] of Object.entries(config ?? {})) {
    if (value !== undefined && value !== null) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  const limits = merged.limits;
  if (limits !== "fixed" && limits !== "baseline" && limits !== "rolling") {
    throw new InputError("limits", `expected "fixed", "baseline" or "rolling", got ${describeValue(limits)}`);
  }
  const sigmaMultiplier = requirePositiveNumber(merged.sigmaMultiplier, "sigmaMultiplier");
  const sigmaMethod = validateSigmaMethod(merged.sigmaMethod);
  let fixed: Limits | null = null;
  if (limits === "fixed") {
    if (merged.center === undefined || (merged.center as unknown) === "") throw new InputError("center", "fixed limits need a center");
    if (merged.sigma === undefined || (merged.sigma as unknown) === "") throw new InputError("sigma", "fixed limits need a sigma");
    fixed = controlLimits(merged.center, merged.sigma, sigmaMultiplier);
  }
  const atLeastTwo = (value: unknown, field: string): number => {
    const n = requirePositiveInteger(value, field);
    if (n < 2) throw new InputError(field, `I-MR limits need at least 2 points, got ${n}`);
    return n;
  };
  return {
    limits,
    fixed,
    baselineSize: limits === "baseline" ? atLeastTwo(merged.baselineSize, "baselineSize") : merged.baselineSize,
    window: limits === "rolling" ? atLeastTwo(merged.window, "window") : merged.window,
    sigmaMethod,
    sigmaMultiplier,
    rules: validateRules(merged.rules, sigmaMultiplier),
  };
}

export type ChartState = "learning" | "in-control" | "out-of-control";

export interface ChartPoint {
  value: number;
  /** the limits this point was judged against; null while learning */
  center: number | null;
  sigma: number | null;
  ucl: number | null;
  lcl: number | null;
  zone: Zone | null;
  /** ids of the rules this point violates, in the order of RULE_IDS (a shared frozen array when none) */
  violations: readonly RuleId[];
  state: ChartState;
  /** points seen since the chart started or last relearned, this one included */
  n: number;
}

export interface ControlChartJSON {
  version: 1;
  limits: LimitsMode;
  n: number;
  /** "baseline": the points learned so far; null once frozen */
  baseline: LimitAccumulatorJSON | null;
  /** "baseline": the frozen limits */
  frozen: Limits | null;
  /** "rolling": the last `window` points, oldest first */
  recent: number[];
  rules: RuleEngineJSON;
}

/**
 * A streaming individuals (I-MR) chart with run rules. Limits are fixed, learned from a baseline and
 * then frozen, or recomputed before each point from the `window` points before it. The rules only run
 * on points judged against limits: learning points are reported without a verdict, and the rules start
 * fresh when a baseline freezes or is relearned.
 *
 * Rolling limits are recomputed from the window's points at each step (O(window)) instead of updated
 * incrementally: the window is small, and a recomputation gives bit-identical limits after a restore
 * from toJSON, so a point lying exactly on a line is judged the same before and after a restart.
 * The rules themselves are O(1) per point.
 */
export class ControlChart {
  readonly config: ValidChartConfig;
  private engine: RuleEngine;
  private baseline = new LimitAccumulator();
  private readonly rollingScratch = new LimitAccumulator();
  private frozen: Limits | null = null;
  private readonly recent: Float64Array;
  private recentHead = 0;
  private recentSize = 0;
  private seen = 0;

  constructor(config: Partial<ChartConfig>) {
    this.config = validateChartConfig(config);
    this.engine = new RuleEngine(this.config.rules);
    this.recent = new Float64Array(this.config.limits === "rolling" ? this.config.window : 0);
  }

  /** Points seen since the chart started or last relearned. */
  get n(): number {
    return this.seen;
  }

  /** The limits the next point will be judged against; null while learning. */
  get limits(): Limits | null {
    switch (this.config.limits) {
      case "fixed":
        return this.config.fixed;
      case "baseline":
        return this.frozen;
      default:
        return this.recentSize === this.recent.length ? this.rollingLimits() : null;
    }
  }

  get learning(): boolean {
    return this.limits === null;
  }

  /** Adds a point; a value that is not a finite number throws an InputError naming `field` and changes nothing. */
  push(value: number, field = "value"): ChartPoint {
    requireFiniteNumber(value, field);
    this.seen++;
    let limits: Limits | null;
    switch (this.config.limits) {
      case "fixed":
        limits = this.config.fixed;
        break;
      case "baseline":
        limits = this.frozen;
        if (limits === null) {
          this.baseline.add(value);
          if (this.baseline.n >= this.config.baselineSize) {
            this.frozen = this.baseline.limits(this.config.sigmaMethod, this.config.sigmaMultiplier, "baselineSize");
            this.baseline.clear();
          }
        }
        break;
      default:
        limits = this.recentSize === this.recent.length ? this.rollingLimits() : null;
        this.remember(value);
    }
    if (limits === null) {
      return { value, center: null, sigma: null, ucl: null, lcl: null, zone: null, violations: [], state: "learning", n: this.seen };
    }
    const violations = this.engine.evaluate(value, limits);
    return {
      value,
      center: limits.center,
      sigma: limits.sigma,
      ucl: limits.ucl,
      lcl: limits.lcl,
      zone: zoneOf(value, limits),
      violations,
      state: violations.length > 0 ? "out-of-control" : "in-control",
      n: this.seen,
    };
  }

  /** Starts over: a new baseline, an empty rolling window, and the run rules forget every run. */
  relearn(): void {
    this.seen = 0;
    this.baseline.clear();
    this.frozen = null;
    this.recentHead = 0;
    this.recentSize = 0;
    this.engine.reset();
  }

  toJSON(): ControlChartJSON {
    const recent = new Array<number>(this.recentSize);
    for (let i = 0; i < this.recentSize; i++) recent[i] = this.recent[(this.recentHead + i) % this.recent.length];
    return {
      version: 1,
      limits: this.config.limits,
      n: this.seen,
      baseline: this.config.limits === "baseline" && this.frozen === null ? this.baseline.toJSON() : null,
      frozen: this.frozen ? { ...this.frozen } : null,
      recent,
      rules: this.engine.toJSON(),
    };
  }

  /**
   * Restores a saved chart under `config` (the current configuration). Null when the save is unusable
   * or was made in another limits mode, so the caller starts a fresh chart. A baseline that was still
   * learning continues; one that froze keeps its limits even if baselineSize changed (relearn to apply
   * it). A rolling window keeps the newest points that fit the current window size.
   */
  static fromJSON(json: unknown, config: Partial<ChartConfig>): ControlChart | null {
    const chart = new ControlChart(config);
    if (json === null || typeof json !== "object") return null;
    const saved = json as Partial<ControlChartJSON>;
    if (saved.version !== 1 || saved.limits !== chart.config.limits) return null;
    if (typeof saved.n !== "number" || !Number.isInteger(saved.n) || saved.n < 0) return null;
    const engine = RuleEngine.fromJSON(saved.rules, chart.config.rules);
    if (!engine) return null;
    if (chart.config.limits === "baseline") {
      if (saved.frozen) {
        const frozen = readLimits(saved.frozen);
        if (!frozen) return null;
        chart.frozen = frozen;
      } else {
        const baseline = LimitAccumulator.fromJSON(saved.baseline);
        if (!baseline) return null;
        chart.baseline = baseline;
        // baselineSize lowered below the points already learned: those points are the baseline.
        if (baseline.n >= chart.config.baselineSize) {
          chart.frozen = baseline.limits(chart.config.sigmaMethod, chart.config.sigmaMultiplier, "baselineSize");
          baseline.clear();
        }
      }
    }
    if (chart.config.limits === "rolling") {
      if (!Array.isArray(saved.recent) || !saved.recent.every((x) => typeof x === "number" && Number.isFinite(x))) return null;
      for (const x of saved.recent.slice(-chart.recent.length)) chart.remember(x);
    }
    chart.engine = engine;
    chart.seen = saved.n;
    return chart;
  }

  private remember(value: number): void {
    const capacity = this.recent.length;
    if (this.recentSize < capacity) {
      this.recent[(this.recentHead + this.recentSize) % capacity] = value;
      this.recentSize++;
    } else {
      this.recent[this.recentHead] = value;
      this.recentHead = (this.recentHead + 1) % capacity;
    }
  }

  private rollingLimits(): Limits {
    const scratch = this.rollingScratch;
    scratch.clear();
    const capacity = this.recent.length;
    for (let i = 0; i < this.recentSize; i++) scratch.add(this.recent[(this.recentHead + i) % capacity]);
    return scratch.limits(this.config.sigmaMethod, this.config.sigmaMultiplier, "window");
  }
}

function readLimits(json: unknown): Limits | null {
  if (json === null || typeof json !== "object") return null;
  const { center, sigma, ucl, lcl } = json as Partial<Limits>;
  const finite = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
  if (!finite(center) || !finite(sigma) || sigma < 0 || !finite(ucl) || !finite(lcl)) return null;
  return { center, sigma, ucl, lcl };
}

export interface BatchResult {
  /** the limits in force after the last point (the frozen baseline, the fixed limits, or the next rolling limits) */
  limits: Limits | null;
  points: ChartPoint[];
}

/**
 * Runs a fresh chart over a whole series. It is the streaming chart itself, point by point, so the
 * results are by construction exactly those of streaming the same values.
 */
export function runChart(values: readonly unknown[], config: Partial<ChartConfig>, field = "values"): BatchResult {
  if (!Array.isArray(values)) throw new InputError(field, `expected an array of numbers, got ${describeValue(values)}`);
  // Check every value first so a bad element fails the whole batch before any work is done.
  for (let i = 0; i < values.length; i++) requireFiniteNumber(values[i], `${field}[${i}]`);
  const chart = new ControlChart(config);
  const points = values.map((value, i) => chart.push(value as number, `${field}[${i}]`));
  return { limits: chart.limits, points };
}
