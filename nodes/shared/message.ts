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

export type ParsedPayload = { batch: false; sample: Sample } | { batch: true; samples: Sample[] };

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

function readOne(item: unknown, field: string, fallbackTime: number, outerQuality: unknown): Sample {
  if (typeof item === "number") {
    if (!Number.isFinite(item)) throw new InputError(field, `expected ${PAYLOAD_FORM}, got ${describeValue(item)}`);
    return { value: item, timestamp: fallbackTime, good: outerQuality === undefined ? true : isGoodQuality(outerQuality, "msg.quality") };
  }
  if (item !== null && typeof item === "object" && !Array.isArray(item) && !Buffer.isBuffer(item)) {
    const record = item as { value?: unknown; timestamp?: unknown; quality?: unknown };
    const value = record.value;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new InputError(`${field}.value`, `expected a finite number, got ${describeValue(value)}`);
    }
    const timestamp = record.timestamp === undefined ? fallbackTime : parseTimestamp(record.timestamp, `${field}.timestamp`);
    const quality = record.quality !== undefined ? record.quality : outerQuality;
    const qualityField = record.quality !== undefined ? `${field}.quality` : "msg.quality";
    return { value, timestamp, good: quality === undefined ? true : isGoodQuality(quality, qualityField) };
  }
  throw new InputError(field, `expected ${PAYLOAD_FORM}, got ${describeValue(item)}`);
}

/**
 * Reads msg.payload as one sample or, when it is an array and `allowBatch`, as a batch. Throws an
 * InputError naming the offending field and the expected form.
 */
export function readPayload(msg: MessageLike, allowBatch: boolean, now = Date.now()): ParsedPayload {
  const messageTime = msg.timestamp === undefined ? now : parseTimestamp(msg.timestamp, "msg.timestamp");
  if (Array.isArray(msg.payload)) {
    if (!allowBatch) throw new InputError("msg.payload", `expected ${PAYLOAD_FORM}, got an array`);
    const samples = msg.payload.map((item, i) => readOne(item, `msg.payload[${i}]`, messageTime, msg.quality));
    return { batch: true, samples };
  }
  return { batch: false, sample: readOne(msg.payload, "msg.payload", messageTime, msg.quality) };
}
