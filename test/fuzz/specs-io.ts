/**
 * Fuzz specs of the nodes that talk to the outside: anh-json (journal on disk), influx-write and
 * influx-query (a real InfluxDB 1.6), ftp-deliver (a real FTP server), modbus-in (a real Modbus TCP
 * server). A bad message must be refused before it reaches the disk or the network.
 */
import path from "path";
import { DateTime } from "luxon";
import anhJsonNode from "../../nodes/anh-json/anh-json";
import ftpDeliverNode from "../../nodes/ftp-deliver/ftp-deliver";
import ftpServerNode from "../../nodes/ftp-server/ftp-server";
import influxQueryNode from "../../nodes/influx-query/influx-query";
import influxServerNode from "../../nodes/influx-server/influx-server";
import influxWriteNode from "../../nodes/influx-write/influx-write";
import modbusDeviceNode from "../../nodes/modbus-device/modbus-device";
import modbusInNode from "../../nodes/modbus-in/modbus-in";
import type { InfluxWriteStats } from "../../nodes/influx-write/influx-write-config";
import type { TestFtpServer } from "../support/ftp-server";
import type { InfluxDB1Server } from "../support/influx-servers";
import { NODE_ID } from "../support/node-harness";
import { helper, waitFor } from "../support/runtime";
import { contractCase } from "./contract-cases";
import type { FuzzCase, NodeFuzzSpec } from "./fuzz-runner";
import { circular, deepNesting, notANumber, notATimestamp, notATopic, pollutingObject, sharedBigValues, type Gen, type Msg } from "./generators";
import { PENDING_PATCHES } from "./specs-analytics";

const pick = <T>(gen: Gen, items: readonly T[]) => gen.pick(items);

/** Labels pending a fix in the I/O nodes (none now: anh-json names msg.date, ftp-deliver describes msg.command). */
export const IO_PENDING: Record<string, string> = { ...PENDING_PATCHES };

// ---- anh-json ----

const ANH_DAY = "2026-11-22";
const ANH_MIDNIGHT = DateTime.fromISO(ANH_DAY, { zone: "America/Bogota" }).toMillis();
const ANH_VARIABLES = JSON.stringify([
  { tag: "FT-101", code: "OIL_RATE", name: "Oil rate", unit: "bbl/d", aggregation: "mean" },
  { tag: "PT-201", code: "THP", name: "Tubing head pressure", unit: "psi", aggregation: "last" },
]);

