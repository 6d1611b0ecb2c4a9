import { InputError, describeValue } from "../common/errors";
import { IntegerValue, encodePoint, escapeKey, escapeMeasurement, formatTime, parsePointTime, quoteString, timeFromMs, type FieldValue, type Point, type PointTime, type Precision } from "./line-protocol";
import { QUALITY_GOOD, opcuaStatusCode, qualityByte } from "../common/sample";

/**
 * Points from messages of the shared contract: `{topic, payload: number | {value, timestamp, quality}}`,
 * objects of several fields, explicit points `{measurement, tags, fields, timestamp}` (the shape
 * node-red-contrib-influxdb's batch node takes) and arrays of any of these. Opt-in analytic results
 * (msg.sigma.std, msg.spc.violations, msg.anomaly.score, msg.gap.*) become extra fields of the point.
 */

export interface PointBuilderOptions {
  /** measurement when the message names none (msg.measurement / payload.measurement) */
  measurement: string;
  /** tag key that receives msg.topic; "" = msg.topic is not written */
  topicTag: string;
  /** tags on every point (msg.tags and point tags add to them and win) */
  tags: Record<string, string>;
  /** field name of a single value (a number payload or payload.value) */
  valueField: string;
  /** field name of the quality code; "" = quality is not written */
  qualityField: string;
  /** message paths written as extra fields: "sigma.std", "spc.violations", "gap.*" (every scalar of msg.gap) */
  analytics: string[];
  /** field names written as integers (`12i`); every other number is a float, so a type never flips */
  integerFields: string[];
}

export const DEFAULT_POINT_OPTIONS: PointBuilderOptions = {
  measurement: "telemetry",
  topicTag: "tag",
  tags: {},
  valueField: "value",
  qualityField: "quality",
  analytics: [],
  integerFields: [],
};

const KEY_FORM = "a name of letters, digits, _ - . : / (no leading _ as InfluxDB reserves it)";

function validateName(value: unknown, field: string, allowEmpty: boolean): string {
  if (value === undefined || value === null) value = "";
  if (typeof value !== "string") throw new InputError(field, `expected ${KEY_FORM}, got ${describeValue(value)}`);
  const name = value.trim();
  if (name === "" && !allowEmpty) throw new InputError(field, `expected ${KEY_FORM}, got an empty name`);
  if (name.startsWith("_")) throw new InputError(field, `expected ${KEY_FORM}, got ${describeValue(name)}`);
  return name;
}

/** A tag set from an object of scalars (the editor's JSON or msg.tags). */
export function parseTags(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null || value === "") return {};
  let tags = value;
  if (typeof value === "string") {
    try {
      tags = JSON.parse(value);
    } catch {
      throw new InputError(field, `expected a JSON object like {"site": "north"}, got ${describeValue(value)}`);
    }
  }
  if (tags === null || typeof tags !== "object" || Array.isArray(tags)) throw new InputError(field, `expected an object of tag names to values, got ${describeValue(tags)}`);
  const source = tags as Record<string, unknown>;
  // The common case (string values, plain keys) is used as it is: no copy per point.
  let plain = true;
  for (const key in source) {
    const tagValue = source[key];
    if (typeof tagValue !== "string" || tagValue === "" || key === "" || key.charCodeAt(0) === 95 /* _ */) {
      plain = false;
      break;
    }
  }
  if (plain) return source as Record<string, string>;
  const out: Record<string, string> = {};
  for (const key in source) {
    const tagValue = source[key];
    if (tagValue === undefined || tagValue === null || tagValue === "") continue;
    const type = typeof tagValue;
    if (type !== "string" && type !== "number" && type !== "boolean") {
      throw new InputError(`${field}.${key}`, `expected a string, number or boolean tag value, got ${describeValue(tagValue)}`);
    }
    out[validateName(key, `${field} key`, false)] = type === "string" ? (tagValue as string) : String(tagValue);
  }
  return out;
}

