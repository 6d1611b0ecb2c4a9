import { jStat } from "jstat";
import { mean, sampleCorrelation, sampleRankCorrelation } from "simple-statistics";
import { InputError, describeValue } from "../common/errors";

export const MIN_ROWS = 10;

export interface HypothesisOptions {
  /** the detection-quality field of each record (dot path), e.g. "confidence" or "thermal.confidence" */
  qualityField: string;
  /** the group field for the ANOVA, e.g. "regime" with values "stable" / "turbulent" */
  groupField: string;
  /** the operational variability fields; empty = every other numeric field of the first record */
  variables: string[];
  alpha: number;
}

export const DEFAULT_HYPOTHESIS_OPTIONS: Readonly<HypothesisOptions> = Object.freeze({ qualityField: "confidence", groupField: "regime", variables: [], alpha: 0.1 });

export interface TestResult {
  r: number;
  p: number;
  significant: boolean;
}

export interface CorrelationResult {
  variable: string;
  n: number;
  pearson: TestResult;
  spearman: TestResult;
}

export interface AnovaResult {
  groups: { name: string; n: number; mean: number }[];
  F: number;
  p: number;
  dfBetween: number;
  dfWithin: number;
  significant: boolean;
}

export interface HypothesisAnalysis {
  n: number;
  alpha: number;
  quality: string;
  correlations: CorrelationResult[];
  /** null when there are not two groups with two records each (the reason is in notes) */
  anova: AnovaResult | null;
  notes: string[];
  conclusions: string[];
}

function at(record: unknown, path: string): unknown {
  let v: unknown = record;
  for (const key of path.split(".")) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function numeric(v: unknown): number | null {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) ? n : null;
}

/**
 * Two-sided p of a correlation coefficient r from n pairs (t test with n − 2 degrees of freedom, as
 * scipy's pearsonr and spearmanr). p = I_{1−r²}((n−2)/2, 1/2), the regularized incomplete beta of
 * jstat: the same as 2·t.sf(|t|) with t = r·√((n−2)/(1−r²)), written this way so a tiny p keeps its
 * relative precision (1 − cdf would cancel).
 */
export function correlationPValue(r: number, n: number): number {
  const df = n - 2;
  const x = 1 - r * r;
  if (x <= 0) return 0;
  return Math.min(1, jStat.ibeta(x, df / 2, 0.5));
}

/** Upper tail of the F distribution, I_{d2/(d2 + d1·F)}(d2/2, d1/2) (scipy's f.sf). */
export function fSurvival(F: number, d1: number, d2: number): number {
  if (!(F > 0)) return 1;
  if (!Number.isFinite(F)) return 0;
  return Math.min(1, jStat.ibeta(d2 / (d2 + d1 * F), d2 / 2, d1 / 2));
}

/**
 * One-way ANOVA (scipy's f_oneway). simple-statistics has no ANOVA; the sums of squares are taken
 * around the group means (two-pass), which keeps F exact to ~1e-12 on ordinary data.
 */
export function oneWayAnova(groups: Map<string, number[]>, alpha: number): AnovaResult {
  const all = [...groups.values()].flat();
  const grand = mean(all);
  let between = 0;
  let within = 0;
  const summary: AnovaResult["groups"] = [];
  for (const [name, values] of groups) {
    const m = mean(values);
    between += values.length * (m - grand) ** 2;
    for (const v of values) within += (v - m) ** 2;
    summary.push({ name, n: values.length, mean: m });
  }
  const dfBetween = groups.size - 1;
  const dfWithin = all.length - groups.size;
  const F = within === 0 ? (between === 0 ? NaN : Infinity) : between / dfBetween / (within / dfWithin);
  const p = Number.isNaN(F) ? NaN : fSurvival(F, dfBetween, dfWithin);
  return { groups: summary, F, p, dfBetween, dfWithin, significant: p < alpha };
}

function test(r: number, n: number, alpha: number): TestResult {
  const p = Number.isNaN(r) ? NaN : correlationPValue(r, n);
  return { r, p, significant: p < alpha };
}

export function resolveHypothesisOptions(raw: Partial<Record<keyof HypothesisOptions, unknown>> = {}): HypothesisOptions {
  const d = DEFAULT_HYPOTHESIS_OPTIONS;
  const text = (v: unknown, fallback: string, field: string): string => {
    if (v === undefined || v === null || v === "") return fallback;
    if (typeof v !== "string") throw new InputError(field, `expected a field name, got ${describeValue(v)}`);
    return v;
  };
  let variables: string[] = [];
  if (typeof raw.variables === "string") variables = raw.variables.split(",").map((s) => s.trim()).filter((s) => s !== "");
  else if (Array.isArray(raw.variables) && raw.variables.every((v) => typeof v === "string")) variables = raw.variables as string[];
  else if (raw.variables !== undefined && raw.variables !== null) throw new InputError("variables", `expected field names (array or comma-separated), got ${describeValue(raw.variables)}`);
  const alpha = raw.alpha === undefined || raw.alpha === "" ? d.alpha : numeric(raw.alpha);
  if (alpha === null || alpha <= 0 || alpha >= 1) throw new InputError("alpha", `expected a significance level between 0 and 1, got ${describeValue(raw.alpha)}`);
  return { qualityField: text(raw.qualityField, d.qualityField, "qualityField"), groupField: text(raw.groupField, d.groupField, "groupField"), variables, alpha };
}

