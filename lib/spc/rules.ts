import { InputError, describeValue, requirePositiveInteger, requirePositiveNumber } from "../common/errors";
import type { Limits } from "./imr";

export const RULE_IDS = [
  "nelson-1",
  "nelson-2",
  "nelson-3",
  "nelson-4",
  "nelson-5",
  "nelson-6",
  "nelson-7",
  "nelson-8",
  "we-1",
  "we-2",
  "we-3",
  "we-4",
] as const;

export type RuleId = (typeof RULE_IDS)[number];

/** Minitab's default K for each test; the Western Electric rules are the same tests with their classic counts. */
export const DEFAULT_K: Readonly<Record<RuleId, number>> = {
  "nelson-1": 3,
  "nelson-2": 9,
  "nelson-3": 6,
  "nelson-4": 14,
  "nelson-5": 2,
  "nelson-6": 4,
  "nelson-7": 15,
  "nelson-8": 8,
  "we-1": 3,
  "we-2": 2,
  "we-3": 4,
  "we-4": 8,
};

export const RULE_DESCRIPTIONS: Readonly<Record<RuleId, string>> = {
  "nelson-1": "1 point beyond Kσ",
  "nelson-2": "K points in a row on the same side of the centre",
  "nelson-3": "K points in a row all increasing or all decreasing",
  "nelson-4": "K points in a row alternating up and down",
  "nelson-5": "K of K+1 points beyond 2σ on the same side",
  "nelson-6": "K of K+1 points beyond 1σ on the same side",
  "nelson-7": "K points in a row within 1σ on either side",
  "nelson-8": "K points in a row beyond 1σ, on both sides of the centre",
  "we-1": "1 point beyond Kσ",
  "we-2": "K of K+1 points beyond 2σ on the same side",
  "we-3": "K of K+1 points beyond 1σ on the same side",
  "we-4": "K points in a row on the same side of the centre",
};

export const RULE_PRESETS: Readonly<Record<"nelson" | "western-electric" | "rule-1", readonly RuleId[]>> = {
  nelson: ["nelson-1", "nelson-2", "nelson-3", "nelson-4", "nelson-5", "nelson-6", "nelson-7", "nelson-8"],
  "western-electric": ["we-1", "we-2", "we-3", "we-4"],
  "rule-1": ["nelson-1"],
};

export interface RuleConfig {
  id: RuleId;
  k: number;
}

/** A rule as configured: its id alone (Minitab's K) or with its own K. */
export type RuleInput = RuleId | { id: RuleId; k?: number };

const NO_VIOLATIONS: readonly RuleId[] = Object.freeze([]);

/**
 * The ids for each combination of flags, built once and frozen: a point out of control then costs
 * no allocation either, and results can be shared safely.
 */
const violationsByFlags = new Array<readonly RuleId[] | undefined>(1 << RULE_IDS.length);

function violationsOf(flags: number): readonly RuleId[] {
  let ids = violationsByFlags[flags];
  if (ids === undefined) {
    ids = Object.freeze(RULE_IDS.filter((_, i) => (flags & (1 << i)) !== 0));
    violationsByFlags[flags] = ids;
  }
  return ids;
}

const enum Kind {
  Beyond,
  SameSide,
  Trend,
  Alternating,
  KOfKPlusOne,
  Within1,
  Mixture,
}

interface RuleShape {
  kind: Kind;
  /** for the K-of-K+1 rules: the σ line the points must be beyond */
  level: number;
  /** the smallest K that still means something for this shape */
  minK: number;
}

