import { DateTime } from "luxon";
import { InputError, describeValue, requirePositiveInteger } from "../common/errors";
import { isGoodQuality } from "../common/sample";
import { settingValue } from "../common/settings";

/**
 * The configuration of the daily ANH report (Resolución 0651 de 2025 as the replaced reporter read it):
 * 600 s slots in Colombia time, at most 10 missing slots per variable, a data-quality score of 95 %.
 */

export const AGGREGATIONS = ["mean", "last", "min", "max"] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** One reported variable: the tag it is read from and how the regulator names it. */
export interface AnhVariable {
  /** the series key of the readings (msg.topic) */
  tag: string;
  /** ANH variable code, e.g. "OIL_RATE" */
  code: string;
  name: string;
  unit: string;
  /** how the readings of a slot become its value */
  aggregation: Aggregation;
}

export interface AnhReportConfig {
  operatorId: string;
  fieldId: string;
  wellId: string;
  timeZone: string;
  /** slot length in ms (600 000) */
  intervalMs: number;
  /** per variable, inclusive (10) */
  maxMissingSlots: number;
  /** percent of good readings a variable needs (95) */
  minQualityPercent: number;
  /** numeric codes and names that count as good; empty = the shared rule (byte 192-255, OPC UA Good) */
  goodQualityCodes: Array<number | string>;
  variables: AnhVariable[];
}

export const DEFAULT_TIME_ZONE = "America/Bogota";
export const DEFAULT_INTERVAL_MS = 600_000;
export const DEFAULT_MAX_MISSING_SLOTS = 10;
export const DEFAULT_MIN_QUALITY_PERCENT = 95;

/** The variables of the replaced reporter's seed: tags as the well's PLC names them. */
export const SEED_VARIABLES: readonly AnhVariable[] = [
  { tag: "oil_rate", code: "OIL_RATE", name: "Oil rate", unit: "bbl/d", aggregation: "mean" },
  { tag: "water_rate", code: "WATER_RATE", name: "Water rate", unit: "bbl/d", aggregation: "mean" },
  { tag: "gas_rate", code: "GAS_RATE", name: "Gas rate", unit: "kscf/d", aggregation: "mean" },
  { tag: "tubing_pressure", code: "THP", name: "Tubing head pressure", unit: "psi", aggregation: "mean" },
  { tag: "casing_pressure", code: "CHP", name: "Casing head pressure", unit: "psi", aggregation: "mean" },
  { tag: "wellhead_temperature", code: "WHT", name: "Wellhead temperature", unit: "degF", aggregation: "mean" },
  { tag: "choke", code: "CHOKE", name: "Choke opening", unit: "1/64 in", aggregation: "last" },
  { tag: "pump_frequency", code: "PUMP_FREQ", name: "Pump frequency", unit: "Hz", aggregation: "mean" },
  { tag: "motor_current", code: "MOTOR_AMPS", name: "Motor current", unit: "A", aggregation: "mean" },
  { tag: "motor_temperature", code: "MOTOR_TEMP", name: "Motor temperature", unit: "degF", aggregation: "max" },
  { tag: "separator_pressure", code: "SEP_PRESS", name: "Separator pressure", unit: "psi", aggregation: "mean" },
];

const CODE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

function requireText(value: unknown, field: string, fallback?: string): string {
  if ((value === undefined || value === null || value === "") && fallback !== undefined) return fallback;
  if (typeof value !== "string" || value.trim() === "") throw new InputError(field, `expected a non-empty text, got ${describeValue(value)}`);
  return value.trim();
}

export function parseAggregation(value: unknown, field: string): Aggregation {
  if (value === undefined || value === null || value === "") return "mean";
  if (typeof value === "string" && (AGGREGATIONS as readonly string[]).includes(value)) return value as Aggregation;
  throw new InputError(field, `expected one of ${AGGREGATIONS.join("|")}, got ${describeValue(value)}`);
}

/** The variable map: an array of {tag, code, name?, unit?, aggregation?}, or an object keyed by tag. */
export function parseVariables(value: unknown, field = "variables"): AnhVariable[] {
  let entries: Array<[string | undefined, unknown]>;
  if (typeof value === "string") {
    if (value.trim() === "") throw new InputError(field, "expected at least one variable {tag, code, name, unit, aggregation}, got an empty text");
    try {
      value = JSON.parse(value);
    } catch {
      throw new InputError(field, `expected JSON: an array of {tag, code, name, unit, aggregation}, got ${describeValue(value)}`);
    }
  }
  if (Array.isArray(value)) entries = value.map((item) => [undefined, item]);
  else if (value !== null && typeof value === "object") entries = Object.entries(value);
  else throw new InputError(field, `expected an array of {tag, code, name, unit, aggregation}, got ${describeValue(value)}`);
  if (entries.length === 0) throw new InputError(field, "expected at least one variable {tag, code, name, unit, aggregation}");
  const tags = new Set<string>();
  const codes = new Set<string>();
  return entries.map(([key, item], i) => {
    const at = `${field}[${key === undefined ? i : JSON.stringify(key)}]`;
    if (item === null || typeof item !== "object" || Array.isArray(item)) throw new InputError(at, `expected {tag, code, name, unit, aggregation}, got ${describeValue(item)}`);
    const record = item as Record<string, unknown>;
    const tag = requireText(key ?? record.tag, `${at}.tag`);
    const code = requireText(record.code, `${at}.code`);
    if (!CODE_PATTERN.test(code)) throw new InputError(`${at}.code`, `expected letters, digits, "_", "." or "-" (at most 64), got ${describeValue(code)}`);
    if (tags.has(tag)) throw new InputError(`${at}.tag`, `expected each tag once, got ${JSON.stringify(tag)} twice`);
    if (codes.has(code)) throw new InputError(`${at}.code`, `expected each ANH code once, got ${JSON.stringify(code)} twice`);
    tags.add(tag);
    codes.add(code);
    return {
      tag,
      code,
      name: requireText(record.name, `${at}.name`, code),
      unit: typeof record.unit === "string" ? record.unit : "",
      aggregation: parseAggregation(record.aggregation, `${at}.aggregation`),
    };
  });
}

