/**
 * The simulated plant on the wire (docs/integration-contract.md, docs/simulator.md): the model of
 * lib/simulator behind the protocols the flows read:
 * - OPC UA (node-opcua): the wells, NodeIds `ns=1;s=<well>.<tag>`, source timestamps, BadSensorFailure
 *   during a quality fault, no update during a gap;
 * - Modbus TCP (modbus-serial ServerTCP, unit 1): tank T1 as float32 ABCD holding registers, exception
 *   0x0B (gateway target failed to respond) for registers of a tag in a gap;
 * - HTTP: the thermal camera (`GET /camera/T1/frame.png`), fault injection (`POST /faults`, `GET /faults`),
 *   `GET /status`, `GET /tags` and the source history for backfills (`GET /history?tag=&start=&end=`);
 * - MQTT (aedes, in-process): a broker for the demo, where the plant also publishes every tag in the
 *   package's MQTT convention when `mqttPublish` is on.
 * `stop()` closes every server, socket and timer, so a test process ends on its own.
 */
import fs from "fs";
import http from "http";
import net from "net";
import os from "os";
import path from "path";
import { Aedes, type PublishPacket } from "aedes";
import { ServerTCP } from "modbus-serial";
import {
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAServer,
  RegisterServerMethod,
  SecurityPolicy,
  StatusCodes,
  Variant,
  type UAVariable,
} from "node-opcua";
import { InputError } from "../lib/common/errors";
import { formatTopic } from "../lib/mqtt/convention";
import { encodeTankFrame, renderTankFrame } from "../lib/simulator/camera";
import { PlantSimulator, type PlantOptions } from "../lib/simulator/plant";
import { TANK_ID, TANK_TAG_NAMES, type TagInfo } from "../lib/simulator/tags";

export const OPCUA_RESOURCE_PATH = "/UA/FieldReliabilitySim";
/** the contract's default ports */
export const DEFAULT_PORTS = { opcua: 4840, modbus: 5020, http: 8090, mqtt: 1883 } as const;
type Part = keyof typeof DEFAULT_PORTS;

export interface PlantServerOptions extends PlantOptions {
  /** per part: a port, 0 = any free port, false = do not start that part; default the contract's ports */
  ports?: Partial<Record<Part, number | false>>;
  /** interface to listen on, default 127.0.0.1 */
  host?: string;
  /** "realtime" (default): the plant follows the wall clock × rate; "manual": only advanceTo/advanceBy move it */
  clock?: "realtime" | "manual";
  /** simulated seconds per wall second in realtime mode, default 1 */
  rate?: number;
  /** publish every tag on the broker (topic plant/<site>/<asset>/<tag>) after each step, default false */
  mqttPublish?: boolean;
  /** the MQTT topic's site level, default "demo" */
  site?: string;
  /**
   * the OPC UA server's PKI folder (its self-signed certificate), kept between runs because making the
   * RSA key costs seconds to minutes on a busy machine; default <tmp>/field-reliability-sim-pki
   */
  pkiDir?: string;
}

export interface PlantUrls {
  opcua?: string;
  modbus?: { host: string; port: number; unitId: number };
  http?: string;
  camera?: string;
  history?: string;
  mqtt?: string;
}

export interface RunningPlant {
  readonly urls: PlantUrls;
  readonly simulator: PlantSimulator;
  /** manual clock: runs the plant to `toMs` and pushes the latest values to the servers */
  advanceTo(toMs: number): void;
  advanceBy(ms: number): void;
  /** closes everything; idempotent */
  stop(): Promise<void>;
}

