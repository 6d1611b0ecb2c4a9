import type { NodeDef } from "node-red";
import { resolveBatcherOptions, type BatcherOptions } from "../../lib/influx/batcher";
import { resolveForwarderOptions, type ForwarderOptions } from "../../lib/influx/forwarder";
import { validatePrecision, type Precision } from "../../lib/influx/line-protocol";
import { resolvePointOptions, type PointBuilderOptions } from "../../lib/influx/point-builder";
import { InputError, describeValue } from "../../lib/common/errors";
import { numberSetting, positiveSetting } from "../../lib/common/settings";

export interface InfluxWriteDef extends NodeDef {
  server: string;
  measurement: string;
  topicTag: string;
  /** JSON object of tags on every point */
  tags: string;
  valueField: string;
  qualityField: string;
  /** comma-separated message paths: "sigma.std, spc.violations, anomaly.score, gap.*" */
  analytics: string;
  integerFields: string;
  precision: string;
  batchSize: number | string;
  flushSeconds: number | string;
  /** "" = <userDir>/influx-queue/<node id> */
  queueDir: string;
  queueMaxMB: number | string;
  writeAhead: boolean | string;
  retryMaxSeconds: number | string;
  /** requests on the wire at once while nothing waits on disk; optional (flows from before it get 3) */
  requestsInFlight?: number | string;
}

export interface InfluxWriteConfig {
  points: PointBuilderOptions;
  precision: Precision;
  batcher: BatcherOptions;
  forwarder: ForwarderOptions;
  queueDir: string;
  queueMaxBytes: number;
}

function requestsInFlight(value: unknown): number {
  const n = numberSetting(value, 3);
  if (!Number.isSafeInteger(n) || n < 1 || n > 64) throw new InputError("requestsInFlight", `expected a whole number of requests from 1 to 64, got ${describeValue(value)}`);
  return n;
}

export function parseWriteConfig(def: Partial<InfluxWriteDef>): InfluxWriteConfig {
  const points = resolvePointOptions({
    measurement: def.measurement || "telemetry",
    topicTag: def.topicTag === undefined ? "tag" : def.topicTag,
    tags: def.tags,
    valueField: def.valueField || "value",
    qualityField: def.qualityField === undefined ? "quality" : def.qualityField,
    analytics: def.analytics,
    integerFields: def.integerFields,
  });
  const batchSize = numberSetting(def.batchSize, 5000);
  const queueMaxMB = positiveSetting(def.queueMaxMB, 512, "queueMaxMB");
  const queueMaxBytes = Math.floor(queueMaxMB * 2 ** 20);
  const retryMaxMs = positiveSetting(def.retryMaxSeconds, 30, "retryMaxSeconds") * 1000;
  return {
    points,
    precision: validatePrecision(def.precision),
    batcher: resolveBatcherOptions({ maxPoints: batchSize, maxDelayMs: positiveSetting(def.flushSeconds, 1, "flushSeconds") * 1000 }),
    forwarder: resolveForwarderOptions({
      writeAhead: def.writeAhead === true || def.writeAhead === "true",
      maxRetryDelayMs: retryMaxMs,
      initialRetryDelayMs: Math.min(1000, retryMaxMs),
      maxInFlight: requestsInFlight(def.requestsInFlight),
    }),
    queueDir: typeof def.queueDir === "string" ? def.queueDir.trim() : "",
    // Segments of at most 1/8 of the bound: a delivered segment is deleted, so the disk use follows the backlog closely.
    queueMaxBytes,
  };
}

/** Counters the node exposes to tests and the benchmark (`node.influxStats()`). */
export interface InfluxWriteStats {
  accepted: number;
  delivered: number;
  pending: number;
  queued: number;
  rejected: number;
  dropped: number;
  down: boolean;
}

