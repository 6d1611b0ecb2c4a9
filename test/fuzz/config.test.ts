/**
 * Fuzz suite, configuration: every config parser of the package (the editor properties of each node
 * and config node) with one property replaced by a hostile value, FUZZ_MESSAGES times each. A parser
 * either accepts (the value is one the editor convention allows) or throws an InputError naming the
 * property; never a TypeError, never a polluted prototype. And opcua-in, the one node that takes no
 * messages: its message builder fed hostile OPC UA values, and the node itself hostile messages.
 */
import assert from "node:assert/strict";
import os from "os";
import { InputError } from "../../lib/common/errors";
import { parseEndpointConfig } from "../../lib/opcua/endpoint-config";
import { ChangeFilter } from "../../lib/opcua/change-filter";
import { contractMessage, type DataValueLike } from "../../lib/opcua/message";
import { parseAnhConfig } from "../../nodes/anh-json/anh-json-config";
import { parseAnomalyConfig } from "../../nodes/anomaly-detect/anomaly-detect-config";
import { parseDeliverConfig } from "../../nodes/ftp-deliver/ftp-deliver-config";
import { parseFtpServerConfig } from "../../nodes/ftp-server/ftp-server-config";
import { parseGapConfig } from "../../nodes/gap-detector/gap-detector-config";
import { parseQueryConfig } from "../../nodes/influx-query/influx-query-config";
import { parseServerConfig } from "../../nodes/influx-server/influx-server-config";
import { parseWriteConfig } from "../../nodes/influx-write/influx-write-config";
import { parseModbusDeviceConfig } from "../../nodes/modbus-device/modbus-device-config";
import { parseModbusInConfig } from "../../nodes/modbus-in/modbus-in-config";
import { parseOpcuaInConfig } from "../../nodes/opcua-in/opcua-in-config";
import { parseReliabilityConfig } from "../../nodes/reliability-score/reliability-score-config";
import { parseSigmaConfig } from "../../nodes/sigma-window/sigma-window-config";
import { parseSpcConfig } from "../../nodes/spc-rules/spc-rules-config";
import { parseThermalConfig } from "../../nodes/thermal-segment/thermal-segment-config";
import opcuaEndpointNode from "../../nodes/opcua-endpoint/opcua-endpoint";
import opcuaInNode from "../../nodes/opcua-in/opcua-in";
import { NODE_ID, testFlow } from "../support/node-harness";
import { helper, unloadAll } from "../support/runtime";
import { assertNoPollution, sketch } from "./fuzz-runner";
import { circular, genFor, notANumber, pollutingObject, sharedBigValues, type Gen, type Msg } from "./generators";
import { count, seed } from "./suite";

type Def = Record<string, unknown>;

interface ParserSpec {
  name: string;
  valid: Def;
  parse(def: Def): unknown;
}

const REGISTERS = [{ tag: "PT-101", area: "holding", address: 0, type: "float32", byteOrder: "big", wordOrder: "big", scale: 1, offset: 0, unit: "bar" }];

