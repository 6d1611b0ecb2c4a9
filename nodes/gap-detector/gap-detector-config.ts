import type { NodeDef, NodeMessageInFlow } from "node-red";
import { DateTime } from "luxon";
import { InputError, describeValue, requirePositiveInteger, requirePositiveNumber } from "../../lib/common/errors";
import { resolveGapOptions, type ResolvedGapOptions } from "../../lib/gaps/gap";
import { parseIntervalSeconds } from "../../lib/gaps/interval";
import { numberSetting } from "../../lib/common/settings";

export interface GapDetectorDef extends NodeDef {
  /** seconds, or "auto" to learn the interval */
  intervalSeconds: number | string;
  learnCount: number | string;
  tolerance: number | string;
  minorMaxHours: number | string;
  moderateMaxHours: number | string;
  /** 0 or "" = no stale watchdog */
  staleSeconds: number | string;
  /** IANA zone of "today" for completenessToday; "" = the host's zone */
  timeZone: string;
  store: string;
}

export interface GapMessage extends NodeMessageInFlow {
  reset?: unknown;
  command?: unknown;
  staleSeconds?: unknown;
  gap?: unknown;
}

export interface GapNodeConfig {
  gaps: ResolvedGapOptions;
  /** ms; 0 = no watchdog unless a message sets msg.staleSeconds */
  staleMs: number;
  timeZone: string;
}

export function validateTimeZone(value: unknown, field = "timeZone"): string {
  if (value === undefined || value === null || value === "") return Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (typeof value !== "string" || !DateTime.now().setZone(value).isValid) {
    throw new InputError(field, `expected an IANA time zone like "America/Bogota", got ${describeValue(value)}`);
  }
  return value;
}

/** Seconds ≥ 0 (0 = off) from the editor or msg.staleSeconds. */
export function parseStaleSeconds(value: unknown, field: string): number {
  // Only a number or a numeric string: Number() would read true as 1 s, [] as 0 and throw on a Symbol.
  const seconds = typeof value === "number" || (typeof value === "string" && value.trim() !== "") ? numberSetting(value, 0) : value === undefined || value === null || value === "" ? 0 : NaN;
  if (!Number.isFinite(seconds) || seconds < 0) throw new InputError(field, `expected seconds >= 0 (0 = off), got ${describeValue(value)}`);
  return seconds;
}

export function parseGapConfig(def: Partial<GapDetectorDef>): GapNodeConfig {
  const interval = parseIntervalSeconds(def.intervalSeconds === undefined || def.intervalSeconds === "" ? "auto" : def.intervalSeconds);
  const gaps = resolveGapOptions({
    intervalMs: interval,
    learnCount: requirePositiveInteger(numberSetting(def.learnCount, 10), "learnCount"),
    tolerance: numberSetting(def.tolerance, 1.5),
    minorMaxMs: requirePositiveNumber(numberSetting(def.minorMaxHours, 2), "minorMaxHours") * 3600_000,
    moderateMaxMs: requirePositiveNumber(numberSetting(def.moderateMaxHours, 12), "moderateMaxHours") * 3600_000,
  });
  return { gaps, staleMs: parseStaleSeconds(def.staleSeconds, "staleSeconds") * 1000, timeZone: validateTimeZone(def.timeZone) };
}
