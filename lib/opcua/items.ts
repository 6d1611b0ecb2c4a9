import { InputError, describeValue } from "../common/errors";

/**
 * The monitored-item list of an opcua-in node, checked once at deploy so a typo in a NodeId is a
 * clear configuration error naming the row, not a silent item that never reports.
 */

export type DeadbandType = "none" | "absolute" | "percent";

export interface MonitoredTag {
  /** NodeId in the OPC UA string form: ns=2;s=Well01.OilRate, i=2258, ns=3;g=<guid>, ns=1;b=<base64> */
  nodeId: string;
  /** msg.topic of the values of this item; the NodeId when no tag name is given */
  tag: string;
  deadbandType: DeadbandType;
  /** engineering units for "absolute", percent of the EURange for "percent"; 0 with "none" */
  deadband: number;
}

export interface SubscriptionSettings {
  /** how often the server samples each item (ms) */
  samplingIntervalMs: number;
  /** how often the server sends the changes it collected (ms) */
  publishingIntervalMs: number;
  /** values the server keeps per item between two publishes, so a burst is not lost */
  queueSize: number;
}

// The grammar of OPC UA Part 6 §5.3.1.10, checked here rather than with node-opcua's resolveNodeId so the
// configuration parser stays free of the protocol stack (unit tests and the editor rules load it fast).
const NODE_ID = /^(?:(?:ns=\d+|nsu=[^;]+);)?(?:i=\d+|s=.+|g=[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|b=[A-Za-z0-9+/]+={0,2})$/s;

export function parseNodeId(value: unknown, field: string): string {
  const text = typeof value === "string" ? value.trim() : value;
  if (typeof text !== "string" || !NODE_ID.test(text)) {
    throw new InputError(field, `expected a NodeId like "ns=2;s=Well01.OilRate" or "ns=2;i=1001", got ${describeValue(value)}`);
  }
  return text;
}

function optionalNumber(value: unknown, field: string, fallback: number): number {
  if (value === undefined || value === null || value === "") return fallback;
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new InputError(field, `expected a number, got ${describeValue(value)}`);
  return n;
}

function parseDeadbandType(value: unknown, field: string): DeadbandType {
  if (value === undefined || value === null || value === "") return "absolute";
  if (value === "none" || value === "absolute" || value === "percent") return value;
  throw new InputError(field, `expected "none", "absolute" or "percent", got ${describeValue(value)}`);
}

/**
 * Rows `{nodeId, tag?, deadband?, deadbandType?}` from the editor (or a JSON string of them). A deadband of
 * 0 or empty means every change is reported. Tag names must be unique: they are the series keys downstream.
 */
export function parseMonitoredTags(value: unknown, field = "items"): MonitoredTag[] {
  let rows = value;
  if (typeof rows === "string") {
    try {
      rows = JSON.parse(rows);
    } catch {
      throw new InputError(field, "expected a JSON array of {nodeId, tag, deadband}");
    }
  }
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new InputError(field, `expected a non-empty list of {nodeId, tag, deadband}, got ${describeValue(rows)}`);
  }
  const seen = new Map<string, number>();
  return rows.map((row: unknown, i): MonitoredTag => {
    const at = `${field}[${i}]`;
    if (row === null || typeof row !== "object" || Array.isArray(row)) throw new InputError(at, `expected {nodeId, tag, deadband}, got ${describeValue(row)}`);
    const record = row as Record<string, unknown>;
    const nodeId = parseNodeId(record.nodeId, `${at}.nodeId`);
    const tagValue = typeof record.tag === "string" ? record.tag.trim() : record.tag;
    if (tagValue !== undefined && tagValue !== null && typeof tagValue !== "string") throw new InputError(`${at}.tag`, `expected a tag name, got ${describeValue(record.tag)}`);
    const tag = tagValue ? tagValue : nodeId;
    const previous = seen.get(tag);
    if (previous !== undefined) throw new InputError(`${at}.tag`, `"${tag}" is already the tag of ${field}[${previous}]; tag names must be unique`);
    seen.set(tag, i);
    const deadband = optionalNumber(record.deadband, `${at}.deadband`, 0);
    if (deadband < 0) throw new InputError(`${at}.deadband`, `expected a number >= 0, got ${describeValue(record.deadband)}`);
    let deadbandType = deadband === 0 ? "none" : parseDeadbandType(record.deadbandType, `${at}.deadbandType`);
    if (deadbandType === "percent" && deadband > 100) throw new InputError(`${at}.deadband`, `expected a percentage 0-100, got ${deadband}`);
    if (deadband === 0) deadbandType = "none";
    return { nodeId, tag, deadbandType, deadband: deadbandType === "none" ? 0 : deadband };
  });
}

/** Sampling and publishing intervals in ms (0 sampling = the server's fastest) and the queue size. */
export function parseSubscriptionSettings(def: { samplingInterval?: unknown; publishingInterval?: unknown; queueSize?: unknown }): SubscriptionSettings {
  const samplingIntervalMs = optionalNumber(def.samplingInterval, "samplingInterval", 1000);
  if (samplingIntervalMs < 0) throw new InputError("samplingInterval", `expected milliseconds >= 0, got ${describeValue(def.samplingInterval)}`);
  const publishingIntervalMs = optionalNumber(def.publishingInterval, "publishingInterval", 1000);
  if (publishingIntervalMs < 10) throw new InputError("publishingInterval", `expected milliseconds >= 10, got ${describeValue(def.publishingInterval)}`);
  const queueSize = optionalNumber(def.queueSize, "queueSize", 10);
  if (!Number.isInteger(queueSize) || queueSize < 1) throw new InputError("queueSize", `expected a whole number >= 1, got ${describeValue(def.queueSize)}`);
  return { samplingIntervalMs, publishingIntervalMs, queueSize };
}