const SHAPES: Readonly<Record<RuleId, RuleShape>> = {
  "nelson-1": { kind: Kind.Beyond, level: 0, minK: 0 },
  "nelson-2": { kind: Kind.SameSide, level: 0, minK: 1 },
  "nelson-3": { kind: Kind.Trend, level: 0, minK: 2 },
  "nelson-4": { kind: Kind.Alternating, level: 0, minK: 3 },
  "nelson-5": { kind: Kind.KOfKPlusOne, level: 2, minK: 1 },
  "nelson-6": { kind: Kind.KOfKPlusOne, level: 1, minK: 1 },
  "nelson-7": { kind: Kind.Within1, level: 0, minK: 1 },
  "nelson-8": { kind: Kind.Mixture, level: 0, minK: 2 },
  "we-1": { kind: Kind.Beyond, level: 0, minK: 0 },
  "we-2": { kind: Kind.KOfKPlusOne, level: 2, minK: 1 },
  "we-3": { kind: Kind.KOfKPlusOne, level: 1, minK: 1 },
  "we-4": { kind: Kind.SameSide, level: 0, minK: 1 },
};

function isRuleId(value: unknown): value is RuleId {
  return typeof value === "string" && (RULE_IDS as readonly string[]).includes(value);
}

/**
 * Validates the configured rules and fills in K. `beyondK` is the default K of the "1 point beyond"
 * rules: the chart passes its σ multiplier so that, as in Minitab (where test 1's K is what places the
 * limits), a point beyond the drawn UCL/LCL is the point rule 1 flags. Duplicates keep the first entry;
 * the result is in the canonical order of RULE_IDS so reported violations have a stable order.
 */
export function validateRules(rules: readonly RuleInput[], beyondK: number = DEFAULT_K["nelson-1"]): RuleConfig[] {
  if (!Array.isArray(rules)) throw new InputError("rules", `expected an array of rule ids, got ${describeValue(rules)}`);
  const chosen = new Map<RuleId, number>();
  rules.forEach((entry, index) => {
    const field = `rules[${index}]`;
    const id = typeof entry === "object" && entry !== null ? (entry as { id: unknown }).id : entry;
    if (!isRuleId(id)) throw new InputError(field, `expected one of ${RULE_IDS.join(", ")}, got ${describeValue(id)}`);
    if (chosen.has(id)) return;
    const shape = SHAPES[id];
    const given = typeof entry === "object" && entry !== null ? (entry as { k?: unknown }).k : undefined;
    let k: number;
    if (shape.kind === Kind.Beyond) {
      k = given === undefined ? beyondK : requirePositiveNumber(given, `${field}.k`);
    } else {
      k = given === undefined ? DEFAULT_K[id] : requirePositiveInteger(given, `${field}.k`);
      if (k < shape.minK) throw new InputError(`${field}.k`, `${id} needs K >= ${shape.minK}, got ${k}`);
    }
    chosen.set(id, k);
  });
  return RULE_IDS.filter((id) => chosen.has(id)).map((id) => ({ id, k: chosen.get(id) as number }));
}

export interface RuleEngineJSON {
  version: 1;
  /** points evaluated since the last reset */
  seen: number;
  previous: number | null;
  /** direction of the last step: 1 up, -1 down, 0 flat or none yet */
  lastStep: number;
  /** signed length of the current same-side run (+ above, − below) */
  sideRun: number;
  trendRun: number;
  alternatingRun: number;
  within1Run: number;
  beyond1Run: number;
  /** points since the latest point beyond +1σ / −1σ (0 = the current one) */
  sinceAbove1: number;
  sinceBelow1: number;
  /** bands (−2..2, σ lines strictly beyond, signed by side) of the newest points, oldest first */
  bands: number[];
}

/**
 * All the run rules at once, O(1) per point whatever K is: each pattern is tracked by a run length or a
 * windowed count, never by rescanning history. The state is a dozen numbers plus the bands of the last
 * max(K+1) points that the "K of K+1" rules need.
 *
 * Flagging follows qcc 3 and Minitab: the point that completes a pattern is flagged and so is every
 * later point that still completes one; the earlier points of the run are not.
 */