/** A TCP port nobody listens on now (asked from the OS, then released); node-opcua needs it up front. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function portFor(part: Part, options: PlantServerOptions, host: string): Promise<number | null> {
  const wanted = options.ports?.[part];
  if (wanted === false) return null;
  if (wanted === undefined) return DEFAULT_PORTS[part];
  if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65535) throw new InputError(`ports.${part}`, `expected a TCP port 0-65535 (0 = any free port) or false, got ${String(wanted)}`);
  return wanted === 0 ? freePort(host) : wanted;
}

/** Starts the simulator and its servers; resolves once every part listens. */
export async function startPlant(options: PlantServerOptions = {}): Promise<RunningPlant> {
  const host = options.host ?? "127.0.0.1";
  const clock = options.clock ?? "realtime";
  const rate = options.rate ?? 1;
  if (!(rate > 0) || !Number.isFinite(rate)) throw new InputError("rate", `expected simulated seconds per second > 0, got ${String(options.rate)}`);
  const site = options.site ?? "demo";
  const simulator = new PlantSimulator(options);
  const closers: Array<() => Promise<void>> = [];
  const pushers: Array<() => void> = [];
  /** clients connected now, per part: GET /status shows them (is the runtime really reading the plant?) */
  const clientCounters: Partial<Record<Part, () => number>> = {};
  const clients = () => Object.fromEntries(Object.entries(clientCounters).map(([part, counter]) => [part, counter()]));
  const urls: PlantUrls = {};
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // Last started, first stopped; one failing closer does not keep the others open.
    const errors: unknown[] = [];
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw errors[0];
  };

  try {
    const opcuaPort = await portFor("opcua", options, host);
    if (opcuaPort !== null) {
      const opcua = await startOpcua(simulator, host, opcuaPort, options.pkiDir ?? path.join(os.tmpdir(), "field-reliability-sim-pki"));
      closers.push(opcua.close);
      pushers.push(opcua.push);
      clientCounters.opcua = opcua.sessions;
      urls.opcua = opcua.url;
    }
    const modbusPort = await portFor("modbus", options, host);
    if (modbusPort !== null) {
      const modbus = await startModbus(simulator, host, modbusPort);
      closers.push(modbus.close);
      clientCounters.modbus = modbus.connections;
      urls.modbus = { host, port: modbus.port, unitId: 1 };
    }
    const httpPort = await portFor("http", options, host);
    if (httpPort !== null) {
      const web = await startHttp(simulator, host, httpPort, () => urls, clients);
      closers.push(web.close);
      urls.http = web.url;
      urls.camera = `${web.url}/camera/${TANK_ID}/frame.png`;
      urls.history = `${web.url}/history`;
    }
    const mqttPort = await portFor("mqtt", options, host);
    if (mqttPort !== null) {
      const broker = await startBroker(host, mqttPort);
      closers.push(broker.close);
      clientCounters.mqtt = () => broker.aedes.connectedClients;
      urls.mqtt = broker.url;
      if (options.mqttPublish) pushers.push(mqttPublisher(simulator, broker.aedes, site));
    }
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }

  const push = () => {
    for (const p of pushers) p();
  };
  const advanceTo = (toMs: number) => {
    if (stopped) return;
    simulator.advance(toMs);
    push();
  };
  push();

  if (clock === "realtime") {
    const wallStart = Date.now();
    const timer = setInterval(() => advanceTo(simulator.startMs + (Date.now() - wallStart) * rate), Math.max(10, simulator.stepMs / rate));
    closers.unshift(async () => clearInterval(timer));
  } else if (clock !== "manual") {
    await stop();
    throw new InputError("clock", `expected "realtime" or "manual", got ${String(clock)}`);
  }

  return {
    urls,
    simulator,
    advanceTo,
    advanceBy: (ms: number) => advanceTo(simulator.timeMs + ms),
    stop,
  };
}

// ---------------------------------------------------------------------------------------------- OPC UA

