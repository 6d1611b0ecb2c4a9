import { InputError, describeValue } from "./errors";

/**
 * Timestamps and quality codes as the shared message contract defines them, kept free of Node-RED
 * so every core (gaps, ANH, SPC) reads them the same way.
 */

const MAX_DATE_MS = 8.64e15;

/** Epoch milliseconds from a number (epoch ms), an ISO 8601 string or a Date. */
export function parseTimestamp(value: unknown, field: string): number {
  if (typeof value === "number") {
    // ±8.64e15 ms is the range of a JavaScript Date: beyond it no date, no ISO string, no calendar day.
    if (Number.isFinite(value) && Math.abs(value) <= MAX_DATE_MS) return value;
  } else if (typeof value === "string" && value.trim() !== "") {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms;
  } else if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isFinite(ms)) return ms;
  }
  throw new InputError(field, `expected epoch milliseconds or an ISO 8601 date, got ${describeValue(value)}`);
}

/** The classic quality byte's three states, in the order of its two top bits. */
export const QUALITY_GOOD = 192;
export const QUALITY_UNCERTAIN = 64;
export const QUALITY_BAD = 0;

/**
 * A quality indication as the classic quality byte, the one reading of every accepted form:
 * - the classic OPC DA / Modbus-gateway quality byte 0..255, as it is (good when the two top bits are
 *   set: 192..255);
 * - an OPC UA StatusCode as a 32-bit number above 255 or an object with a numeric `value` (node-opcua's
 *   StatusCode), by its severity bits: Good 192, Uncertain 64, Bad 0;
 * - a StatusCode name ("Good", "GoodClamped", "Bad_NoCommunication", "Uncertain…"), the same way;
 * - a boolean, as 192 or 0.
 * An OPC UA Good status as the bare number 0 cannot be told from the quality byte 0 (bad), so numbers
 * 0..255 are always read as the classic byte; OPC UA sources should pass the StatusCode object or name.
 * One encoding for everything a historian stores, so a query for `quality >= 192` means "good" whichever
 * protocol the reading came from.
 */
export function qualityByte(quality: unknown, field = "quality"): number {
  if (typeof quality === "boolean") return quality ? QUALITY_GOOD : QUALITY_BAD;
  if (typeof quality === "number" && Number.isInteger(quality) && quality >= 0) {
    if (quality <= 255) return quality;
    if (quality <= 0xffffffff) return severityByte(quality >>> 30);
  }
  if (typeof quality === "string") {
    const name = quality.trim().toLowerCase();
    if (name.startsWith("good")) return QUALITY_GOOD;
    if (name.startsWith("uncertain")) return QUALITY_UNCERTAIN;
    if (name.startsWith("bad")) return QUALITY_BAD;
    if (/^\d+$/.test(name)) return qualityByte(Number(name), field);
  }
  if (quality !== null && typeof quality === "object") {
    const code = (quality as { value?: unknown }).value;
    // A StatusCode object always carries an OPC UA code, where 0 is Good.
    if (typeof code === "number" && Number.isInteger(code)) return severityByte(code >>> 30);
    const name = (quality as { name?: unknown }).name;
    if (typeof name === "string") return qualityByte(name, field);
  }
  throw new InputError(
    field,
    `expected a quality byte 0-255 (192 = good), an OPC UA StatusCode (number, {value} or name like "Good") or a boolean, got ${describeValue(quality)}`,
  );
}

/**
 * The OPC UA StatusCode a quality carries, or null when it is not one (a byte, a name, a boolean): a
 * number above 255 or an object with a numeric `value` (node-opcua's StatusCode).
 */
export function opcuaStatusCode(quality: unknown): number | null {
  if (typeof quality === "number") return Number.isInteger(quality) && quality > 255 && quality <= 0xffffffff ? quality : null;
  if (quality !== null && typeof quality === "object") {
    const code = (quality as { value?: unknown }).value;
    if (typeof code === "number" && Number.isInteger(code) && code >= 0 && code <= 0xffffffff) return code;
  }
  return null;
}

function severityByte(severity: number): number {
  return severity === 0 ? QUALITY_GOOD : severity === 1 ? QUALITY_UNCERTAIN : QUALITY_BAD;
}

/** Whether a quality indication (any form qualityByte reads) means "good". */
export function isGoodQuality(quality: unknown, field = "quality"): boolean {
  return qualityByte(quality, field) >= QUALITY_GOOD;
}