export class RuleEngine {
  readonly rules: readonly RuleConfig[];
  /** K of each rule by its index in RULE_IDS; Infinity for a rule that is off, so its check never passes */
  private readonly k = new Float64Array(RULE_IDS.length).fill(Infinity);
  // One window counter per distinct (σ level, K) of the K-of-K+1 rules, shared by the rules that
  // ask the same question (nelson-5 and we-2 by default): points of the window beyond the level.
  /** counter of each rule by its index in RULE_IDS, −1 for none */
  private readonly windowOf = new Int32Array(RULE_IDS.length).fill(-1);
  private readonly windowLevel: Int8Array;
  private readonly windowK: Int32Array;
  private readonly countAbove: Int32Array;
  private readonly countBelow: Int32Array;
  private readonly bands: Int8Array;
  /** the longest K-of-K+1 window: how many bands the state must keep */
  private readonly historySize: number;
  /** ring capacity − 1; the capacity is a power of two so wrapping is a mask, not a division */
  private readonly mask: number;
  private head = 0;
  private seen = 0;
  private previous = NaN;
  private lastStep = 0;
  private sideRun = 0;
  private trendRun = 0;
  private alternatingRun = 0;
  private within1Run = 0;
  private beyond1Run = 0;
  private sinceAbove1 = Infinity;
  private sinceBelow1 = Infinity;
  // Lines of the limits last seen; recomputed only when the limits object changes.
  private linesFor: Limits | null = null;
  private above1 = 0;
  private above2 = 0;
  private below1 = 0;
  private below2 = 0;
  private nelson1High = Infinity;
  private nelson1Low = -Infinity;
  private we1High = Infinity;
  private we1Low = -Infinity;

  /** `rules` as returned by validateRules. */
  constructor(rules: readonly RuleConfig[]) {
    this.rules = rules.map((rule) => ({ ...rule }));
    const windows: Array<{ level: number; k: number }> = [];
    let historySize = 1;
    for (const rule of rules) {
      const index = RULE_IDS.indexOf(rule.id);
      this.k[index] = rule.k;
      const shape = SHAPES[rule.id];
      if (shape.kind !== Kind.KOfKPlusOne) continue;
      let w = windows.findIndex((window) => window.level === shape.level && window.k === rule.k);
      if (w < 0) w = windows.push({ level: shape.level, k: rule.k }) - 1;
      this.windowOf[index] = w;
      historySize = Math.max(historySize, rule.k + 1);
    }
    this.windowLevel = Int8Array.from(windows, (window) => window.level);
    this.windowK = Int32Array.from(windows, (window) => window.k);
    this.countAbove = new Int32Array(windows.length);
    this.countBelow = new Int32Array(windows.length);
    this.historySize = historySize;
    let capacity = 1;
    while (capacity < historySize) capacity *= 2;
    this.mask = capacity - 1;
    this.bands = new Int8Array(capacity);
  }

  /** Points evaluated since the last reset. */
  get evaluated(): number {
    return this.seen;
  }

  reset(): void {
    this.head = 0;
    this.seen = 0;
    this.previous = NaN;
    this.lastStep = 0;
    this.sideRun = 0;
    this.trendRun = 0;
    this.alternatingRun = 0;
    this.within1Run = 0;
    this.beyond1Run = 0;
    this.sinceAbove1 = Infinity;
    this.sinceBelow1 = Infinity;
    this.countAbove.fill(0);
    this.countBelow.fill(0);
  }