/** A list from an array or a comma/space separated string. */
export function parseNameList(value: unknown, field: string): string[] {
  if (value === undefined || value === null || value === "") return [];
  const items = Array.isArray(value) ? value : typeof value === "string" ? value.split(/[,\s]+/) : null;
  if (items === null) throw new InputError(field, `expected a comma-separated list of names, got ${describeValue(value)}`);
  return items.filter((item) => item !== "").map((item, i) => validateName(item, `${field}[${i}]`, false));
}

/** Options as the editor stores them: lists as comma-separated text, tags as JSON text. */
export type PointBuilderInput = Partial<Omit<PointBuilderOptions, "analytics" | "integerFields" | "tags">> & {
  analytics?: string | string[];
  integerFields?: string | string[];
  tags?: string | Record<string, unknown>;
};

export function resolvePointOptions(options: PointBuilderInput): PointBuilderOptions {
  const merged = { ...DEFAULT_POINT_OPTIONS, ...options };
  const analytics = parseNameList(merged.analytics, "analytics");
  for (const path of analytics) {
    if (!/^[A-Za-z][\w-]*(\.[A-Za-z0-9][\w-]*)*(\.\*)?$/.test(path)) {
      throw new InputError("analytics", `expected message paths like "sigma.std" or "gap.*", got ${describeValue(path)}`);
    }
  }
  return {
    measurement: validateName(merged.measurement, "measurement", false),
    topicTag: validateName(merged.topicTag, "topicTag", true),
    tags: parseTags(merged.tags, "tags"),
    valueField: validateName(merged.valueField, "valueField", false),
    qualityField: validateName(merged.qualityField, "qualityField", true),
    analytics,
    integerFields: parseNameList(merged.integerFields, "integerFields"),
  };
}

interface MessageLike {
  topic?: unknown;
  payload?: unknown;
  timestamp?: unknown;
  quality?: unknown;
  measurement?: unknown;
  tags?: unknown;
  [key: string]: unknown;
}

const RESERVED_KEYS = new Set(["timestamp", "time", "quality", "measurement", "tags"]);

function isEmpty(object: Record<string, string>): boolean {
  for (const key in object) if (key !== undefined) return false;
  return true;
}

/** "12": an object puts such keys first whatever the insertion order, so the quick path leaves them to the general one. */
function isArrayIndex(name: string): boolean {
  const c = name.charCodeAt(0);
  return c >= 48 && c <= 57;
}

/** A measurement validateName keeps as it is (no trimming, no leading _). */
function isPlainName(name: string): boolean {
  if (name === "" || name.charCodeAt(0) <= 32 || name.charCodeAt(name.length - 1) <= 32 || name.charCodeAt(0) === 95) return false;
  return name.trim() === name;
}

interface MessageContext {
  measurement: string;
  tags: Record<string, string>;
  fallbackTime: PointTime;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !Buffer.isBuffer(value) && !(value instanceof Date);
}

export class PointBuilder {
  private readonly integerFields: Set<string>;
  private readonly analytics: Array<{ path: string[]; wildcard: boolean; prefix: string }>;
  /** the quick path keeps the general path's field order only when the value and quality names are no array indexes */
  private readonly fastNames: boolean;
  private readonly fieldKeys = new Map<string, string>();
  private readonly scratchKeys: string[] = [];
  private readonly scratchValues: string[] = [];
  private lastMeasurement = "";
  private lastEscapedMeasurement = "";

  constructor(readonly options: PointBuilderOptions) {
    this.integerFields = new Set(options.integerFields);
    this.analytics = options.analytics.map((spec) => {
      const wildcard = spec.endsWith(".*");
      const path = (wildcard ? spec.slice(0, -2) : spec).split(".");
      return { path, wildcard, prefix: path.join("_") };
    });
    this.fastNames = !isArrayIndex(options.valueField) && !isArrayIndex(options.qualityField);
  }