export const anhJsonSpec = (baseDir: string): NodeFuzzSpec => {
  const good = (i: number): Msg => {
    const slot = Math.floor(i / 2) % 288;
    const tag = i % 2 === 0 ? "FT-101" : "PT-201";
    return { topic: tag, payload: { value: tag === "FT-101" ? 100 + Math.floor(slot / 2) : 50, timestamp: ANH_MIDNIGHT + slot * 300_000, quality: 192 } };
  };
  return {
    type: "anh-json",
    nodes: [anhJsonNode],
    outputs: 2,
    config: (run) => ({
      operatorId: "OP-001",
      fieldId: "FIELD-7",
      wellId: "WELL-7A",
      variables: ANH_VARIABLES,
      timeZone: "America/Bogota",
      intervalSeconds: 600,
      maxMissingSlots: 10,
      minQualityPercent: 95,
      goodQualityCodes: "",
      generationTime: "06:00",
      journalDir: path.join(baseDir, `anh-${run}`),
      sendNonCompliant: true,
    }),
    good,
    bad: (gen, i): FuzzCase => {
      const msg = good(i);
      const error = (label: string, field: string): FuzzCase => ({ msg, expect: { error: field }, label });
      switch (gen.int(0, 9)) {
        case 0:
        case 1:
        case 2: {
          // The reading contract (value, timestamps, quality, topic), minus what anh-json does not read.
          const made = contractCase(gen, good(i), { numericPayload: true, commands: false, batch: false });
          if (made.label.startsWith("batch") || made.label === "reset-topic-bad" || made.label === "reset-prototype-topic" || made.label === "command-ignored" || made.label === "payload-bad-array" || made.label === "payload-deep-array") {
            msg.payload = { value: NaN, timestamp: ANH_MIDNIGHT, quality: 192 };
            return error("payload.value-nan", "msg.payload");
          }
          // anh-json reads payload.timestamp / payload.quality before msg.timestamp / msg.quality.
          if (made.label === "msg.timestamp-malformed" || made.label === "timestamp-object-like" || made.label === "deep-nesting-timestamp") delete (made.msg.payload as Msg).timestamp;
          if (made.label === "msg.quality-bad") delete (made.msg.payload as Msg).quality;
          // Its help: a reading without quality (null or absent) is good.
          if (made.label === "msg.quality-bad" && made.msg.quality === null) made.msg.quality = -1;
          if (made.label === "payload.quality-bad" && (made.msg.payload as Msg).quality === null) (made.msg.payload as Msg).quality = "excellent";
          if (made.label === "timestamp-odd-valid" || made.label === "topic-awkward-valid" || made.label === "extra-properties-valid" || made.label === "payload-prototype-keys-valid") {
            // Valid readings of a tag the report does not map: counted as unmapped.
            made.msg.topic = pick(gen, ["UNMAPPED", "__proto__", "constructor", "prototype", "toString", ""]);
            if (made.msg.topic === "") made.msg.topic = "UNMAPPED-2";
          }
          return made;
        }
        case 3:
          msg.command = gen.pick<unknown>(["GENERATE", "generate ", "", 1, true, Symbol("c"), 5n, circular(), pollutingObject(gen)]);
          return error("command-bad", "msg.command");
        case 4:
          msg.command = "generate";
          msg.date = gen.pick<unknown>([5, null, true, {}, Symbol("d"), 5n, ["2026-11-22"]]);
          return error("date-wrong-type", "msg.date");
        case 5:
          msg.command = "generate";
          msg.date = gen.pick(["2026-13-01", "2026-02-30", "yesterday", "", "22/11/2026", "2026-11-22T00:00", "0000-00-00", "+275760-09-13"]);
          return error("date-not-a-day", "msg.date");
        case 6:
          msg.delivery = gen.pick<unknown>([null, 5, "uploaded", true, Symbol("d"), 5n]);
          return error("delivery-not-object", "msg.delivery");
        case 7:
          msg.delivery = { status: gen.pick<unknown>(["done", "", 1, null, {}, Symbol("s"), circular()]), remotePath: `/anh/ANH_REPORT_${ANH_DAY.replace(/-/g, "")}.json` };
          return error("delivery.status-bad", "msg.delivery.status");
        case 8: {
          // A batch with one bad reading: refused before anything is generated.
          const items: unknown[] = Array.from({ length: gen.pick([1, 50, 2000]) }, (_, k) => ({ topic: "FT-101", value: 1, timestamp: ANH_MIDNIGHT + k * 1000 }));
          const at = gen.int(0, items.length - 1);
          items[at] = gen.pick<unknown>([null, 5, "r", { value: 1 }, { topic: "FT-101", value: 1, timestamp: notATimestamp(gen) }, { topic: {}, value: 1, timestamp: 1 }, [1]]);
          msg.payload = items;
          return error("batch-item-bad", `msg.payload[${at}]`);
        }
        default:
          // A representable date outside the years 0001-9999: no report day can hold it.
          msg.payload = { value: 1, timestamp: gen.pick([-62167219200000, -1e15, 8.64e15, 253402400000000]), quality: 192 };
          return error("timestamp-no-report-day", "timestamp");
      }
    },
    // The report's own parts (not generatedAt, not the message ids).
    project: (msg, output) =>
      output === 0
        ? { topic: msg.topic, variables: (msg.payload as Msg).variables, summary: (msg.payload as Msg).summary }
        : { event: (msg.payload as Msg).event, status: ((msg.payload as Msg).details as Msg).status },
    belongsToGood: () => true,
    finalProbe: async (h, send) => {
      const before = h.outputs[0].length;
      await send({ command: "generate", date: ANH_DAY });
      const report = h.outputs[0][before]?.payload as { variables: unknown; summary: unknown } | undefined;
      return { variables: report?.variables, summary: report?.summary, reports: h.outputs[0].length - before };
    },
    pending: IO_PENDING,
  };
};