async function startOpcua(simulator: PlantSimulator, host: string, port: number, pkiDir: string): Promise<{ url: string; push: () => void; sessions: () => number; close: () => Promise<void> }> {
  // The PKI lives in the temporary folder, never in the user's home: the demo needs no trust store.
  fs.mkdirSync(pkiDir, { recursive: true });
  const certificateManager = new OPCUACertificateManager({ rootFolder: pkiDir, automaticallyAcceptUnknownCertificate: true, disableFileWatchers: true });
  const server = new OPCUAServer({
    port,
    hostname: host,
    resourcePath: OPCUA_RESOURCE_PATH,
    serverCertificateManager: certificateManager,
    securityModes: [MessageSecurityMode.None],
    securityPolicies: [SecurityPolicy.None],
    allowAnonymous: true,
    // No discovery server to register with: without this the server retries a registration forever.
    registerServerMethod: RegisterServerMethod.HIDDEN,
    maxConnectionsPerEndpoint: 100,
    buildInfo: { productName: "field-reliability plant simulator" },
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  if (!addressSpace) throw new Error("the OPC UA server has no address space");
  const namespace = addressSpace.getOwnNamespace();
  const variables: Array<{ info: TagInfo; variable: UAVariable; pushedMs: number }> = [];
  const wellTags = simulator.tags.filter((t) => t.protocol === "opcua");
  for (const wellId of simulator.wellIds) {
    const well = namespace.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: wellId });
    for (const info of wellTags.filter((t) => t.asset === wellId)) {
      const variable = namespace.addVariable({
        componentOf: well,
        browseName: info.tag,
        nodeId: `s=${info.key}`,
        dataType: "Double",
        description: info.unit,
        minimumSamplingInterval: 100,
      });
      variables.push({ info, variable, pushedMs: Number.NEGATIVE_INFINITY });
    }
  }
  const push = () => {
    for (const entry of variables) {
      const state = simulator.state(entry.info.key);
      // A gap leaves the variable as it was: a client sees no change, as with a lost field link.
      if (!state.present || state.timestamp <= entry.pushedMs) continue;
      entry.pushedMs = state.timestamp;
      entry.variable.setValueFromSource(
        new Variant({ dataType: DataType.Double, value: state.value }),
        state.quality === "good" ? StatusCodes.Good : StatusCodes.BadSensorFailure,
        new Date(state.timestamp),
      );
    }
  };
  await server.start();
  return {
    url: `opc.tcp://${host}:${port}${OPCUA_RESOURCE_PATH}`,
    push,
    sessions: () => server.engine.currentSessionCount,
    close: () => server.shutdown(0),
  };
}

// ---------------------------------------------------------------------------------------------- Modbus

class GatewayTargetFailed extends Error {
  readonly modbusErrorCode = 0x0b;
}

async function startModbus(simulator: PlantSimulator, host: string, port: number): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  const byRegister = new Map<number, string>();
  for (const tag of TANK_TAG_NAMES) {
    const info = simulator.tags.find((t) => t.asset === TANK_ID && t.tag === tag) as TagInfo;
    byRegister.set(info.register as number, info.key);
    byRegister.set((info.register as number) + 1, info.key);
  }
  const word = Buffer.alloc(4);
  const vector = {
    getHoldingRegister: (address: number): number => {
      const key = byRegister.get(address);
      if (key === undefined) return 0;
      const state = simulator.state(key);
      if (!state.present) throw new GatewayTargetFailed(`${key} is in a communication gap`);
      // A bad reading goes out as NaN, the usual "no valid value" of a float32 register pair.
      word.writeFloatBE(state.quality === "good" ? state.value : Number.NaN, 0);
      return address % 2 === 0 ? word.readUInt16BE(0) : word.readUInt16BE(2);
    },
    getInputRegister: () => 0,
    getCoil: () => false,
    getDiscreteInput: () => false,
  };
  const server = await new Promise<ServerTCP>((resolve, reject) => {
    const s = new ServerTCP(vector, { host, port, unitID: 1 });
    s.once("serverError", reject);
    s.on("socketError", () => {
      // a client that went away: nothing to do
    });
    s.once("initialized", () => resolve(s));
  });
  // ServerTCP keeps its open sockets in `socks` (not in its typings).
  const connections = () => (server as unknown as { socks: Map<unknown, unknown> }).socks.size;
  return { port, connections, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

// ---------------------------------------------------------------------------------------------- HTTP

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

function readBody(req: http.IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const parts: Buffer[] = [];
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new InputError("body", `expected at most ${limit} bytes`));
        req.destroy();
        return;
      }
      parts.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function timeParam(params: URLSearchParams, name: string): number {
  const text = params.get(name);
  const value = text === null || text.trim() === "" ? Number.NaN : Number(text);
  if (!Number.isFinite(value)) throw new InputError(name, `expected epoch milliseconds, got ${text === null ? "nothing" : JSON.stringify(text)}`);
  return value;
}