  /**
   * The points of one message, stamped with the message's time (payload.timestamp, msg.timestamp,
   * else `arrivalMs`: the time the message reached the node, never the later time of the write).
   */
  build(msg: MessageLike, arrivalMs: number): Point[] {
    const { measurement, tags, fallbackTime } = this.messageContext(msg, arrivalMs);
    const payload = msg.payload;
    if (Array.isArray(payload)) {
      return payload.map((item, i) => this.pointOf(item, `msg.payload[${i}]`, measurement, tags, fallbackTime, msg.quality, null));
    }
    return [this.pointOf(payload, "msg.payload", measurement, tags, fallbackTime, msg.quality, msg)];
  }

  /**
   * `build` encoded as line protocol, the same lines as `encodePoint` of each built point. The common
   * shapes (numbers, {value, timestamp, quality}, explicit points with plain tags and whole-millisecond
   * times) are written straight into the line without a Point, a fields object or a time object per
   * point, and the measurement-and-tags prefix is built once per message when the points share it:
   * that allocation was most of the node's cost per point. Anything else, and every error, goes the
   * general way, so the error names the field exactly as `build` does.
   */
  lines(msg: MessageLike, arrivalMs: number, precision: Precision): string[] {
    const context = this.messageContext(msg, arrivalMs);
    const payload = msg.payload;
    let sharedPrefix: string | null = null;
    const prefixOf = (): string => (sharedPrefix ??= this.prefix(context.measurement, context.tags, null));
    const fallbackTime = formatTime(context.fallbackTime, precision);
    try {
      if (Array.isArray(payload)) {
        const out = new Array<string>(payload.length);
        for (let i = 0; i < payload.length; i++) {
          out[i] = this.fastLine(payload[i], context, msg.quality, prefixOf, fallbackTime, precision) ?? encodePoint(this.pointOf(payload[i], `msg.payload[${i}]`, context.measurement, context.tags, context.fallbackTime, msg.quality, null), precision);
        }
        return out;
      }
      const fast = this.analytics.length === 0 ? this.fastLine(payload, context, msg.quality, prefixOf, fallbackTime, precision) : null;
      return [fast ?? encodePoint(this.pointOf(payload, "msg.payload", context.measurement, context.tags, context.fallbackTime, msg.quality, msg), precision)];
    } catch {
      // A bad message: the general path names the same first error as `build` then `encodePoint` would.
      return this.build(msg, arrivalMs).map((point) => encodePoint(point, precision));
    }
  }

  private messageContext(msg: MessageLike, arrivalMs: number): MessageContext {
    const measurement = msg.measurement === undefined ? this.options.measurement : validateName(msg.measurement, "msg.measurement", false);
    let tags = this.options.tags;
    if (msg.tags !== undefined) tags = { ...tags, ...parseTags(msg.tags, "msg.tags") };
    if (this.options.topicTag !== "" && msg.topic !== undefined && msg.topic !== null && msg.topic !== "") {
      if (typeof msg.topic !== "string" && typeof msg.topic !== "number") throw new InputError("msg.topic", `expected a string tag name, got ${describeValue(msg.topic)}`);
      tags = { ...tags, [this.options.topicTag]: String(msg.topic) };
    }
    const messageTime = msg.timestamp === undefined ? null : parsePointTime(msg.timestamp, "msg.timestamp");
    return { measurement, tags, fallbackTime: messageTime ?? timeFromMs(arrivalMs) };
  }