// ---- influx-write ----

const T0 = Date.UTC(2026, 10, 23, 6);

export const influxWriteSpec = (influx: () => InfluxDB1Server, baseDir: string): NodeFuzzSpec => {
  const good = (i: number): Msg => ({ topic: "PT-1", payload: { value: i, timestamp: T0 + i * 1000, quality: 192 } });
  const stats = () => (helper.getNode(NODE_ID) as unknown as { influxStats(): InfluxWriteStats }).influxStats();
  return {
    type: "influx-write",
    nodes: [influxServerNode, influxWriteNode],
    outputs: 1,
    config: (run) => ({ server: "n-server", measurement: `fuzz_${run}`, topicTag: "tag", tags: '{"site":"north"}', valueField: "value", qualityField: "quality", analytics: "", integerFields: "", precision: "ms", batchSize: 1000, flushSeconds: 0.05, queueDir: path.join(baseDir, `influx-${run}`), queueMaxMB: 64, writeAhead: false, retryMaxSeconds: 0.2 }),
    extraFlow: () => [{ id: "n-server", type: "influx-server", name: "", url: influx().url, apiVersion: "v1", database: "fuzz", retentionPolicy: "", org: "", bucket: "", timeoutSeconds: 5 }],
    good,
    bad: (gen, i): FuzzCase => {
      const msg = good(i);
      const error = (label: string, field: string): FuzzCase => ({ msg, expect: { error: field }, label });
      switch (gen.int(0, 6)) {
        case 0:
          msg.payload = gen.pick<unknown>([NaN, Infinity, -Infinity, null, undefined, Symbol("v"), () => 1, 10n ** 30n]);
          return error("payload-bad", "msg.payload");
        case 1:
          msg.payload = { value: gen.pick<unknown>([NaN, Infinity, null, Symbol("v"), {}, [1], circular(), () => 1]), timestamp: T0 + i * 1000 };
          return error("payload.value-bad", "msg.payload");
        case 2:
          msg.payload = { value: i, timestamp: notATimestamp(gen) };
          return error("payload.timestamp-bad", "timestamp");
        case 3:
          msg.topic = notATopic(gen);
          return error("topic-bad", "msg.topic");
        case 4:
          msg.timestamp = notATimestamp(gen);
          msg.payload = i;
          return error("msg.timestamp-bad", "timestamp");
        case 5:
          if (gen.chance(0.01) && deepNesting.enabled) {
            msg.payload = sharedBigValues().deepObject;
            return error("deep-nesting", "msg.payload");
          }
          msg.payload = gen.pick<unknown>([[NaN], [{ value: Symbol("x") }], new Array(10_000).fill({ value: NaN })]);
          return error("batch-bad", "msg.payload[0]");
        default: {
          // Valid points on a tag of their own: written like any other.
          msg.topic = gen.pick(["__proto__", "constructor", "prototype", "a b,c=d", "x".repeat(1000)]);
          msg.payload = { value: notANumber(gen) === 0 ? 0 : i, timestamp: T0 + i * 1000, quality: 192 };
          return { msg, expect: { accept: true }, label: "topic-awkward-valid" };
        }
      }
    },
    belongsToGood: () => false,
    finalProbe: async (_h, _send, _goodCount, run) => {
      await waitFor(() => stats().delivered + stats().rejected === stats().accepted, 20_000, "every point delivered");
      const rows = await influx().select(`SELECT "value", "quality", "site" FROM "fuzz_${run}" WHERE "tag" = 'PT-1' ORDER BY time`, "fuzz");
      return { rows, rejected: stats().rejected };
    },
    pending: IO_PENDING,
  };
};

// ---- influx-query ----

export const QUERY_MEASUREMENT = "fuzzq";

/** Line protocol of the points the query fuzz reads: one a minute for two tags. */
export function queryFixtureLines(): string {
  const lines: string[] = [];
  for (let k = 0; k < 120; k++) for (const tag of ["FT-1", "FT-2"]) lines.push(`${QUERY_MEASUREMENT},tag=${tag} value=${k + (tag === "FT-2" ? 1000 : 0)} ${T0 + k * 60_000}`);
  return lines.join("\n");
}

