import { escape } from "@influxdata/influxdb-client";
import { InputError, describeValue } from "../common/errors";

/**
 * InfluxDB line protocol (https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/):
 *   measurement[,tag=value...] field=value[,field=value...] timestamp
 * Lines are built here rather than with @influxdata/influxdb-client's Point: the client's Point formats the
 * time with the write time when none is given and reads numbers through its own int/float setters, while
 * here every line must carry the message's time and the integer/float choice must be the user's, stable
 * across restarts (a field written once as float and once as integer is rejected by InfluxDB with a
 * "field type conflict"). It is also the hot path: one string per point, no intermediate objects.
 */

export type Precision = "ns" | "us" | "ms" | "s";
export const PRECISIONS: readonly Precision[] = ["ns", "us", "ms", "s"];

/** A time as epoch milliseconds plus the nanoseconds below the millisecond (ISO strings may carry them). */
export interface PointTime {
  /** whole epoch milliseconds */
  ms: number;
  /** 0..999 999 */
  subMsNanos: number;
}

/** A field value. `bigint` and `IntegerValue` are written as integers (`12i`), numbers as floats. */
export type FieldValue = number | bigint | boolean | string | IntegerValue;

/** Marks a number to be written as an InfluxDB integer. */
export class IntegerValue {
  constructor(readonly value: number) {}
}

export interface Point {
  measurement: string;
  /** tag key → value; empty values are left out (line protocol has no empty tag value) */
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
  time: PointTime;
}

export function validatePrecision(value: unknown, field = "precision"): Precision {
  if (value === undefined || value === null || value === "") return "ms";
  if (typeof value === "string" && (PRECISIONS as readonly string[]).includes(value)) return value as Precision;
  throw new InputError(field, `expected one of ${PRECISIONS.join(", ")}, got ${describeValue(value)}`);
}

// The escaping rules are the official client's (@influxdata/influxdb-client `escape`), so lines we write
// read back the same as lines the client writes: measurement `,` and space; tag keys, tag values and field
// keys also `=`; line breaks and tabs as `\n` `\r` `\t` (a raw line break would end the point).
const NEEDS_MEASUREMENT_ESCAPE = /[,\s]/;
const NEEDS_KEY_ESCAPE = /[,=\s]/;

/** Measurement: commas and spaces escaped with a backslash. */
export function escapeMeasurement(name: string, field = "measurement"): string {
  if (typeof name !== "string" || name === "") throw new InputError(field, `expected a non-empty measurement name, got ${describeValue(name)}`);
  return NEEDS_MEASUREMENT_ESCAPE.test(name) ? escape.measurement(name) : name;
}

/** Tag keys, tag values and field keys: commas, equals signs and spaces escaped. */
export function escapeKey(text: string): string {
  // A plain ASCII scan first: most names need nothing, and this is faster than the regular expression
  // on the short strings of tags (it runs for every tag of every point).
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c === 44 /* , */ || c === 61 /* = */ || c >= 127) return NEEDS_KEY_ESCAPE.test(text) ? escape.tag(text) : text;
  }
  return text;
}

/** A string field value: in double quotes, with `"` and `\` escaped. */
export function quoteString(text: string): string {
  return escape.quoted(text);
}

function formatFloat(value: number, field: string): string {
  if (!Number.isFinite(value)) throw new InputError(field, `InfluxDB stores no NaN or Infinity, got ${describeValue(value)}`);
  // String(1e21) = "1e+21": InfluxDB parses exponents in floats.
  return String(value);
}

function formatInteger(value: number, field: string): string {
  if (!Number.isSafeInteger(value)) throw new InputError(field, `expected a whole number for an integer field, got ${describeValue(value)}`);
  return `${value}i`;
}

export function formatFieldValue(value: FieldValue, field: string): string {
  switch (typeof value) {
    case "number":
      return formatFloat(value, field);
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return quoteString(value);
    case "bigint":
      if (value > 9223372036854775807n || value < -9223372036854775808n) throw new InputError(field, "integer out of the signed 64-bit range");
      return `${value}i`;
    default:
      if (value instanceof IntegerValue) return formatInteger(value.value, field);
      throw new InputError(field, `expected a number, boolean or string field value, got ${describeValue(value)}`);
  }
}

