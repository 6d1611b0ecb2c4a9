import { InputError, describeValue } from "../../lib/common/errors";
import { isGoodQuality, parseTimestamp } from "../../lib/common/sample";

/** One reading as the shared message contract defines it. */
export interface Sample {
  value: number;
  /** epoch ms: msg.timestamp, payload.timestamp, else arrival time */
  timestamp: number;
  /** false when msg.quality / payload.quality says the value is not good */
  good: boolean;
}

interface MessageLike {
  payload?: unknown;
  timestamp?: unknown;
  quality?: unknown;
  topic?: unknown;
}

const PAYLOAD_FORM = "a finite number or an object {value: number, timestamp?, quality?}";

/** The series key: msg.topic as a string ("" when absent). */
export function seriesKey(msg: MessageLike): string {
  const topic = msg.topic;
  if (topic === undefined || topic === null) return "";
  if (typeof topic === "string") return topic;
  if (typeof topic === "number" || typeof topic === "boolean") return String(topic);
  throw new InputError("msg.topic", `expected a string tag name, got ${describeValue(topic)}`);
}

/** A fresh sample to pass to `readPayload` as its scratch space. */
export function emptySample(): Sample {
  return { value: 0, timestamp: 0, good: true };
}

function readOne(item: unknown, field: string, fallbackTime: number, outerQuality: unknown, into: Sample): Sample {
  if (typeof item === "number") {
    if (item - item !== 0) throw new InputError(field, `expected ${PAYLOAD_FORM}, got ${describeValue(item)}`);
    into.value = item;
    into.timestamp = fallbackTime;
    into.good = outerQuality === undefined ? true : isGoodQuality(outerQuality, "msg.quality");
    return into;
  }
  const record = item !== null && typeof item === "object" && !Array.isArray(item) && !Buffer.isBuffer(item) ? (item as { value?: unknown; timestamp?: unknown; quality?: unknown }) : null;
  const quality = record?.quality !== undefined ? record.quality : outerQuality;
  const qualityField = record?.quality !== undefined ? `${field}.quality` : "msg.quality";
  const good = quality === undefined ? true : isGoodQuality(quality, qualityField);
  const value = record ? record.value : item;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    // A source that lost its value says so with a bad quality and no value (Modbus timeout, OPC UA
    // BadNoCommunication): that reading is counted as excluded, not an error.
    if (!good && (value === null || value === undefined || (typeof value === "number" && Number.isNaN(value)))) {
      into.value = NaN;
      into.timestamp = record?.timestamp === undefined ? fallbackTime : parseTimestamp(record.timestamp, `${field}.timestamp`);
      into.good = false;
      return into;
    }
    if (record) throw new InputError(`${field}.value`, `expected a finite number, got ${describeValue(value)}`);
    throw new InputError(field, `expected ${PAYLOAD_FORM}, got ${describeValue(item)}`);
  }
  into.value = value;
  into.timestamp = record?.timestamp === undefined ? fallbackTime : parseTimestamp(record.timestamp, `${field}.timestamp`);
  into.good = good;
  return into;
}

/**
 * Reads msg.payload. A single reading is written into `into` (a scratch object the node reuses, so the
 * hot path allocates nothing) and null is returned; an array, when `allowBatch`, is returned as fresh
 * samples. Throws an InputError naming the offending field and the expected form.
 */
export function readPayload(msg: MessageLike, allowBatch: boolean, into: Sample): Sample[] | null {
  const messageTime = msg.timestamp === undefined ? Date.now() : parseTimestamp(msg.timestamp, "msg.timestamp");
  if (Array.isArray(msg.payload)) {
    if (!allowBatch) throw new InputError("msg.payload", `expected ${PAYLOAD_FORM}, got an array`);
    return msg.payload.map((item, i) => readOne(item, `msg.payload[${i}]`, messageTime, msg.quality, emptySample()));
  }
  readOne(msg.payload, "msg.payload", messageTime, msg.quality, into);
  return null;
}

/**
 * Reads only the time and quality of a reading, whatever its value (a gap detector watches string and
 * boolean tags too): payload.timestamp / payload.quality when the payload is an object, else
 * msg.timestamp / msg.quality, else arrival time and good. `into.value` is left as it is.
 */
export function readTimeAndQuality(msg: MessageLike, into: Sample): Sample {
  const payload = msg.payload;
  const record = payload !== null && typeof payload === "object" && !Array.isArray(payload) && !Buffer.isBuffer(payload) ? (payload as { timestamp?: unknown; quality?: unknown }) : null;
  if (record?.timestamp !== undefined) into.timestamp = parseTimestamp(record.timestamp, "msg.payload.timestamp");
  else into.timestamp = msg.timestamp === undefined ? Date.now() : parseTimestamp(msg.timestamp, "msg.timestamp");
  if (record?.quality !== undefined) into.good = isGoodQuality(record.quality, "msg.payload.quality");
  else into.good = msg.quality === undefined ? true : isGoodQuality(msg.quality, "msg.quality");
  return into;
}
