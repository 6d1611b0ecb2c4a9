/**
 * OPC UA data values turned into the package's message contract
 * `{topic: tag, payload: value, timestamp: epoch ms, quality: {value, name}}`, without node-opcua types
 * so it is tested on plain objects.
 */

/** The part of an OPC UA StatusCode the contract keeps. */
export interface StatusLike {
  value: number;
  name: string;
}

/** The part of node-opcua's DataValue the contract needs. */
export interface DataValueLike {
  value: { value: unknown } | null | undefined;
  statusCode: StatusLike | null | undefined;
  sourceTimestamp: Date | null | undefined;
  serverTimestamp: Date | null | undefined;
}

export interface ContractMessage {
  topic: string;
  payload: unknown;
  /** epoch ms: the source timestamp, else the server's, else arrival */
  timestamp: number;
  /**
   * The StatusCode as a plain object: lib/common/sample.ts isGoodQuality reads `value` with the OPC UA
   * severity bits (a bare 0 would read as the classic "bad" quality byte), `name` is for people.
   */
  quality: StatusLike;
  /** the NodeId the value came from */
  nodeId: string;
}

const GOOD: StatusLike = { value: 0, name: "Good" };

/**
 * A Variant's value as JSON-friendly data: typed arrays become arrays, 64-bit integers (node-opcua gives
 * [high, low] words) become numbers when they fit exactly, else strings, so nothing is silently rounded.
 */
export function plainValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (ArrayBuffer.isView(value) && !Buffer.isBuffer(value)) return Array.from(value as unknown as ArrayLike<number>);
  if (value instanceof Date) return value.getTime();
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(plainValue);
  if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function" && !Buffer.isBuffer(value)) {
    return (value as { toJSON(): unknown }).toJSON();
  }
  return value;
}

export function epochMs(date: Date | null | undefined): number | null {
  if (!(date instanceof Date)) return null;
  const ms = date.getTime();
  // node-opcua reports "no timestamp" as the OPC UA minimum date (1601-01-01).
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}

export function contractMessage(tag: string, nodeId: string, dataValue: DataValueLike, receivedAt: number): ContractMessage {
  const status = dataValue.statusCode;
  return {
    topic: tag,
    payload: plainValue(dataValue.value?.value ?? null),
    timestamp: epochMs(dataValue.sourceTimestamp) ?? epochMs(dataValue.serverTimestamp) ?? receivedAt,
    quality: status ? { value: status.value >>> 0, name: status.name } : GOOD,
    nodeId,
  };
}