  /**
   * Evaluates the next point against the limits in force for it and returns the ids of the rules it
   * violates, as a frozen array shared by every point with the same violations, so that evaluating
   * allocates nothing. `limits` is treated as immutable: its lines are cached per limits object.
   */
  evaluate(value: number, limits: Limits): readonly RuleId[] {
    if (limits !== this.linesFor) this.computeLines(limits);
    const center = limits.center;
    const side = value > center ? 1 : value < center ? -1 : 0;
    const band = value > this.above1 ? (value > this.above2 ? 2 : 1) : value < this.below1 ? (value < this.below2 ? -2 : -1) : 0;

    // A flat step (repeated value) ends both a trend and an alternation; the point starts a new one.
    const step = this.seen === 0 ? 0 : value > this.previous ? 1 : value < this.previous ? -1 : 0;
    if (step === 0) {
      this.trendRun = 1;
      this.alternatingRun = 1;
    } else {
      this.trendRun = step === this.lastStep ? this.trendRun + 1 : 2;
      this.alternatingRun = step === -this.lastStep ? this.alternatingRun + 1 : 2;
    }
    this.lastStep = step;
    this.previous = value;

    // A point on the centre belongs to neither side, so it ends a same-side run.
    this.sideRun = side === 0 ? 0 : Math.sign(this.sideRun) === side ? this.sideRun + side : side;
    this.within1Run = band === 0 ? this.within1Run + 1 : 0;
    this.beyond1Run = band === 0 ? 0 : this.beyond1Run + 1;
    this.sinceAbove1 = band > 0 ? 0 : this.sinceAbove1 + 1;
    this.sinceBelow1 = band < 0 ? 0 : this.sinceBelow1 + 1;

    const seenBefore = this.seen;
    this.seen++;
    for (let w = 0; w < this.windowK.length; w++) {
      const level = this.windowLevel[w];
      const size = this.windowK[w] + 1;
      if (seenBefore >= size) {
        const leaving = this.bands[(this.head - size) & this.mask];
        if (leaving >= level) this.countAbove[w]--;
        else if (leaving <= -level) this.countBelow[w]--;
      }
      if (band >= level) this.countAbove[w]++;
      else if (band <= -level) this.countBelow[w]++;
    }
    this.bands[this.head] = band;
    this.head = (this.head + 1) & this.mask;

    // Straight-line checks in RULE_IDS order, one bit each: with every rule on this is ~2× faster
    // than dispatching on a rule list, and a rule that is off costs one comparison with Infinity.
    const k = this.k;
    const sameSide = Math.abs(this.sideRun);
    let flags = 0;
    if (value > this.nelson1High || value < this.nelson1Low) flags |= 1;
    if (sameSide >= k[1]) flags |= 1 << 1;
    if (this.trendRun >= k[2]) flags |= 1 << 2;
    if (this.alternatingRun >= k[3]) flags |= 1 << 3;
    if (this.windowHit(4, band)) flags |= 1 << 4;
    if (this.windowHit(5, band)) flags |= 1 << 5;
    if (this.within1Run >= k[6]) flags |= 1 << 6;
    // K in a row beyond 1σ whose last K points include both sides (Nelson 1984, as qcc/SAS/JMP).
    if (this.beyond1Run >= k[7] && this.sinceAbove1 < k[7] && this.sinceBelow1 < k[7]) flags |= 1 << 7;
    if (value > this.we1High || value < this.we1Low) flags |= 1 << 8;
    if (this.windowHit(9, band)) flags |= 1 << 9;
    if (this.windowHit(10, band)) flags |= 1 << 10;
    if (sameSide >= k[11]) flags |= 1 << 11;
    return flags === 0 ? NO_VIOLATIONS : violationsOf(flags);
  }

  /** Only complete windows count, and the flagged point must itself be beyond the line. */
  private windowHit(rule: number, band: number): boolean {
    const w = this.windowOf[rule];
    if (w < 0) return false;
    const k = this.windowK[w];
    const level = this.windowLevel[w];
    return this.seen > k && ((band >= level && this.countAbove[w] >= k) || (band <= -level && this.countBelow[w] >= k));
  }

  toJSON(): RuleEngineJSON {
    const kept = Math.min(this.seen, this.historySize);
    const bands = new Array<number>(kept);
    for (let i = 0; i < kept; i++) bands[i] = this.bands[(this.head - kept + i) & this.mask];
    return {
      version: 1,
      seen: this.seen,
      previous: this.seen > 0 ? this.previous : null,
      lastStep: this.lastStep,
      sideRun: this.sideRun,
      trendRun: this.trendRun,
      alternatingRun: this.alternatingRun,
      within1Run: this.within1Run,
      beyond1Run: this.beyond1Run,
      // JSON has no Infinity: a side never seen is saved as -1.
      sinceAbove1: Number.isFinite(this.sinceAbove1) ? this.sinceAbove1 : -1,
      sinceBelow1: Number.isFinite(this.sinceBelow1) ? this.sinceBelow1 : -1,
      bands,
    };
  }

