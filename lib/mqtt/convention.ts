import { InputError, describeValue } from "../common/errors";
import { isGoodQuality, parseTimestamp } from "../common/sample";

/**
 * The MQTT convention of the shipped flows (docs/mqtt-convention.md): topic `plant/<site>/<asset>/<tag>`,
 * payload `{"value": …, "timestamp": <epoch ms>, "quality": …}` as JSON. The flows use Node-RED's core MQTT
 * nodes; this module is the reference for both directions and what the tests check the broker traffic
 * against. In a flow the same conversion is two core change nodes (CHANGE_RULES_TO_MQTT / _FROM_MQTT).
 */

export const TOPIC_PREFIX = "plant";

export interface TagAddress {
  site: string;
  asset: string;
  tag: string;
}

/** What travels as the MQTT payload (JSON). */
export interface ConventionPayload {
  value: number | string | boolean | null;
  /** epoch ms of the measurement (the source time, never the publish time when a source time exists) */
  timestamp: number;
  /** the contract's quality as it came: 0-255 byte (192 = good), OPC UA StatusCode {value, name} or name */
  quality: unknown;
}

/** The contract message a received MQTT message becomes: msg.topic = "<site>/<asset>/<tag>". */
export interface ContractFromMqtt extends TagAddress {
  topic: string;
  payload: number | string | boolean | null;
  timestamp: number;
  quality: unknown;
}

/** The classic "good" quality byte, used when a message carries no quality at all. */
const GOOD_QUALITY = 192;

/**
 * One topic level: not empty, and free of the characters MQTT gives a meaning ("/" separates levels,
 * "+" and "#" are wildcards a publisher must not use, NUL is forbidden by the spec).
 */
export function topicSegment(value: unknown, field: string): string {
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text !== "string" || text.trim() === "" || /[/+#]/.test(text) || text.includes("\u0000")) {
    throw new InputError(field, `expected a topic level without "/", "+", "#" (like "WP1" or "OilRate"), got ${describeValue(value)}`);
  }
  return text;
}

export function formatTopic(address: TagAddress, prefix = TOPIC_PREFIX): string {
  return `${prefix}/${topicSegment(address.site, "site")}/${topicSegment(address.asset, "asset")}/${topicSegment(address.tag, "tag")}`;
}

export function parseTopic(topic: unknown, prefix = TOPIC_PREFIX, field = "msg.topic"): TagAddress {
  const levels = typeof topic === "string" ? topic.split("/") : [];
  const form = `"${prefix}/<site>/<asset>/<tag>"`;
  if (levels.length !== 4 || levels[0] !== prefix) throw new InputError(field, `expected a topic ${form}, got ${describeValue(topic)}`);
  const [, site, asset, tag] = levels;
  return { site: topicSegment(site, `${field} site`), asset: topicSegment(asset, `${field} asset`), tag: topicSegment(tag, `${field} tag`) };
}

/** The series key (msg.topic) of a tag inside the flows: "<site>/<asset>/<tag>", unique across the plant. */
export function seriesTopic(address: TagAddress): string {
  return `${address.site}/${address.asset}/${address.tag}`;
}

function readValue(value: unknown, field: string): ConventionPayload["value"] {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  throw new InputError(field, `expected a finite number, a string, a boolean or null, got ${describeValue(value)}`);
}

function readQuality(quality: unknown, field: string): unknown {
  if (quality === undefined) return GOOD_QUALITY;
  isGoodQuality(quality, field); // throws an InputError naming the field when the form is unknown
  return quality;
}

interface ContractLike {
  topic?: unknown;
  payload?: unknown;
  timestamp?: unknown;
  quality?: unknown;
}

/**
 * A contract message (opcua-in, modbus-in, analytics) as MQTT topic and payload. msg.topic is the tag
 * ("OilRate"), "<asset>/<tag>" or "<site>/<asset>/<tag>"; missing levels come from `defaults`.
 * Time: payload.timestamp, msg.timestamp, else `now`; quality: payload.quality, msg.quality, else 192.
 */
