import os from "os";
import path from "path";
import type { NodeDef, NodeMessageInFlow } from "node-red";
import { InputError, describeValue, requirePositiveNumber } from "../../lib/common/errors";
import { resolveReportConfig, type AnhReportConfig } from "../../lib/anh/config";
import { settingValue } from "../../lib/common/settings";

export interface AnhJsonDef extends NodeDef {
  operatorId: string;
  fieldId: string;
  wellId: string;
  /** JSON: [{tag, code, name, unit, aggregation}] */
  variables: string;
  timeZone: string;
  intervalSeconds: number | string;
  maxMissingSlots: number | string;
  minQualityPercent: number | string;
  /** "192, Good"; "" = the shared rule */
  goodQualityCodes: string;
  /** local time HH:MM of the daily generation (previous day) */
  generationTime: string;
  /** "" = <userDir>/anh-json/<node id> */
  journalDir: string;
  sendNonCompliant: boolean | string;
  /** journals of delivered days older than this are deleted; 0 = keep them all */
  keepJournalDays: number | string;
  /** ms a journal line may wait for fsync (hidden; tests and benchmarks) */
  syncDelayMs?: number | string;
}

export const DEFAULT_GOOD_QUALITY_CODES = "192, Good";

export interface AnhMessage extends NodeMessageInFlow {
  command?: unknown;
  date?: unknown;
  delivery?: unknown;
  filename?: unknown;
  timestamp?: unknown;
  quality?: unknown;
  report?: unknown;
}

export interface AnhNodeConfig {
  report: AnhReportConfig;
  /** croner pattern "m h * * *" in report.timeZone */
  cronPattern: string;
  generationTime: string;
  journalDir: string;
  sendNonCompliant: boolean;
  keepJournalDays: number;
  syncDelayMs: number;
}

/** "06:00" → { hour: 6, minute: 0 }. */
export function parseGenerationTime(value: unknown, field = "generationTime"): { hour: number; minute: number } {
  const text = value === undefined || value === null || value === "" ? "06:00" : value;
  const match = typeof text === "string" ? /^(\d{1,2}):(\d{2})$/.exec(text.trim()) : null;
  const hour = match ? Number(match[1]) : NaN;
  const minute = match ? Number(match[2]) : NaN;
  if (!(hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59)) throw new InputError(field, `expected a local time HH:MM such as "06:00", got ${describeValue(value)}`);
  return { hour, minute };
}

/**
 * The journal directory: configured, else inside the Node-RED user dir (the place a Node-RED install
 * keeps its durable files); only without a user dir (embedded runtimes, tests) the temp dir.
 */
export function resolveJournalDir(configured: unknown, userDir: string | undefined, nodeId: string): string {
  if (typeof configured === "string" && configured.trim() !== "") return path.resolve(userDir ?? process.cwd(), configured.trim());
  if (configured !== undefined && configured !== null && configured !== "") throw new InputError("journalDir", `expected a directory path, got ${describeValue(configured)}`);
  return path.join(userDir ?? path.join(os.tmpdir(), "node-red-anh-json"), "anh-json", nodeId.replace(/[^A-Za-z0-9_.-]/g, "_"));
}

export function parseAnhConfig(def: Partial<AnhJsonDef>, userDir: string | undefined): AnhNodeConfig {
  const intervalSeconds = requirePositiveNumber(settingValue(def.intervalSeconds, 600), "intervalSeconds");
  const report = resolveReportConfig({
    operatorId: def.operatorId,
    fieldId: def.fieldId,
    wellId: def.wellId,
    variables: def.variables === undefined || def.variables === "" ? undefined : def.variables,
    timeZone: def.timeZone,
    intervalMs: Math.round(intervalSeconds * 1000),
    maxMissingSlots: settingValue(def.maxMissingSlots, 10),
    minQualityPercent: settingValue(def.minQualityPercent, 95),
    // The replaced reporter's rule by default; "" in the editor = the package's shared rule (192-255, OPC UA Good*).
    goodQualityCodes: def.goodQualityCodes === undefined ? DEFAULT_GOOD_QUALITY_CODES : def.goodQualityCodes,
  });
  const { hour, minute } = parseGenerationTime(def.generationTime);
  const syncDelayMs = settingValue(def.syncDelayMs, 1000);
  if (typeof syncDelayMs !== "number" || !(syncDelayMs >= 0)) throw new InputError("syncDelayMs", `expected ms >= 0, got ${describeValue(def.syncDelayMs)}`);
  const keepJournalDays = settingValue(def.keepJournalDays, 35);
  if (typeof keepJournalDays !== "number" || !Number.isInteger(keepJournalDays) || keepJournalDays < 0) {
    throw new InputError("keepJournalDays", `expected a whole number of days >= 0 (0 = keep all), got ${describeValue(def.keepJournalDays)}`);
  }
  return {
    report,
    cronPattern: `${minute} ${hour} * * *`,
    generationTime: `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`,
    journalDir: resolveJournalDir(def.journalDir, userDir, def.id ?? "anh-json"),
    sendNonCompliant: def.sendNonCompliant === true || def.sendNonCompliant === "true",
    keepJournalDays,
    syncDelayMs,
  };
}