  /**
   * Restores under `rules` (the current configuration, which may differ from the saved one). Runs are
   * kept whatever K became; if a K-of-K+1 window grew beyond the saved bands, those windows count as
   * incomplete until they refill, so a restart never invents a violation. Null for an unusable save.
   */
  static fromJSON(json: unknown, rules: readonly RuleConfig[]): RuleEngine | null {
    if (json === null || typeof json !== "object") return null;
    const saved = json as Partial<RuleEngineJSON>;
    const whole = (x: unknown, min: number): x is number => typeof x === "number" && Number.isInteger(x) && x >= min;
    const counters = [saved.trendRun, saved.alternatingRun, saved.within1Run, saved.beyond1Run];
    if (saved.version !== 1 || !whole(saved.seen, 0) || !counters.every((x) => whole(x, 0))) return null;
    if (!whole(saved.sinceAbove1, -1) || !whole(saved.sinceBelow1, -1) || !Number.isInteger(saved.sideRun)) return null;
    if (saved.lastStep !== 1 && saved.lastStep !== -1 && saved.lastStep !== 0) return null;
    if (!Array.isArray(saved.bands) || !saved.bands.every((b) => b === 0 || b === 1 || b === 2 || b === -1 || b === -2)) return null;
    if (saved.seen > 0 && (typeof saved.previous !== "number" || !Number.isFinite(saved.previous))) return null;

    const engine = new RuleEngine(rules);
    const bands = saved.bands.slice(-engine.historySize);
    engine.seen = bands.length < Math.min(saved.seen, engine.historySize) ? bands.length : saved.seen;
    engine.previous = saved.seen > 0 ? (saved.previous as number) : NaN;
    engine.lastStep = saved.lastStep;
    engine.sideRun = saved.sideRun as number;
    engine.trendRun = saved.trendRun as number;
    engine.alternatingRun = saved.alternatingRun as number;
    engine.within1Run = saved.within1Run as number;
    engine.beyond1Run = saved.beyond1Run as number;
    engine.sinceAbove1 = saved.sinceAbove1 < 0 ? Infinity : saved.sinceAbove1;
    engine.sinceBelow1 = saved.sinceBelow1 < 0 ? Infinity : saved.sinceBelow1;
    for (const band of bands) {
      engine.bands[engine.head] = band;
      engine.head = (engine.head + 1) & engine.mask;
    }
    engine.windowK.forEach((k, w) => {
      const level = engine.windowLevel[w];
      for (const band of bands.slice(-(k + 1))) {
        if (band >= level) engine.countAbove[w]++;
        else if (band <= -level) engine.countBelow[w]++;
      }
    });
    return engine;
  }

  private computeLines(limits: Limits): void {
    const { center, sigma } = limits;
    this.above1 = center + sigma;
    this.above2 = center + 2 * sigma;
    this.below1 = center - sigma;
    this.below2 = center - 2 * sigma;
    // A rule that is off has K = Infinity: its lines are ±Infinity (or NaN when σ = 0), never crossed.
    this.nelson1High = center + this.k[0] * sigma;
    this.nelson1Low = center - this.k[0] * sigma;
    this.we1High = center + this.k[8] * sigma;
    this.we1Low = center - this.k[8] * sigma;
    this.linesFor = limits;
  }
}

/** Runs the rules over a series with one set of limits; exactly what streaming the same points gives. */
export function evaluateRules(values: readonly number[], limits: Limits, rules: readonly RuleInput[]): Array<readonly RuleId[]> {
  const engine = new RuleEngine(validateRules(rules));
  return values.map((value) => engine.evaluate(value, limits));
}