/**
 * The seed's hypothesis analysis: does operational variability go with poorer detection? Pearson and
 * Spearman correlations (r, p) of each variable with the detection quality, and a one-way ANOVA of the
 * quality across the groups (stable / turbulent). Needs at least 10 records.
 */
export function analyzeHypotheses(records: unknown, options: HypothesisOptions = DEFAULT_HYPOTHESIS_OPTIONS, field = "msg.payload"): HypothesisAnalysis {
  if (!Array.isArray(records)) throw new InputError(field, `expected an array of records, got ${describeValue(records)}`);
  if (records.length < MIN_ROWS) throw new InputError(field, `the hypothesis analysis needs at least ${MIN_ROWS} records, got ${records.length}`);
  const notes: string[] = [];
  const quality = records.map((r) => numeric(at(r, options.qualityField)));
  const usable = quality.filter((q) => q !== null).length;
  if (usable < MIN_ROWS) throw new InputError(`${field}[].${options.qualityField}`, `needs at least ${MIN_ROWS} records with a numeric ${options.qualityField}, got ${usable}`);

  let variables = options.variables;
  if (variables.length === 0) {
    const first = records.find((r) => typeof r === "object" && r !== null) as Record<string, unknown> | undefined;
    variables = Object.keys(first ?? {}).filter((k) => k !== options.qualityField && k !== options.groupField && numeric(first?.[k]) !== null);
  }
  const correlations: CorrelationResult[] = [];
  for (const variable of variables) {
    const xs: number[] = [];
    const ys: number[] = [];
    records.forEach((r, i) => {
      const x = numeric(at(r, variable));
      const q = quality[i];
      if (x !== null && q !== null) {
        xs.push(x);
        ys.push(q);
      }
    });
    if (xs.length < MIN_ROWS) {
      notes.push(`${variable}: only ${xs.length} records with both values (${MIN_ROWS} needed), not tested`);
      continue;
    }
    correlations.push({
      variable,
      n: xs.length,
      pearson: test(sampleCorrelation(xs, ys), xs.length, options.alpha),
      spearman: test(sampleRankCorrelation(xs, ys), xs.length, options.alpha),
    });
  }

  const groups = new Map<string, number[]>();
  records.forEach((r, i) => {
    const g = at(r, options.groupField);
    const q = quality[i];
    if (q === null || g === undefined || g === null || g === "") return;
    const key = String(g);
    const list = groups.get(key) ?? [];
    list.push(q);
    groups.set(key, list);
  });
  let anova: AnovaResult | null = null;
  const sizable = [...groups.values()].filter((v) => v.length >= 2).length;
  if (groups.size >= 2 && sizable === groups.size) anova = oneWayAnova(groups, options.alpha);
  else notes.push(`ANOVA needs at least two ${options.groupField} groups with two records each (got ${[...groups].map(([k, v]) => `${k}: ${v.length}`).join(", ") || "none"})`);

  const conclusions: string[] = [];
  for (const c of correlations) {
    if (c.pearson.significant || c.spearman.significant) {
      conclusions.push(`${c.variable} is ${c.pearson.r < 0 ? "negatively" : "positively"} correlated with ${options.qualityField} (Pearson r=${c.pearson.r.toFixed(3)}, p=${c.pearson.p.toPrecision(3)}; Spearman ρ=${c.spearman.r.toFixed(3)}, p=${c.spearman.p.toPrecision(3)}) at α=${options.alpha}`);
    } else {
      conclusions.push(`no significant correlation between ${c.variable} and ${options.qualityField} at α=${options.alpha}`);
    }
  }
  if (anova) {
    const order = [...anova.groups].sort((a, b) => b.mean - a.mean);
    conclusions.push(
      anova.significant
        ? `${options.qualityField} differs between ${options.groupField} groups (F=${anova.F.toFixed(3)}, p=${anova.p.toPrecision(3)}): highest in "${order[0].name}"`
        : `no significant difference of ${options.qualityField} between ${options.groupField} groups (F=${anova.F.toFixed(3)}, p=${anova.p.toPrecision(3)})`,
    );
  }
  return { n: records.length, alpha: options.alpha, quality: options.qualityField, correlations, anova, notes, conclusions };
}