  /**
   * The line of one item the quick way, or null when the item needs the general path (an unusual
   * shape, a value to check, or an error to report). Only cases whose line is certain to equal
   * `encodePoint(pointOf(...))` are taken here; the test compares both on seeded random messages.
   */
  private fastLine(item: unknown, context: MessageContext, outerQuality: unknown, sharedPrefix: () => string, fallbackTime: string, precision: Precision): string | null {
    if (!this.fastNames) return null;
    const qualityField = this.options.qualityField;
    if (typeof item === "number") {
      if (!Number.isFinite(item) || this.integerFields.has(this.options.valueField)) return null;
      const quality = qualityField === "" ? "" : this.fastQuality(outerQuality);
      const prefix = sharedPrefix();
      if (quality === null || prefix === "" || (quality !== "" && qualityField === this.options.valueField)) return null;
      return `${prefix} ${this.fieldKey(this.options.valueField)}=${item}${quality} ${fallbackTime}`;
    }
    if (item === null || typeof item !== "object" || Array.isArray(item) || Buffer.isBuffer(item) || item instanceof Date) return null;
    const point = item as Record<string, unknown>;
    if (point.time !== undefined) return null;
    let time = fallbackTime;
    const timestamp = point.timestamp;
    if (timestamp !== undefined) {
      if (typeof timestamp !== "number" || !Number.isInteger(timestamp) || (precision !== "ms" && timestamp < 0)) return null;
      time = precision === "ms" ? `${timestamp}` : formatTime({ ms: timestamp, subMsNanos: 0 }, precision);
    }
    const measurement = point.measurement;
    if (measurement !== undefined && (typeof measurement !== "string" || !isPlainName(measurement))) return null;
    let prefix: string;
    if (point.tags === undefined) {
      prefix = measurement === undefined || measurement === context.measurement ? sharedPrefix() : this.prefix(measurement, context.tags, null);
      if (prefix === "") return null;
    } else {
      const own = point.tags;
      if (own === null || typeof own !== "object" || Array.isArray(own)) return null;
      prefix = this.prefix((measurement as string | undefined) ?? context.measurement, context.tags, own as Record<string, unknown>);
      if (prefix === "") return null;
    }
    const quality = qualityField === "" ? "" : this.fastQuality(point.quality !== undefined ? point.quality : outerQuality);
    if (quality === null) return null;
    const ownFields = point.fields !== undefined;
    const source = ownFields ? point.fields : point;
    if (source === null || typeof source !== "object" || Array.isArray(source) || Buffer.isBuffer(source) || source instanceof Date) return null;
    const fields = source as Record<string, unknown>;
    const valueField = this.options.valueField;
    // Names that would land on the same field (the last one wins in a fields object): the general path.
    if (!ownFields && valueField !== "value" && fields.value !== undefined && fields[valueField] !== undefined) return null;
    if (quality !== "") {
      const clash = ownFields ? fields[qualityField] !== undefined : (!RESERVED_KEYS.has(qualityField) && fields[qualityField] !== undefined) || (qualityField === valueField && fields.value !== undefined);
      if (clash) return null;
    }
    let line = prefix;
    let separator = " ";
    for (const key in fields) {
      if (!ownFields && RESERVED_KEYS.has(key)) continue;
      const value = fields[key];
      if (value === undefined || value === null) continue;
      const name = key === "value" && !ownFields ? valueField : key;
      if (name === "" || isArrayIndex(name)) return null;
      let text: string;
      switch (typeof value) {
        case "number":
          if (!Number.isFinite(value)) return null;
          if (this.integerFields.size > 0 && this.integerFields.has(name)) {
            if (!Number.isSafeInteger(value)) return null;
            text = `${value}i`;
          } else {
            text = `${value}`;
          }
          break;
        case "boolean":
          text = value ? "true" : "false";
          break;
        case "string":
          text = quoteString(value);
          break;
        default:
          return null;
      }
      line += `${separator}${this.fieldKey(name)}=${text}`;
      separator = ",";
    }
    if (separator === " " && quality === "") return null;
    return separator === " " ? `${line} ${quality.slice(1)} ${time}` : `${line}${quality} ${time}`;
  }

