import { DateTime } from "luxon";
import { completeness } from "../gaps/completeness";
import type { AnhReportConfig, AnhVariable } from "./config";
import { reportFileName } from "./config";
import { DaySlots, emptyFigures, type SlotFigures } from "./slots";

/** The version of schemas/anh-report.schema.json the reports follow (its $id ends with it). */
export const REPORT_SCHEMA_VERSION = "1.0.0";
export const REPORT_SCHEMA_ID = `https://github.com/field-reliability/node-red-contrib-field-reliability/schemas/anh-report/${REPORT_SCHEMA_VERSION}`;

export type MissingReason = "no-data" | "bad-quality";

export type ReportSlot = { start: string; value: number; samples: number } | { start: string; value: null; reason: MissingReason; badSamples: number };

export interface ReportVariable {
  code: string;
  name: string;
  unit: string;
  tag: string;
  aggregation: AnhVariable["aggregation"];
  expectedSlots: number;
  missingSlots: number;
  /** consecutive missing slots, for a reader looking for the outage */
  missingRuns: Array<{ start: string; end: string; slots: number }>;
  goodSamples: number;
  badSamples: number;
  /** percent of good readings among all readings of the variable (0 without readings) */
  qualityScore: number;
  compliant: boolean;
  slots: ReportSlot[];
}

export type ViolationRule = "max-missing-slots" | "min-quality-score";

export interface Violation {
  rule: ViolationRule;
  variable: string;
  actual: number;
  limit: number;
  message: string;
}

export interface AnhReport {
  schemaVersion: string;
  reportDate: string;
  fileName: string;
  operatorId: string;
  fieldId: string;
  wellId: string;
  timeZone: string;
  periodStart: string;
  periodEnd: string;
  intervalSeconds: number;
  slotsPerVariable: number;
  generatedAt: string;
  limits: { maxMissingSlots: number; minQualityScore: number };
  summary: {
    variables: number;
    missingSlots: number;
    qualityScore: number;
    compliant: boolean;
    violations: Violation[];
  };
  variables: ReportVariable[];
}

/** Values to 3 decimals, scores to 2: what the schema documents (a report must not show float noise). */
export function roundValue(x: number): number {
  return Math.round(x * 1000) / 1000 + 0; // "+ 0" turns -0 into 0
}

export function roundScore(x: number): number {
  return Math.round(x * 100) / 100 + 0;
}

/** ISO 8601 with the zone's offset (-05:00 for Bogota), no milliseconds when whole seconds. */
export function localISO(timestamp: number, timeZone: string): string {
  return DateTime.fromMillis(timestamp, { zone: timeZone }).toISO({ suppressMilliseconds: true }) as string;
}

function offsetText(minutes: number): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? "-" : "+"}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/**
 * localISO for the instants of one day, fast: luxon costs ~0.3 ms per call (it asks Intl for the
 * zone's offset), which for the 144 slot times alone would eat the whole build budget. When the zone
 * has one offset over [start, end] (Bogota always; DST zones on all but two days) the offset is applied
 * by hand; on a day with a change every instant goes through luxon.
 */
export function dayTimeFormatter(start: number, end: number, timeZone: string): (timestamp: number) => string {
  const offset = DateTime.fromMillis(start, { zone: timeZone }).offset;
  if (DateTime.fromMillis(end, { zone: timeZone }).offset !== offset) return (t) => localISO(t, timeZone);
  const suffix = offsetText(offset);
  return (t) => {
    const text = new Date(t + offset * 60_000).toISOString(); // "…T00:10:00.000Z" in local wall time
    return `${text.endsWith(".000Z") ? text.slice(0, -5) : text.slice(0, -1)}${suffix}`;
  };
}

function aggregate(figures: SlotFigures, aggregation: AnhVariable["aggregation"]): number {
  switch (aggregation) {
    case "mean":
      return figures.sum / figures.count;
    case "last":
      return figures.last;
    case "min":
      return figures.min;
    case "max":
      return figures.max;
  }
}

export interface BuildOptions {
  /** epoch ms the report is made at (default now) */
  generatedAt?: number;
}