const PARSERS: ParserSpec[] = [
  { name: "sigma-window", valid: { windowType: "count", window: 20, windowSeconds: 60, alignment: "trailing", classification: "relative", threshold: 1, factor: 1, referenceSize: 100, hysteresis: 0 }, parse: (d) => parseSigmaConfig(d) },
  { name: "spc-rules", valid: { limits: "baseline", center: "", sigma: "", baselineSize: 25, window: 20, sigmaMethod: "moving-range", sigmaMultiplier: 3, rules: '["nelson-1","nelson-2"]', severities: '{"nelson-1":"critical"}' }, parse: (d) => parseSpcConfig(d) },
  { name: "gap-detector", valid: { intervalSeconds: 60, learnCount: 10, tolerance: 1.5, minorMaxHours: 2, moderateMaxHours: 12, staleSeconds: 0, timeZone: "America/Bogota" }, parse: (d) => parseGapConfig(d) },
  { name: "anomaly-detect", valid: { method: "isolation-forest", features: "a, b", trainSize: 100, retrainEvery: 0, trees: 50, sampleSize: 64, seed: 1, contamination: 0.01, impute: "error" }, parse: (d) => parseAnomalyConfig(d) },
  { name: "anh-json", valid: { operatorId: "OP", fieldId: "F", wellId: "W", variables: '[{"tag":"FT-101","code":"OIL_RATE","name":"Oil","unit":"bbl/d","aggregation":"mean"}]', timeZone: "America/Bogota", intervalSeconds: 600, maxMissingSlots: 10, minQualityPercent: 95, goodQualityCodes: "", generationTime: "06:00", journalDir: "", sendNonCompliant: false, keepJournalDays: 35 }, parse: (d) => parseAnhConfig(d, os.tmpdir()) },
  { name: "ftp-deliver", valid: { remoteDir: "/anh", mode: "schedule", schedule: "06:50", timeZone: "America/Bogota", outboxDir: "", retryInitialSeconds: 5, retryMaxSeconds: 300, deadlineMinutes: 60 }, parse: (d) => parseDeliverConfig(d) },
  { name: "ftp-server", valid: { host: "127.0.0.1", port: 21, secure: "none", rejectUnauthorized: true, ca: "", timeoutSeconds: 30, usePasvAddress: false }, parse: (d) => parseFtpServerConfig(d, { user: "u", password: "p" }) },
  { name: "influx-server", valid: { url: "http://127.0.0.1:8086", apiVersion: "v1", database: "plant", retentionPolicy: "", org: "", bucket: "", timeoutSeconds: 10 }, parse: (d) => parseServerConfig(d) },
  { name: "influx-write", valid: { measurement: "well", topicTag: "tag", tags: '{"site":"north"}', valueField: "value", qualityField: "quality", analytics: "sigma.std, gap.*", integerFields: "", precision: "ms", batchSize: 5000, flushSeconds: 1, queueDir: "", queueMaxMB: 64, writeAhead: false, retryMaxSeconds: 30, requestsInFlight: 3 }, parse: (d) => parseWriteConfig(d) },
  { name: "influx-query", valid: { language: "influxql", query: "SELECT 1" }, parse: (d) => parseQueryConfig(d, "v1") },
  { name: "modbus-device", valid: { transport: "tcp", host: "127.0.0.1", port: 502, unitId: 1, timeoutMs: 1000, reconnectMinMs: 100, reconnectMaxMs: 5000, maxRegisters: 125, maxGap: 10 }, parse: (d) => parseModbusDeviceConfig(d) },
  { name: "modbus-in", valid: { interval: 1, registers: REGISTERS }, parse: (d) => parseModbusInConfig(d) },
  { name: "thermal-segment", valid: { roiX: 0, roiY: 0, roiWidth: 100, roiHeight: 200, input: "counts", offset8: 40, scale8: 0.279, offset16: "", scale16: "", bands: "", statistic: "median", sigma: 3, prominence: 0.4, minDistance: 15, expectedLayers: 4, overlay: false }, parse: (d) => parseThermalConfig(d) },
  { name: "reliability-score", valid: { wConfidence: 0.3, wGradientMax: 0.25, wEmulsion: 0.2, wWater: 0.15, wCrude: 0.1, minSamples: 5, operationalContext: "", qualityField: "", groupField: "", variables: "", alpha: 0.1 }, parse: (d) => parseReliabilityConfig(d) },
  { name: "opcua-in", valid: { items: [{ nodeId: "ns=1;s=Well01.OilRate", tag: "OilRate", deadband: 0, deadbandType: "none" }], samplingInterval: 1000, publishingInterval: 1000, queueSize: 10 }, parse: (d) => parseOpcuaInConfig(d) },
  { name: "opcua-endpoint", valid: { endpointUrl: "opc.tcp://127.0.0.1:4840", securityMode: "None", securityPolicy: "None", authentication: "anonymous", acceptUnknownServerCertificate: false, reconnectMaxSeconds: 30, refusedRetrySeconds: 60 }, parse: (d) => parseEndpointConfig(d, false) },
];

/** A hostile value for an editor property: wrong types, bad numbers, JSON with prototype keys, huge text. */
function hostileSetting(gen: Gen): unknown {
  switch (gen.int(0, 6)) {
    case 0:
      return notANumber(gen);
    case 1:
      return gen.pick<unknown>([-1, 0, 0.5, -0.0, 1e308, -1e308, 2 ** 53, 1e-320, 65536, 126]);
    case 2:
      return gen.pick([
        '{"__proto__": {"polluted": "yes"}}',
        '[{"__proto__": {"polluted": "yes"}}]',
        '{"constructor": {"prototype": {"polluted": "yes"}}}',
        "[1, 2",
        "null",
        "[]",
        "{}",
        '[{"tag": {}, "code": 5}]',
        '[{"name": "air", "min": 300, "max": -1}]',
      ]);
    case 3:
      return gen.pick(["__proto__", "constructor", "prototype", "toString", "hasOwnProperty"]);
    case 4:
      return gen.pick<unknown>([circular(), pollutingObject(gen), [circular()], { toString: () => "5" }, Object.create(null)]);
    case 5:
      return gen.pick<unknown>([sharedBigValues().longString, "../../etc/passwd", "\u0000", "opc.tcp://", "http://", "ftp://x:y@host", "0x10", " 5 "]);
    default:
      return gen.pick<unknown>([undefined, null, "", true, false, Symbol("setting"), 5n, () => 1]);
  }
}