  /** ",quality=192i" for a quality byte or a Good StatusCode, "" when there is none, null for anything else. */
  private fastQuality(quality: unknown): string | null {
    if (quality === undefined || quality === null || this.options.qualityField === "") return "";
    let byte: number;
    if (typeof quality === "number" && Number.isInteger(quality) && quality >= 0 && quality <= 255) byte = quality;
    else if (opcuaStatusCode(quality) === 0) byte = QUALITY_GOOD;
    else return null;
    return `,${this.fieldKey(this.options.qualityField)}=${byte}i`;
  }

  /**
   * "measurement,k1=v1,k2=v2" with the tags of the message and the point's own (which win), sorted by
   * key, or "" when a name or value needs the general path. Scratch arrays, no merged object.
   */
  private prefix(measurement: string, base: Record<string, string>, own: Record<string, unknown> | null): string {
    const keys = this.scratchKeys;
    const values = this.scratchValues;
    let count = 0;
    for (const key in base) {
      keys[count] = key;
      values[count++] = base[key];
    }
    if (own !== null) {
      for (const key in own) {
        const value = own[key];
        if (typeof value !== "string" || value === "" || key === "" || key.charCodeAt(0) === 95 /* _ */) return "";
        let at = 0;
        while (at < count && keys[at] !== key) at++;
        if (at === count) keys[count++] = key;
        values[at] = value;
      }
    }
    // Insertion sort: tag sets are a handful of keys, often sorted already.
    for (let i = 1; i < count; i++) {
      const key = keys[i];
      if (keys[i - 1] <= key) continue;
      const value = values[i];
      let j = i - 1;
      while (j >= 0 && keys[j] > key) {
        keys[j + 1] = keys[j];
        values[j + 1] = values[j];
        j--;
      }
      keys[j + 1] = key;
      values[j + 1] = value;
    }
    let line = measurement === this.lastMeasurement ? this.lastEscapedMeasurement : this.escapedMeasurement(measurement);
    for (let i = 0; i < count; i++) {
      if (values[i] === "") continue;
      if (keys[i] === "") return "";
      line += `,${escapeKey(keys[i])}=${escapeKey(values[i])}`;
    }
    return line;
  }

  private escapedMeasurement(measurement: string): string {
    this.lastEscapedMeasurement = escapeMeasurement(measurement);
    this.lastMeasurement = measurement;
    return this.lastEscapedMeasurement;
  }

  /** Field keys repeat on every point (they are property names): escaped once. */
  private fieldKey(name: string): string {
    let escaped = this.fieldKeys.get(name);
    if (escaped === undefined) {
      escaped = escapeKey(name);
      if (this.fieldKeys.size < 4096) this.fieldKeys.set(name, escaped);
    }
    return escaped;
  }

  private pointOf(item: unknown, field: string, measurement: string, tags: Record<string, string>, fallbackTime: PointTime, outerQuality: unknown, msg: MessageLike | null): Point {
    const fields: Record<string, FieldValue> = {};
    let fieldCount = 0;
    let time = fallbackTime;
    let quality = outerQuality;
    if (typeof item === "number" || typeof item === "boolean" || typeof item === "string") {
      fields[this.options.valueField] = this.fieldValue(this.options.valueField, item, field);
      fieldCount++;
    } else if (isPlainObject(item)) {
      if (item.timestamp !== undefined || item.time !== undefined) {
        time = parsePointTime(item.timestamp ?? item.time, `${field}.${item.timestamp !== undefined ? "timestamp" : "time"}`);
      }
      if (item.quality !== undefined) quality = item.quality;
      if (item.measurement !== undefined) measurement = validateName(item.measurement, `${field}.measurement`, false);
      if (item.tags !== undefined) {
        const own = parseTags(item.tags, `${field}.tags`);
        tags = isEmpty(tags) ? own : { ...tags, ...own };
      }
      const source = item.fields !== undefined ? item.fields : item;
      const sourceField = item.fields !== undefined ? `${field}.fields` : field;
      if (!isPlainObject(source)) throw new InputError(sourceField, `expected an object of field names to values, got ${describeValue(source)}`);
      for (const key in source) {
        if (source === item && RESERVED_KEYS.has(key)) continue;
        const value = source[key];
        if (value === undefined || value === null) continue;
        const name = key === "value" && source === item ? this.options.valueField : key;
        fields[name] = this.fieldValue(name, value, `${sourceField}.${key}`);
        fieldCount++;
      }
    } else {
      throw new InputError(field, `expected a number, boolean, string, an object {value, timestamp?, quality?} or a point {measurement?, tags?, fields, timestamp?}, got ${describeValue(item)}`);
    }
    if (quality !== undefined && quality !== null && this.options.qualityField !== "") {
      fieldCount += addQualityFields(fields, this.options.qualityField, quality, field === "msg.payload" ? "msg.quality" : `${field}.quality`);
    }
    if (msg !== null && this.analytics.length > 0) {
      this.addAnalytics(msg, fields);
      fieldCount = Object.keys(fields).length;
    }
    if (fieldCount === 0) throw new InputError(field, "no field to write (InfluxDB needs at least one value)");
    return { measurement, tags, fields, time };
  }