async function startHttp(simulator: PlantSimulator, host: string, port: number, urls: () => PlantUrls, clients: () => Record<string, number>): Promise<{ url: string; close: () => Promise<void> }> {
  // One frame per simulated second at most: the camera endpoint may be polled by several flows.
  let cached: { timeMs: number; png: Promise<Buffer> } | null = null;
  const frame = () => {
    if (!cached || cached.timeMs !== simulator.timeMs) {
      const timeMs = simulator.timeMs;
      cached = { timeMs, png: encodeTankFrame(renderTankFrame(simulator.tankLayers(), Math.floor(timeMs / 1000))) };
    }
    return cached.png;
  };
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://simulator");
    const route = `${req.method} ${url.pathname.replace(/\/+$/, "") || "/"}`;
    switch (route) {
      case `GET /camera/${TANK_ID}/frame.png`: {
        const png = await frame();
        res.writeHead(200, { "content-type": "image/png", "content-length": png.length, "cache-control": "no-store", "x-simulated-time": new Date(simulator.timeMs).toISOString() });
        res.end(png);
        return;
      }
      case "GET /faults":
        return send(res, 200, simulator.faultList());
      case "POST /faults": {
        const text = await readBody(req);
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          throw new InputError("body", "expected JSON {tag, kind, durationS, magnitude?}");
        }
        return send(res, 201, simulator.inject(body));
      }
      case "GET /status":
        return send(res, 200, { ...simulator.status(), time: new Date(simulator.timeMs).toISOString(), urls: urls(), clients: clients() });
      case "GET /tags":
        return send(res, 200, simulator.tags);
      case "GET /history": {
        const tag = url.searchParams.get("tag") ?? "";
        if (simulator.resolveTags(tag).length !== 1 || simulator.resolveTags(tag)[0] !== tag) {
          return send(res, 404, { error: `tag: no series ${JSON.stringify(tag)} (expected a series key like "W01.OilRate")` });
        }
        const samples = simulator.historyOf(tag, timeParam(url.searchParams, "start"), timeParam(url.searchParams, "end"));
        // The contract's quality byte: 192 good, 0x10 bad (sensor failure).
        return send(res, 200, samples.map((s) => ({ timestamp: s.timestamp, value: s.value, quality: s.quality === "good" ? 192 : 0x10 })));
      }
      default:
        return send(res, 404, { error: `no route ${route}`, routes: ["GET /camera/T1/frame.png", "GET /faults", "POST /faults", "GET /status", "GET /tags", "GET /history?tag=&start=&end="] });
    }
  };
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return res.destroy();
      send(res, err instanceof InputError ? 400 : 500, { error: err instanceof Error ? err.message : String(err) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as net.AddressInfo).port;
  return {
    url: `http://${host}:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------------------------------------- MQTT

async function startBroker(host: string, port: number): Promise<{ url: string; aedes: Aedes; close: () => Promise<void> }> {
  const aedes = await Aedes.createBroker();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    aedes.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as net.AddressInfo).port;
  return {
    url: `mqtt://${host}:${actual}`,
    aedes,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await closed;
    },
  };
}

/**
 * Publishes each tag's newest delivered sample once (QoS 1, not retained, as docs/mqtt-convention.md
 * asks for measurements): the wells with their OPC UA StatusCode object, the tank with the quality byte
 * of a Modbus gateway (192 good, 0x10 bad). Nothing during a gap.
 */
function mqttPublisher(simulator: PlantSimulator, aedes: Aedes, site: string): () => void {
  const topics = simulator.tags.map((t) => formatTopic({ site, asset: t.asset, tag: t.tag }));
  const published = simulator.tags.map(() => Number.NEGATIVE_INFINITY);
  const good = { value: StatusCodes.Good.value, name: StatusCodes.Good.name };
  const bad = { value: StatusCodes.BadSensorFailure.value, name: StatusCodes.BadSensorFailure.name };
  return () => {
    simulator.tags.forEach((info, i) => {
      const state = simulator.state(info.key);
      if (!state.present || state.timestamp <= published[i]) return;
      published[i] = state.timestamp;
      const quality = info.protocol === "opcua" ? (state.quality === "good" ? good : bad) : state.quality === "good" ? 192 : 0x10;
      const packet = { cmd: "publish", topic: topics[i], payload: Buffer.from(JSON.stringify({ value: state.value, timestamp: state.timestamp, quality })), qos: 1, retain: false, dup: false } as PublishPacket;
      aedes.publish(packet, () => {
        // an in-process publish fails only when the broker is closing: nothing to report
      });
    });
  };
}