/** Property names an error may name for a property (a group of fields checked together, a core's option). */
const ALIASES: Record<string, string[]> = {
  roiX: ["roi"], roiY: ["roi"], roiWidth: ["roi"], roiHeight: ["roi"],
  offset8: ["map8"], scale8: ["map8"], offset16: ["map16"], scale16: ["map16"],
  wConfidence: ["weights"], wGradientMax: ["weights"], wEmulsion: ["weights"], wWater: ["weights"], wCrude: ["weights"],
  windowSeconds: ["window"], batchSize: ["maxPoints", "batchSize"], flushSeconds: ["maxDelayMs", "flushSeconds"],
  retryMaxSeconds: ["maxRetryDelayMs", "retryMaxSeconds"], retryInitialSeconds: ["initialDelayMs", "retryInitialSeconds", "maxDelayMs"], deadlineMinutes: ["deadlineMs"],
  samplingInterval: ["samplingInterval"], publishingInterval: ["publishingInterval"], intervalSeconds: ["intervalMs", "intervalSeconds"],
  threshold: ["threshold", "classifier"], factor: ["factor", "classifier"], referenceSize: ["referenceSize", "classifier"], hysteresis: ["hysteresis", "classifier"], classification: ["mode", "classification"],
  minorMaxHours: ["minorMaxMs", "minorMaxHours"], moderateMaxHours: ["moderateMaxMs", "moderateMaxHours"], tolerance: ["tolerance"],
  timeoutMs: ["timeoutMs"], reconnectMinMs: ["reconnectMinMs", "reconnectMaxMs"], reconnectMaxMs: ["reconnectMaxMs", "reconnectMinMs"],
  center: ["center", "sigma", "limits"], sigma: ["sigma", "center"], limits: ["limits", "sigma", "center"], sigmaMultiplier: ["sigmaMultiplier"],
  rules: ["rules"], severities: ["severities"], qualityField: ["qualityField"], groupField: ["groupField"], variables: ["variables"],
  goodQualityCodes: ["goodQualityCodes"], timeZone: ["timeZone"], mode: ["mode"], schedule: ["schedule"],
  securityPolicy: ["securityPolicy", "securityMode"], securityMode: ["securityMode", "securityPolicy"], authentication: ["authentication"],
  secure: ["secure"], apiVersion: ["apiVersion", "database", "bucket"], database: ["database"], bucket: ["bucket"],
  features: ["features"], trainSize: ["trainSize"], sampleSize: ["sampleSize", "trainSize"], trees: ["trees"], contamination: ["contamination"],
  window: ["window"], learningPoints: ["learningPoints", "window"], criticalThreshold: ["criticalThreshold"],
};