/**
 * The day report from the slot figures: every slot of every configured variable (null + reason when a
 * slot has no good reading), the missing slots counted by the shared completeness function, the quality
 * score, and the compliance rules (≤ maxMissingSlots missing per variable, quality ≥ minQualityPercent).
 */
export function buildDayReport(day: DaySlots, config: AnhReportConfig, options: BuildOptions = {}): AnhReport {
  const zone = config.timeZone;
  const format = dayTimeFormatter(day.start, day.end, zone);
  // The slot times are formatted once and shared by every variable.
  const slotTimes: string[] = new Array(day.slots);
  for (let k = 0; k < day.slots; k++) slotTimes[k] = format(day.slotStart(k));
  const timeOf = (t: number): string => {
    const k = (t - day.start) / day.intervalMs;
    return Number.isInteger(k) && k < day.slots ? slotTimes[k] : format(t);
  };
  const figures = emptyFigures();
  const violations: Violation[] = [];
  let totalMissing = 0;
  let totalGood = 0;
  let totalReadings = 0;
  const variables = config.variables.map((variable): ReportVariable => {
    const slots: ReportSlot[] = new Array(day.slots);
    const filled: number[] = [];
    let good = 0;
    let bad = 0;
    for (let k = 0; k < day.slots; k++) {
      day.figures(variable.tag, k, figures);
      good += figures.count;
      bad += figures.badCount;
      if (figures.count > 0) {
        filled.push(day.slotStart(k));
        slots[k] = { start: slotTimes[k], value: roundValue(aggregate(figures, variable.aggregation)), samples: figures.count };
      } else {
        slots[k] = { start: slotTimes[k], value: null, reason: figures.badCount > 0 ? "bad-quality" : "no-data", badSamples: figures.badCount };
      }
    }
    const grid = completeness({ timestamps: filled, start: day.start, end: day.end, intervalMs: day.intervalMs });
    const readings = good + bad;
    const qualityScore = readings === 0 ? 0 : roundScore((100 * good) / readings);
    let compliant = true;
    if (grid.missingSlots > config.maxMissingSlots) {
      compliant = false;
      violations.push({
        rule: "max-missing-slots",
        variable: variable.code,
        actual: grid.missingSlots,
        limit: config.maxMissingSlots,
        message: `${variable.code}: ${grid.missingSlots} of ${grid.expectedSlots} slots missing (at most ${config.maxMissingSlots})`,
      });
    }
    if (qualityScore < config.minQualityPercent) {
      compliant = false;
      violations.push({
        rule: "min-quality-score",
        variable: variable.code,
        actual: qualityScore,
        limit: config.minQualityPercent,
        message: readings === 0 ? `${variable.code}: no readings` : `${variable.code}: quality score ${qualityScore} % (at least ${config.minQualityPercent} %)`,
      });
    }
    totalMissing += grid.missingSlots;
    totalGood += good;
    totalReadings += readings;
    return {
      code: variable.code,
      name: variable.name,
      unit: variable.unit,
      tag: variable.tag,
      aggregation: variable.aggregation,
      expectedSlots: grid.expectedSlots,
      missingSlots: grid.missingSlots,
      missingRuns: grid.missingRuns.map((run) => ({ start: timeOf(run.start), end: timeOf(run.end), slots: run.slots })),
      goodSamples: good,
      badSamples: bad,
      qualityScore,
      compliant,
      slots,
    };
  });
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    reportDate: day.date,
    fileName: reportFileName(day.date),
    operatorId: config.operatorId,
    fieldId: config.fieldId,
    wellId: config.wellId,
    timeZone: zone,
    periodStart: format(day.start),
    periodEnd: format(day.end),
    intervalSeconds: day.intervalMs / 1000,
    slotsPerVariable: day.slots,
    generatedAt: DateTime.fromMillis(options.generatedAt ?? Date.now(), { zone }).toISO() as string,
    limits: { maxMissingSlots: config.maxMissingSlots, minQualityScore: config.minQualityPercent },
    summary: {
      variables: variables.length,
      missingSlots: totalMissing,
      qualityScore: totalReadings === 0 ? 0 : roundScore((100 * totalGood) / totalReadings),
      compliant: violations.length === 0,
      violations,
    },
    variables,
  };
}