export function requireTimeZone(value: unknown, field = "timeZone"): string {
  if (value === undefined || value === null || value === "") return DEFAULT_TIME_ZONE;
  if (typeof value !== "string" || !DateTime.now().setZone(value).isValid) {
    throw new InputError(field, `expected an IANA time zone like "America/Bogota", got ${describeValue(value)}`);
  }
  return value;
}

/** "192, Good, 0x00000000" or an array → codes; "" or undefined → [] (the shared rule). */
export function parseQualityCodes(value: unknown, field = "goodQualityCodes"): Array<number | string> {
  if (value === undefined || value === null || value === "") return [];
  const items = typeof value === "string" ? value.split(",").map((s) => s.trim()).filter((s) => s !== "") : value;
  if (!Array.isArray(items)) throw new InputError(field, `expected a list like "192, Good", got ${describeValue(value)}`);
  return items.map((item, i) => {
    if (typeof item === "number" && Number.isInteger(item) && item >= 0) return item;
    if (typeof item === "string" && /^(0x[0-9a-f]+|\d+)$/i.test(item)) return Number(item);
    if (typeof item === "string" && /^[A-Za-z_]+$/.test(item)) return item;
    throw new InputError(`${field}[${i}]`, `expected a status code number or a name like "Good", got ${describeValue(item)}`);
  });
}

export type QualityJudge = (quality: unknown, field: string) => boolean;

/**
 * Whether a reading's quality counts as good. Without configured codes the package's shared rule
 * (isGoodQuality). With codes, exactly those: a number (quality byte or OPC UA StatusCode), a
 * StatusCode object by its `value`, or a name ("Good") compared without case. A reading without quality
 * is good: a source that sends none cannot be judged by it.
 */
export function qualityJudge(codes: ReadonlyArray<number | string>): QualityJudge {
  if (codes.length === 0) return (quality, field) => quality === undefined || quality === null || isGoodQuality(quality, field);
  const numbers = new Set(codes.filter((c): c is number => typeof c === "number"));
  const names = new Set(codes.filter((c): c is string => typeof c === "string").map((c) => c.toLowerCase()));
  return (quality, field) => {
    if (quality === undefined || quality === null) return true;
    if (typeof quality === "boolean") return quality;
    if (typeof quality === "number") return numbers.has(quality);
    if (typeof quality === "string") {
      const text = quality.trim();
      return /^\d+$/.test(text) ? numbers.has(Number(text)) : names.has(text.toLowerCase());
    }
    if (typeof quality === "object") {
      const record = quality as { value?: unknown; name?: unknown };
      if (typeof record.value === "number") return numbers.has(record.value) || (record.value === 0 && names.has("good"));
      if (typeof record.name === "string") return names.has(record.name.toLowerCase());
    }
    throw new InputError(field, `expected a quality code (number), a StatusCode {value} or a name like "Good", got ${describeValue(quality)}`);
  };
}

/** Checks and completes a configuration (defaults as the replaced reporter had them). */
export function resolveReportConfig(input: Partial<Record<keyof AnhReportConfig, unknown>>): AnhReportConfig {
  const intervalMs = requirePositiveInteger(settingValue(input.intervalMs, DEFAULT_INTERVAL_MS), "intervalMs");
  if (86_400_000 % intervalMs !== 0) throw new InputError("intervalMs", `expected a divisor of one day (600 000 for 10 min), got ${intervalMs}`);
  const maxMissing = settingValue(input.maxMissingSlots, DEFAULT_MAX_MISSING_SLOTS);
  if (typeof maxMissing !== "number" || !Number.isInteger(maxMissing) || maxMissing < 0) {
    throw new InputError("maxMissingSlots", `expected a whole number >= 0, got ${describeValue(input.maxMissingSlots)}`);
  }
  const minQuality = settingValue(input.minQualityPercent, DEFAULT_MIN_QUALITY_PERCENT);
  if (typeof minQuality !== "number" || !(minQuality >= 0 && minQuality <= 100)) {
    throw new InputError("minQualityPercent", `expected a percentage 0-100, got ${describeValue(input.minQualityPercent)}`);
  }
  return {
    operatorId: requireText(input.operatorId, "operatorId"),
    fieldId: requireText(input.fieldId, "fieldId"),
    wellId: requireText(input.wellId, "wellId"),
    timeZone: requireTimeZone(input.timeZone),
    intervalMs,
    maxMissingSlots: maxMissing,
    minQualityPercent: minQuality,
    goodQualityCodes: parseQualityCodes(input.goodQualityCodes),
    variables: parseVariables(input.variables ?? SEED_VARIABLES),
  };
}

/** The calendar day before `date` (YYYY-MM-DD): calendar arithmetic, so it holds across DST changes. */
export function previousDate(date: string): string {
  const day = DateTime.fromISO(date, { zone: "UTC" });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !day.isValid) throw new InputError("date", `expected a calendar date YYYY-MM-DD, got ${describeValue(date)}`);
  return day.minus({ days: 1 }).toISODate() as string;
}

/** ANH_REPORT_YYYYMMDD.json for a report date YYYY-MM-DD. */
export function reportFileName(date: string): string {
  return `ANH_REPORT_${date.replace(/-/g, "")}.json`;
}