export const influxQuerySpec = (influx: () => InfluxDB1Server): NodeFuzzSpec => {
  const good = (i: number): Msg => ({ topic: i % 3 === 0 ? "FT-2" : "FT-1", range: { start: T0 + (i % 7) * 60_000, stop: T0 + (10 + (i % 50)) * 60_000 } });
  return {
    type: "influx-query",
    nodes: [influxServerNode, influxQueryNode],
    outputs: 1,
    config: { server: "n-server", language: "influxql", query: `SELECT "value" FROM "${QUERY_MEASUREMENT}" WHERE "tag" = $topic AND time >= $start AND time < $stop ORDER BY time` },
    extraFlow: () => [{ id: "n-server", type: "influx-server", name: "", url: influx().url, apiVersion: "v1", database: "fuzz", retentionPolicy: "", org: "", bucket: "", timeoutSeconds: 5 }],
    good,
    goodEvery: 40,
    bad: (gen, i): FuzzCase => {
      const msg = good(i);
      const error = (label: string, field: string): FuzzCase => ({ msg, expect: { error: field }, label });
      switch (gen.int(0, 5)) {
        case 0:
          msg.range = gen.pick<unknown>([null, 5, "today", true, Symbol("r"), 5n]);
          return error("range-not-object", "msg.range");
        case 1:
          msg.range = { start: notATimestamp(gen), stop: T0 };
          return error("range.start-bad", "msg.range.start");
        case 2:
          msg.range = { start: T0 + 60_000, stop: gen.pick<unknown>([T0, T0 - 1, T0 + 60_000]) };
          return error("range-reversed", "msg.range");
        case 3:
          delete msg.range;
          msg.payload = { start: notATimestamp(gen), end: T0 };
          return error("payload.start-bad", "msg.payload.start");
        case 4:
          msg.topic = notATopic(gen);
          return error("topic-bad", "msg.topic");
        default:
          msg.range = { start: T0, stop: notATimestamp(gen) };
          return error("range.stop-bad", "msg.range.stop");
      }
    },
    project: (msg) => ({ topic: msg.topic, payload: msg.payload, rows: (msg.influx as Msg).rows, range: (msg.influx as Msg).range }),
    // Queries run concurrently: answers come back in any order.
    unordered: true,
    pending: IO_PENDING,
  };
};

// ---- ftp-deliver ----

