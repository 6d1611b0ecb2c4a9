import { InputError, describeValue } from "./errors";

/**
 * Timestamps and quality codes as the shared message contract defines them, kept free of Node-RED
 * so every core (gaps, ANH, SPC) reads them the same way.
 */

/** Epoch milliseconds from a number (epoch ms), an ISO 8601 string or a Date. */
export function parseTimestamp(value: unknown, field: string): number {
  if (typeof value === "number") {
    if (Number.isFinite(value)) return value;
  } else if (typeof value === "string" && value.trim() !== "") {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms;
  } else if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isFinite(ms)) return ms;
  }
  throw new InputError(field, `expected epoch milliseconds or an ISO 8601 date, got ${describeValue(value)}`);
}

/**
 * Whether a quality indication means "good". Accepted forms:
 * - the classic OPC DA / Modbus-gateway quality byte 0..255: good when the two top bits are set (192..255);
 * - an OPC UA StatusCode as a 32-bit number above 255 or an object with a numeric `value`
 *   (node-opcua's StatusCode): good when its severity bits are 00;
 * - a StatusCode name ("Good", "GoodClamped", "Bad_NoCommunication", "Uncertain…");
 * - a boolean.
 * An OPC UA Good status as the bare number 0 cannot be told from the quality byte 0 (bad), so numbers
 * 0..255 are always read as the classic byte; OPC UA sources should pass the StatusCode object or name.
 */
export function isGoodQuality(quality: unknown, field = "quality"): boolean {
  if (typeof quality === "boolean") return quality;
  if (typeof quality === "number" && Number.isInteger(quality) && quality >= 0) {
    if (quality <= 255) return (quality & 0xc0) === 0xc0;
    if (quality <= 0xffffffff) return quality >>> 30 === 0;
  }
  if (typeof quality === "string") {
    const name = quality.trim().toLowerCase();
    if (name.startsWith("good")) return true;
    if (name.startsWith("bad") || name.startsWith("uncertain")) return false;
    if (/^\d+$/.test(name)) return isGoodQuality(Number(name), field);
  }
  if (quality !== null && typeof quality === "object") {
    const code = (quality as { value?: unknown }).value;
    // A StatusCode object always carries an OPC UA code, where 0 is Good.
    if (typeof code === "number" && Number.isInteger(code)) return code >>> 30 === 0;
    const name = (quality as { name?: unknown }).name;
    if (typeof name === "string") return isGoodQuality(name, field);
  }
  throw new InputError(
    field,
    `expected a quality byte 0-255 (192 = good), an OPC UA StatusCode (number, {value} or name like "Good") or a boolean, got ${describeValue(quality)}`,
  );
}