  private fieldValue(name: string, value: unknown, field: string): FieldValue {
    if (typeof value === "number") {
      if (!Number.isFinite(value)) throw new InputError(field, `expected a finite number (InfluxDB stores no NaN or Infinity), got ${describeValue(value)}`);
      if (this.integerFields.has(name)) {
        if (!Number.isSafeInteger(value)) throw new InputError(field, `field "${name}" is written as an integer: expected a whole number, got ${value}`);
        return new IntegerValue(value);
      }
      return value;
    }
    if (typeof value === "boolean" || typeof value === "string" || typeof value === "bigint") return value;
    throw new InputError(field, `expected a number, boolean or string, got ${describeValue(value)}`);
  }

  private addAnalytics(msg: MessageLike, fields: Record<string, FieldValue>): void {
    for (const spec of this.analytics) {
      let value: unknown = msg;
      for (const part of spec.path) {
        if (value === null || typeof value !== "object") {
          value = undefined;
          break;
        }
        value = (value as Record<string, unknown>)[part];
      }
      if (spec.wildcard) {
        if (!isPlainObject(value)) continue;
        for (const key in value) this.addAnalytic(`${spec.prefix}_${key}`, value[key], fields);
      } else {
        this.addAnalytic(spec.prefix, value, fields);
      }
    }
  }

  /** Scalars as they are, arrays (such as spc.violations) as their count; null, objects and NaN skipped. */
  private addAnalytic(name: string, value: unknown, fields: Record<string, FieldValue>): void {
    if (typeof value === "number") {
      if (Number.isFinite(value)) fields[name] = this.integerFields.has(name) && Number.isSafeInteger(value) ? new IntegerValue(value) : value;
    } else if (typeof value === "boolean" || typeof value === "string") {
      fields[name] = value;
    } else if (Array.isArray(value)) {
      fields[name] = new IntegerValue(value.length);
    }
  }
}

/**
 * The quality as the classic byte (192 good, 64 uncertain, 0 bad; 0..255 kept as given), so the
 * historian holds one encoding whatever the source: an OPC UA StatusCode 0 is Good, a Modbus byte 0 is
 * bad, and both would otherwise land in the same integer field. A StatusCode that is not Good also goes
 * to `<quality field>_code` (the full code tells BadNoCommunication from BadSensorFailure).
 */
function addQualityFields(fields: Record<string, FieldValue>, qualityField: string, quality: unknown, field: string): number {
  fields[qualityField] = new IntegerValue(qualityByte(quality, field));
  const code = opcuaStatusCode(quality);
  if (code === null || code >>> 30 === 0) return 1;
  fields[`${qualityField}_code`] = new IntegerValue(code);
  return 2;
}