export const ftpDeliverSpec = (ftp: () => TestFtpServer, baseDir: string): NodeFuzzSpec => {
  const good = (i: number): Msg => ({ topic: "reports", filename: `report-${i}.json`, payload: { i, rows: [i, i + 1] } });
  return {
    type: "ftp-deliver",
    nodes: [ftpServerNode, ftpDeliverNode],
    outputs: 2,
    config: (run) => ({ server: "n-ftp-server", remoteDir: `/fuzz-${run}`, mode: "message", schedule: "", timeZone: "America/Bogota", outboxDir: path.join(baseDir, `outbox-${run}`), retryInitialSeconds: 0.05, retryMaxSeconds: 0.2, deadlineMinutes: 1 }),
    credentials: { "n-ftp-server": { user: "anh", password: "s3cret-Pa55" } },
    extraFlow: () => [{ id: "n-ftp-server", type: "ftp-server", host: "127.0.0.1", port: ftp().port, secure: "none", rejectUnauthorized: true, ca: "", timeoutSeconds: 5, usePasvAddress: false }],
    good,
    goodEvery: 250,
    bad: (gen, i): FuzzCase => {
      const msg = good(i);
      const error = (label: string, field: string): FuzzCase => ({ msg, expect: { error: field }, label });
      switch (gen.int(0, 4)) {
        case 0:
          msg.payload = gen.pick<unknown>([5, true, null, undefined, NaN, Symbol("p"), 5n, () => 1]);
          return error("payload-bad", "msg.payload");
        case 1:
          msg.payload = gen.chance(0.05) && deepNesting.enabled ? sharedBigValues().deepObject : gen.chance(0.5) ? circular() : { big: 5n };
          return error(msg.payload === sharedBigValues().deepObject ? "deep-nesting" : "payload-unserialisable", "msg.payload");
        case 2:
          msg.filename = gen.pick<unknown>([undefined, 5, "", "   ", "../etc/passwd", "a/b.json", "a\\b.json", "line\nbreak", {}, Symbol("f"), null, ["x"]]);
          return error("filename-bad", "msg.filename");
        case 3:
          msg.command = gen.pick<unknown>(["RETRY", "", "delete", 1, true, Symbol("c"), 5n, circular()]);
          return error("ftp-command-bad", "msg.command");
        default:
          msg.filename = `${"x".repeat(gen.pick([300, 5000]))}.json`;
          return error("filename-too-long", "msg.filename");
      }
    },
    unordered: true,
    project: (msg, output) => (output === 0 ? { filename: msg.filename, status: (msg.delivery as Msg | undefined)?.status, remotePath: String((msg.delivery as Msg | undefined)?.remotePath).replace(/\/fuzz-\d+\//, "/") } : { event: (msg.payload as Msg).event, topic: msg.topic }),
    belongsToGood: (msg, output) => output === 0 || (msg.payload as Msg).event !== "retrying",
    finalProbe: async (h, _send, goodCount, run) => {
      await waitFor(() => h.outputs[0].length >= goodCount, 30_000, "every good file delivered");
      h.outputs[1].sort((a, b) => String(a.topic).localeCompare(String(b.topic)));
      return ftp()
        .files()
        .filter((f) => f.startsWith(`fuzz-${run}/`))
        .map((f) => f.slice(`fuzz-${run}/`.length));
    },
    pending: IO_PENDING,
  };
};

// ---- modbus-in ----

/**
 * modbus-in reads nothing from its input: any message asks for a poll now. Every hostile message is
 * therefore valid; the oracle is that each one is answered (the poll ran) and the readings stay right.
 */
export const modbusInSpec = (port: () => number): NodeFuzzSpec => ({
  type: "modbus-in",
  nodes: [modbusDeviceNode, modbusInNode],
  outputs: 1,
  config: {
    device: "n-device",
    interval: 0,
    registers: [
      { tag: "PT-101", area: "holding", address: 0, type: "uint16", byteOrder: "big", wordOrder: "big", scale: 0.1, offset: 0, unit: "bar" },
      { tag: "FT-103", area: "input", address: 10, type: "uint32", byteOrder: "big", wordOrder: "big", scale: 1, offset: 0, unit: "" },
    ],
  },
  extraFlow: () => [{ id: "n-device", type: "modbus-device", name: "", transport: "tcp", host: "127.0.0.1", port: port(), unitId: 1, timeoutMs: 1000, reconnectMinMs: 50, reconnectMaxMs: 200, maxRegisters: 125, maxGap: 10 }],
  good: (i) => ({ topic: "poll", payload: i }),
  bad: (gen): FuzzCase => {
    const hostile = gen.pick<unknown>([notANumber(gen), notATimestamp(gen), notATopic(gen), pollutingObject(gen), sharedBigValues().longString, circular()]);
    const msg: Msg = gen.chance(0.5) ? { payload: hostile } : { topic: hostile, payload: 1, reset: pollutingObject(gen), command: "__proto__" };
    return { msg, expect: { accept: true }, label: "any-message-polls" };
  },
  // The polls' readings (timestamps are the poll's own time): the same values in both runs.
  project: (msg) => ({ topic: msg.topic, payload: msg.payload, quality: msg.quality }),
  belongsToGood: () => false,
  finalProbe: async (h, send) => {
    const before = h.outputs[0].length;
    await send({ payload: "last" });
    await waitFor(() => h.outputs[0].length >= before + 2, 5000, "readings");
    const all = h.outputs[0].map((m) => `${String(m.topic)}=${String(m.payload)}@${String(m.quality)}`);
    return { last: all.slice(before), distinct: [...new Set(all)].sort() };
  },
  pending: IO_PENDING,
});