export function toMqttMessage(msg: ContractLike, defaults: Partial<TagAddress> = {}, now = Date.now(), prefix = TOPIC_PREFIX): { topic: string; payload: ConventionPayload } {
  if (typeof msg.topic !== "string" || msg.topic === "") throw new InputError("msg.topic", `expected the tag name, "<asset>/<tag>" or "<site>/<asset>/<tag>", got ${describeValue(msg.topic)}`);
  const levels = msg.topic.split("/");
  if (levels.length > 3) throw new InputError("msg.topic", `expected at most "<site>/<asset>/<tag>", got ${describeValue(msg.topic)}`);
  const [tag, asset, site] = [...levels].reverse();
  const address: TagAddress = {
    site: topicSegment(site ?? defaults.site, site === undefined ? "site" : "msg.topic site"),
    asset: topicSegment(asset ?? defaults.asset, asset === undefined ? "asset" : "msg.topic asset"),
    tag: topicSegment(tag, "msg.topic tag"),
  };
  const inner = msg.payload !== null && typeof msg.payload === "object" && !Array.isArray(msg.payload) && !Buffer.isBuffer(msg.payload) ? (msg.payload as ContractLike & { value?: unknown }) : null;
  const value = readValue(inner ? inner.value : msg.payload, inner ? "msg.payload.value" : "msg.payload");
  const timestamp =
    inner?.timestamp !== undefined ? parseTimestamp(inner.timestamp, "msg.payload.timestamp") : msg.timestamp !== undefined ? parseTimestamp(msg.timestamp, "msg.timestamp") : now;
  const quality = inner?.quality !== undefined ? readQuality(inner.quality, "msg.payload.quality") : readQuality(msg.quality, "msg.quality");
  return { topic: formatTopic(address, prefix), payload: { value, timestamp, quality } };
}

/**
 * A received MQTT message (payload as the core mqtt-in node gives it: parsed JSON object, JSON string or
 * Buffer) as a contract message. Rejects anything that does not follow the convention, naming the field.
 */
export function fromMqttMessage(topic: unknown, payload: unknown, prefix = TOPIC_PREFIX): ContractFromMqtt {
  const address = parseTopic(topic, prefix);
  let body = payload;
  if (Buffer.isBuffer(body)) body = body.toString("utf8");
  if (typeof body === "string") {
    try {
      body = JSON.parse(body);
    } catch {
      throw new InputError("msg.payload", `expected JSON {"value", "timestamp", "quality"}, got ${describeValue(payload)}`);
    }
  }
  if (body === null || typeof body !== "object" || Array.isArray(body) || !("value" in body)) {
    throw new InputError("msg.payload", `expected {"value", "timestamp", "quality"}, got ${describeValue(body)}`);
  }
  const record = body as { value: unknown; timestamp?: unknown; quality?: unknown };
  if (record.timestamp === undefined) throw new InputError("msg.payload.timestamp", "expected epoch milliseconds or an ISO 8601 date, got undefined");
  return {
    ...address,
    topic: seriesTopic(address),
    payload: readValue(record.value, "msg.payload.value"),
    timestamp: parseTimestamp(record.timestamp, "msg.payload.timestamp"),
    quality: readQuality(record.quality, "msg.payload.quality"),
  };
}

/** A rule of Node-RED's core change node. */
export interface ChangeRule {
  t: "set";
  p: string;
  pt: "msg";
  to: string;
  tot: "jsonata";
}

const jsonata = (p: string, to: string): ChangeRule => ({ t: "set", p, pt: "msg", to, tot: "jsonata" });

/**
 * The convention as core change-node rules, for flows that need no code: contract message in (msg.topic
 * = tag; site and asset from the flow's environment variables PLANT_SITE and PLANT_ASSET), MQTT message out.
 * The payload rule runs first because it still reads msg.timestamp and msg.quality.
 */
export const CHANGE_RULES_TO_MQTT: readonly ChangeRule[] = [
  jsonata(
    "payload",
    '{"value": $type(payload) = "object" ? payload.value : payload, "timestamp": $exists(payload.timestamp) ? payload.timestamp : $exists(timestamp) ? timestamp : $millis(), "quality": $exists(payload.quality) ? payload.quality : $exists(quality) ? quality : 192}',
  ),
  jsonata("topic", '"plant/" & $env("PLANT_SITE") & "/" & $env("PLANT_ASSET") & "/" & topic'),
];

/** MQTT message in (mqtt-in with output "a parsed JSON object"), contract message out. */
export const CHANGE_RULES_FROM_MQTT: readonly ChangeRule[] = [
  jsonata("timestamp", "payload.timestamp"),
  jsonata("quality", "payload.quality"),
  jsonata("payload", "payload.value"),
  jsonata("topic", '$substringAfter(topic, "plant/")'),
];