describe(`fuzz: configuration parsers and opcua-in (FUZZ_SEED=${seed})`, () => {
  for (const parser of PARSERS) {
    it(`${parser.name}: ${count} hostile configurations, each accepted or refused with an InputError naming the property`, () => {
      const gen = genFor(seed, `config:${parser.name}`);
      const prototypes = Object.getOwnPropertyNames(Object.prototype).sort().join(",");
      assert.doesNotThrow(() => parser.parse({ ...parser.valid }), "the valid configuration of this spec is refused");
      const keys = Object.keys(parser.valid);
      const failures: string[] = [];
      let refused = 0;
      const otherField = new Set<string>();
      for (let i = 0; i < count; i++) {
        const def: Def = { ...parser.valid };
        const key = gen.chance(0.05) ? gen.pick(["__proto__", "constructor", "prototype"]) : gen.pick(keys);
        const value = hostileSetting(gen);
        if (key === "__proto__") Object.defineProperty(def, key, { value, enumerable: true });
        else def[key] = value;
        try {
          parser.parse(def);
        } catch (err) {
          refused++;
          if (!(err instanceof InputError)) failures.push(`${key} = ${sketch({ value })}: ${(err as Error).name}: ${(err as Error).message}`);
          else {
            const names = [key, ...(ALIASES[key] ?? [])];
            // A cross-field check (moderate < minor) or a core's own option name (maxDelayMs for
            // retryMaxSeconds) is still a clear InputError; counted and listed in the summary.
            if (err.field.trim() === "") failures.push(`${key} = ${sketch({ value })}: an InputError without a field`);
            else if (!names.some((name) => err.field.includes(name) || name.includes(err.field.split(/[.[]/)[0]))) otherField.add(`${key}→${err.field}`);
          }
        }
      }
      assert.equal(Object.getOwnPropertyNames(Object.prototype).sort().join(","), prototypes);
      assertNoPollution(prototypesSnapshotNow());
      console.log(`      fuzz config ${parser.name}: ${count} configurations, ${refused} refused${otherField.size > 0 ? `; errors naming another field: ${[...otherField].join(", ")}` : ""}`);
      assert.deepEqual([...new Set(failures)].slice(0, 10), [], `${parser.name}: seed ${seed}`);
    });
  }

  it(`opcua-in message builder: ${count} hostile OPC UA data values give contract messages, never an exception`, () => {
    const gen = genFor(seed, "opcua-message");
    const filter = new ChangeFilter([{ nodeId: "ns=1;s=X", tag: "X", deadband: 0.5, deadbandType: "absolute" }]);
    const dates: unknown[] = [new Date(NaN), new Date(-1e15), new Date(0), new Date("1601-01-01T00:00:00Z"), null, undefined, new Date(8.64e15)];
    for (let i = 0; i < count; i++) {
      const value = gen.chance(0.3) ? gen.pick<unknown>([new Float64Array([NaN, Infinity]), new Int32Array(100_000), [1n, 2n], 2n ** 70n, new Date(NaN), { toJSON: () => ({ a: 1 }) }, Buffer.alloc(10), [[1, 2], [3]], "x".repeat(10_000)]) : notANumber(gen);
      const dataValue = {
        value: gen.chance(0.1) ? null : { value },
        statusCode: gen.chance(0.2) ? null : { value: gen.pick([0, 0x80310000, 0x40000000, 2 ** 32 - 1, -1]), name: gen.pick(["Good", "BadNoCommunication", "", "__proto__"]) },
        sourceTimestamp: gen.pick(dates),
        serverTimestamp: gen.pick(dates),
      } as unknown as DataValueLike;
      const msg = contractMessage(gen.pick(["X", "__proto__", ""]), "ns=1;s=X", dataValue, 1_795_435_200_000);
      assert.ok(Number.isFinite(msg.timestamp), `timestamp ${msg.timestamp} for ${sketch(dataValue as unknown as Msg)}`);
      assert.ok(typeof msg.quality === "object" && Number.isInteger(msg.quality.value) && msg.quality.value >= 0);
      filter.pass(0, msg.payload, msg.quality.value, msg.timestamp);
    }
  });

  it(`opcua-in node: ${count} hostile messages to a node that takes none are ignored without a crash`, async function () {
    this.timeout(60_000);
    const gen = genFor(seed, "opcua-in");
    const problems: string[] = [];
    const onProblem = (err: unknown) => problems.push(String(err));
    process.on("unhandledRejection", onProblem);
    process.on("uncaughtException", onProblem);
    try {
      const flow = testFlow("opcua-in", 1, { endpoint: "n-endpoint", items: [{ nodeId: "ns=1;s=Well01.OilRate", tag: "OilRate", deadband: 0, deadbandType: "none" }], samplingInterval: 1000, publishingInterval: 1000, queueSize: 10 });
      // Nothing listens on port 1 of 127.0.0.1: the endpoint keeps reconnecting meanwhile.
      flow.push({ id: "n-endpoint", type: "opcua-endpoint", endpointUrl: "opc.tcp://127.0.0.1:1", securityMode: "None", securityPolicy: "None", authentication: "anonymous", reconnectMaxSeconds: 1, refusedRetrySeconds: 1 });
      await helper.load([opcuaEndpointNode, opcuaInNode], flow);
      const node = helper.getNode(NODE_ID);
      const caught = helper.getNode("n-caught");
      let errors = 0;
      caught.on("input", (m: Msg) => {
        if ((m.error as { source?: { id?: string } }).source?.id === NODE_ID) errors++;
      });
      for (let i = 0; i < count; i++) node.receive({ payload: notANumber(gen), topic: gen.chance(0.5) ? pollutingObject(gen) : "__proto__", reset: true, command: "relearn" });
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(errors, 0, "opcua-in takes no messages: none may fail");
    } finally {
      await unloadAll();
      process.off("unhandledRejection", onProblem);
      process.off("uncaughtException", onProblem);
    }
    assert.deepEqual(problems, []);
    assertNoPollution(prototypesSnapshotNow());
  });
});

/** The snapshot assertNoPollution compares with, taken now (the markers are checked on their own). */
function prototypesSnapshotNow(): string {
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype, Number.prototype].map((proto) => Object.getOwnPropertyNames(proto).sort().join(",")).join("|");
}