const ZEROS = "000000";

/** The time in the given precision, as the integer string the line ends with. Truncates, never rounds up. */
export function formatTime(time: PointTime, precision: Precision): string {
  switch (precision) {
    case "ms":
      return String(time.ms);
    case "s":
      return String(Math.floor(time.ms / 1000));
    case "us": {
      const micros = Math.floor(time.subMsNanos / 1000);
      if (micros === 0) return `${time.ms}000`;
      return String(time.ms * 1000 + micros);
    }
    case "ns": {
      if (time.subMsNanos === 0) return `${time.ms}${ZEROS}`;
      // ms * 1e6 passes 2^53: join the digits instead of multiplying.
      const nanos = String(time.subMsNanos);
      if (time.ms >= 0) return `${time.ms}${ZEROS.slice(nanos.length)}${nanos}`;
      return (BigInt(time.ms) * 1_000_000n + BigInt(time.subMsNanos)).toString();
    }
  }
}

/** Epoch ms (a fraction of a millisecond is kept as nanoseconds). */
export function timeFromMs(ms: number): PointTime {
  const whole = Math.floor(ms);
  if (whole === ms) return { ms, subMsNanos: 0 };
  return { ms: whole, subMsNanos: Math.min(999_999, Math.round((ms - whole) * 1e6)) };
}

const ISO_FRACTION = /\.(\d+)(?=[zZ]|[+-]\d\d:?\d\d$|$)/;

/**
 * Epoch ms or an ISO 8601 string, keeping digits below the millisecond that Date.parse drops
 * ("2026-11-23T10:00:00.123456789Z" keeps its 456 789 ns).
 */
export function parsePointTime(value: unknown, field: string): PointTime {
  if (typeof value === "number") {
    if (Number.isFinite(value)) return timeFromMs(value);
  } else if (typeof value === "string" && value.trim() !== "") {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) {
      const fraction = ISO_FRACTION.exec(value);
      if (fraction === null || fraction[1].length <= 3) return { ms, subMsNanos: 0 };
      const subMsNanos = Number(fraction[1].slice(3, 9).padEnd(6, "0"));
      return { ms, subMsNanos };
    }
  } else if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isFinite(ms)) return { ms, subMsNanos: 0 };
  }
  throw new InputError(field, `expected epoch milliseconds or an ISO 8601 date, got ${describeValue(value)}`);
}

function appendTag(line: string, key: string, value: string): string {
  if (value === "" || value === undefined || value === null) return line;
  if (key === "") throw new InputError("tags", "a tag key is empty");
  return `${line},${escapeKey(key)}=${escapeKey(typeof value === "string" ? value : String(value))}`;
}

/**
 * One line of line protocol. Tags are sorted by key (InfluxDB's recommendation: the server then
 * skips its own sort); empty tag values are left out. Throws an InputError naming the bad part.
 */
export function encodePoint(point: Point, precision: Precision): string {
  let line = escapeMeasurement(point.measurement);
  // Tags go sorted. Most tag sets arrive sorted already (the same object shape for every point): walk
  // them once and only sort a copy when one is out of order.
  let previous = "";
  let sorted = true;
  for (const key in point.tags) {
    if (key < previous) {
      sorted = false;
      break;
    }
    previous = key;
  }
  const tagKeys = sorted ? null : Object.keys(point.tags).sort();
  if (tagKeys === null) {
    for (const key in point.tags) line = appendTag(line, key, point.tags[key]);
  } else {
    for (const key of tagKeys) line = appendTag(line, key, point.tags[key]);
  }
  let separator = " ";
  for (const key in point.fields) {
    const value = point.fields[key];
    if (value === undefined || value === null) continue;
    if (key === "") throw new InputError("fields", "a field key is empty");
    line += `${separator}${escapeKey(key)}=${formatFieldValue(value, `fields.${key}`)}`;
    separator = ",";
  }
  if (separator === " ") throw new InputError("fields", `point "${point.measurement}" has no field to write (InfluxDB needs at least one)`);
  return `${line} ${formatTime(point.time, precision)}`;
}
