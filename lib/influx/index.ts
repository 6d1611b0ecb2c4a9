// The InfluxDB core: line protocol, points from messages, batching, the durable queue, store and forward, queries.
export { IntegerValue, PRECISIONS, encodePoint, escapeKey, escapeMeasurement, formatFieldValue, formatTime, parsePointTime, quoteString, timeFromMs, validatePrecision, type FieldValue, type Point, type PointTime, type Precision } from "./line-protocol";
export { DEFAULT_POINT_OPTIONS, PointBuilder, parseNameList, parseTags, resolvePointOptions, type PointBuilderInput, type PointBuilderOptions } from "./point-builder";
export { Batcher, DEFAULT_BATCHER_OPTIONS, resolveBatcherOptions, type Batch, type BatcherOptions } from "./batcher";
export { DEFAULT_DISK_QUEUE_OPTIONS, DiskQueue, type DiskQueueOptions } from "./disk-queue";
export { DEFAULT_FORWARDER_OPTIONS, Forwarder, resolveForwarderOptions, splitLines, type ForwarderEvents, type ForwarderOptions, type RejectedLine } from "./forwarder";
export {
  V1WriteTransport,
  V2WriteTransport,
  classifyStatus,
  createWriteTransport,
  validateApiVersion,
  validateServerUrl,
  type ApiVersion,
  type ServerConfig,
  type ServerCredentials,
  type WriteOutcome,
  type WriteTransport,
} from "./transport";
export { fluxWithParams, rangeFromMessage, rowsFromInfluxQL, runQuery, validateLanguage, type QueryLanguage, type QueryParams, type QueryRange, type Row } from "./query";
export { fetchFor, transportOptions, type FetchLike, type TlsSettings } from "./tls";
