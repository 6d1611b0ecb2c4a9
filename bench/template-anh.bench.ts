/**
 * Template 2 (flows/anh-daily-report.json) at plant scale: 222 wells × 9 tags = 1 998 OPC UA tags changing
 * at 1 Hz, through the template's one analytics chain (gap-detector → spc-rules → anomaly-detect →
 * influx-write, shared by every well) and each well's ANH report subflow (anh-json, journaling the day), in
 * one Node-RED 4.1 child process, as a plant runs it (repo settings.js, this package linked into its user
 * dir, the flow deployed through the admin API). Measured until the chain has analysed BENCH_MESSAGES
 * readings (default 1 M, about 8.5 min):
 *   - CPU share of one core of the Node-RED process, from /proc/<pid>/stat (utime + stime) per window;
 *   - latency from a value's source timestamp (set by the OPC UA server) to the end of the analytics chain
 *     (every reading) and to the event it raised (anomaly and SPC events), p50 and p99;
 *   - the heap after a full GC every REPORT_EVERY_S seconds (the curve, and its slope in the second half).
 * The source is the simulator (sim/plant-server.ts startPlant({wells})) when it is built, else a stand-in:
 * the test OPC UA server (test/support/opcua-server.ts) with 1 998 extra variables, driven here with a
 * seeded random walk per tag and one spike a second on a random tag. InfluxDB is VictoriaMetrics (v2 write
 * API). BENCH_SOURCE=standin forces the stand-in; BENCH_WELLS and BENCH_MESSAGES scale the run, BENCH_MAX_S
 * bounds it (default twice the time the target takes at 1 Hz), BENCH_REPORT_S sets the window (30 s).
 *
 * The package Node-RED loads is the one test/support/node-red-process.ts links: the folder with the
 * package.json above the compiled harness (repoRoot()), i.e. the repo and its dist/ after `npm run build`.
 * A build elsewhere (a folder with a copy of package.json, its own dist/ and links to settings.js and
 * flows/) is measured by compiling the harness into that folder's dist/.
 *
 * How the template is scaled: see scaleTemplate(). The template runs unchanged otherwise, except that the
 * detectors learn fast (BENCH_SHIPPED_LEARNING=1 keeps the shipped settings): as shipped, spc-rules needs 600
 * readings of a tag (10 min) and anomaly-detect 3 600 (1 h) before they judge anything, longer than a 1 M-reading
 * run at 2 000 tags (8.5 min); with a 60-reading SPC window and 120 learning points both score for ~85 % of the
 * run, so the figures include the detection work and the events a plant gets. Both dashboards are stood in for
 * by link in nodes with their ids, the probes hanging on fr-ui-measurement and fr-ui-event.
 */
import fs from "fs";
import os from "os";
import path from "path";
import { spawn } from "child_process";
import readline from "readline";
import { VictoriaMetricsServer } from "../test/support/influx-servers";
import { start as startNodeRed, deploy, type FlowNode, type NodeRedProcess } from "../test/support/node-red-process";
import { freePort } from "../test/support/ports";
import { repoRoot } from "../test/support/repo";
import { median, type BenchRow } from "./run";

const WELLS = Number(process.env.BENCH_WELLS || 222);
const TARGET_MESSAGES = Number(process.env.BENCH_MESSAGES || 1_000_000);
const REPORT_EVERY_S = Number(process.env.BENCH_REPORT_S || 30);
const WELLS_PER_SUBSCRIPTION = 25;
/** the template's per-well subflow: the ANH report of one well */
const ANH_SUBFLOW = "fr-anh-well-subflow";
const TAGS = ["OilRate", "WaterRate", "GasRate", "TubingPressure", "CasingPressure", "Temperature", "Choke", "PumpSpeed", "PumpCurrent"] as const;
/** typical value and the step of its random walk, per tag (units of the integration contract) */
const TAG_SCALE: Record<(typeof TAGS)[number], [number, number]> = {
  OilRate: [800, 4],
  WaterRate: [1200, 6],
  GasRate: [3.4, 0.02],
  TubingPressure: [645, 2],
  CasingPressure: [910, 2],
  Temperature: [78, 0.2],
  Choke: [32, 0.1],
  PumpSpeed: [52, 0.1],
  PumpCurrent: [41, 0.3],
};
const CLOCK_TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux (USER_HZ is 100 on every mainstream kernel)
const REPORT_MARK = "BENCH-REPORT ";

/** W01 … W99, W100 …: the simulator's names (lib/simulator/tags.ts) */
const wellName = (w: number): string => `W${String(w + 1).padStart(2, "0")}`;

interface Source {
  kind: string;
  endpointUrl: string;
  nodeIdOf(well: string, wellIndex: number, tagIndex: number): string;
  /** begins changing the values (the stand-in waits until the flow is deployed) */
  go(): void;
  readonly valuesOffered: number;
  /** how far the source timestamps trail the wall clock when a value is published (subtracted from latencies) */
  readonly clockLagMs: number;
  stop(): Promise<void>;
}

/**
 * The stand-in well pad, in a child process (in this process its address space would compete with the
 * harness; the opcua-in benchmark does the same): the test OPC UA server with one variable per tag, every
 * tag a seeded mean-reverting random walk, and each second one random tag spiked by 40 steps.
 */
const STAND_IN_SCRIPT = `
const { TestOpcuaServer } = require(process.argv[1]);
const { seededRandom } = require(process.argv[2]);
const scales = JSON.parse(process.argv[3]);
const count = scales.length;
(async () => {
  const server = await TestOpcuaServer.start({ extraVariables: count });
  console.log("URL " + server.endpointUrl);
  const random = seededRandom(20261123);
  const values = scales.map(([level]) => level);
  let timer = null;
  require("readline").createInterface({ input: process.stdin }).on("line", async (line) => {
    if (line === "go") timer = setInterval(() => {
      const now = new Date();
      const spiked = Math.floor(random() * count);
      for (let i = 0; i < count; i++) {
        const [level, step] = scales[i];
        // Mean-reverting: stays near the level, so SPC and the anomaly model see a stable process.
        values[i] += (random() - 0.5) * 2 * step + (level - values[i]) * 0.05;
        server.set("Extra" + i, i === spiked ? values[i] + 40 * step : values[i], undefined, now);
      }
    }, 1000);
    if (line === "stop") { if (timer) clearInterval(timer); await server.dispose(); process.exit(0); }
  });
})();
`;

async function startStandIn(): Promise<Source> {
  const scales = Array.from({ length: WELLS * TAGS.length }, (_, i) => TAG_SCALE[TAGS[i % TAGS.length]]);
  const child = spawn(process.execPath, ["-e", STAND_IN_SCRIPT, require.resolve("../test/support/opcua-server"), require.resolve("../lib/common/random"), JSON.stringify(scales)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const endpointUrl = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      if (line.startsWith("URL ")) resolve(line.slice(4));
    });
    child.once("exit", (code) => reject(new Error(`the stand-in OPC UA server exited (${code})`)));
  });
  let since: number | null = null;
  return {
    kind: "stand-in (test OPC UA server in a child process, 1 spike/s)",
    clockLagMs: 0,
    endpointUrl,
    nodeIdOf: (_well, wellIndex, tagIndex) => `ns=1;s=Well01.Extra${wellIndex * TAGS.length + tagIndex}`,
    go() {
      since = Date.now();
      child.stdin?.write("go\n");
    },
    get valuesOffered() {
      return since === null ? 0 : Math.floor((Date.now() - since) / 1000) * scales.length;
    },
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.stdin?.write("stop\n");
      await exited;
    },
  };
}

/**
 * The simulator of issue #10 (sim/plant-server.ts, compiled beside this file), in this process: its OPC UA
 * server only, on a free port, following the wall clock. Its fault schedule is its own (no spikes added).
 */
async function startSimulator(): Promise<Source | null> {
  const file = path.join(__dirname, "..", "sim", "plant-server.js");
  if (process.env.BENCH_SOURCE === "standin" || !fs.existsSync(file)) return null;
  interface RunningPlant {
    urls: { opcua?: string };
    simulator: { timeMs: number };
    stop(): Promise<void>;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional module: present once the simulator is built
  const sim = require(file) as { startPlant(options: Record<string, unknown>): Promise<RunningPlant> };
  const plant = await sim.startPlant({ wells: WELLS, ports: { opcua: 0, modbus: false, http: false, mqtt: false } });
  const endpointUrl = plant.urls.opcua;
  if (typeof endpointUrl !== "string") throw new Error("startPlant() started no OPC UA server");
  const started = Date.now();
  // The simulated clock starts at the second startPlant() was called and runs in real time from the moment
  // it returns (after building the address space): its source timestamps trail the wall clock by that
  // constant, which is not latency of the flow.
  const clockLagMs = started - plant.simulator.timeMs;
  return {
    kind: "simulator (sim/plant-server.ts)",
    clockLagMs,
    endpointUrl,
    nodeIdOf: (well, _wellIndex, tagIndex) => `ns=1;s=${well}.${TAGS[tagIndex]}`,
    go() {},
    get valuesOffered() {
      return Math.floor((Date.now() - started) / 1000) * WELLS * TAGS.length;
    },
    stop: () => plant.stop(),
  };
}

/**
 * The template with WELLS wells, scaled the way its "Well pad" comment and flows/README.md tell an
 * integrator to: one opcua-in per group of WELLS_PER_SUBSCRIPTION wells (one subscription each, below
 * node-opcua's default of 10 per session), feeding the template's readings junction (the one analytics
 * chain of every well) and a "which well?" switch of that group (a switch evaluates its rules in turn,
 * so one switch of 222 rules would cost ~111 rule evaluations a reading), which sends each reading to
 * its well's instance of the ANH report subflow. Everything else (config nodes, the chain, the subflows,
 * the event block, the report commands) is as shipped.
 */
function scaleTemplate(template: FlowNode[], source: Source): FlowNode[] {
  const tab = template.find((n) => n.type === "tab");
  const firstInput = template.find((n) => n.type === "opcua-in");
  const byWell = template.find((n) => n.type === "switch" && n.z === tab?.id && n.name === "which well?");
  const firstWell = template.find((n) => n.type === `subflow:${ANH_SUBFLOW}`);
  const check = template.find((n) => n.type === "function" && n.name === "check command");
  const readingsJunction = ((firstInput?.wires as string[][] | undefined)?.[0] ?? [])[0];
  if (!tab || !firstInput || !byWell || !firstWell || !check || !readingsJunction) {
    throw new Error("flows/anh-daily-report.json changed shape: no tab, opcua-in, \"which well?\" switch, ANH subflow instance or command check");
  }
  const replaced = new Set(template.filter((n) => n.z === tab.id && (n.type === "opcua-in" || n.type === `subflow:${ANH_SUBFLOW}` || n.id === byWell.id)).map((n) => n.id));
  const wellIds = Array.from({ length: WELLS }, (_, w) => `bench-well-${wellName(w)}`);
  const nodes: FlowNode[] = template
    .filter((n) => !replaced.has(n.id))
    .map((n) => {
      const copy = { ...n };
      if (Array.isArray(copy.nodes)) copy.nodes = (copy.nodes as string[]).filter((id) => !replaced.has(id)); // group members
      if (Array.isArray(copy.wires)) copy.wires = (copy.wires as string[][]).map((out) => out.filter((id) => !replaced.has(id)));
      // The report command fans out to every well.
      if (copy.id === check.id) copy.wires = [wellIds];
      return copy;
    });
  for (let group = 0; group * WELLS_PER_SUBSCRIPTION < WELLS; group++) {
    const wells = Array.from({ length: Math.min(WELLS_PER_SUBSCRIPTION, WELLS - group * WELLS_PER_SUBSCRIPTION) }, (_, k) => group * WELLS_PER_SUBSCRIPTION + k);
    const items = wells.flatMap((w) => TAGS.map((tag, t) => ({ nodeId: source.nodeIdOf(wellName(w), w, t), tag: `${wellName(w)}.${tag}`, deadband: "", deadbandType: "absolute" })));
    nodes.push({ ...firstInput, id: `bench-opcua-${group}`, name: `wells ${wellName(wells[0])}…${wellName(wells[wells.length - 1])}`, g: undefined, items, wires: [[readingsJunction, `bench-route-${group}`]] });
    nodes.push({
      ...byWell,
      id: `bench-route-${group}`,
      g: undefined,
      rules: wells.map((w) => ({ t: "regex", v: `^${wellName(w)}\\.`, vt: "str", case: false })),
      outputs: wells.length,
      wires: wells.map((w) => [wellIds[w]]),
    });
  }
  for (let w = 0; w < WELLS; w++) {
    const well = wellName(w);
    nodes.push({
      ...firstWell,
      id: wellIds[w],
      name: `${well}: ANH report`,
      g: undefined,
      env: [
        { name: "WELL", type: "str", value: well },
        { name: "ANH_WELL_ID", type: "str", value: well },
        { name: "ANH_REMOTE_DIR", type: "str", value: `/anh/${well}` },
      ],
    });
  }
  // Both dashboards stand in as their link in nodes (every fr-ui-* and fr-ui-*-d1 id the template links
  // to), so no link out of the template sends to a missing target (see flows/README.md, "Many wells");
  // the probes hang on the Dashboard 2 ids of readings and events.
  const dashboards = "bench-dashboards";
  nodes.push({ id: dashboards, type: "tab", label: "bench: dashboards stand-in", disabled: false, info: "" });
  const linkIds = new Set(template.filter((n) => n.type === "link out").flatMap((n) => n.links as string[]));
  for (const id of [...linkIds].filter((target) => target.startsWith("fr-ui-"))) {
    const probe = id === "fr-ui-measurement" ? "bench-probe-readings" : id === "fr-ui-event" ? "bench-probe-events" : null;
    // x and y: without them the runtime takes a node for a config node.
    nodes.push({ id, type: "link in", z: dashboards, name: id, links: [], x: 120, y: 40 + 40 * nodes.filter((n) => n.z === dashboards).length, wires: [probe === null ? [] : [probe]] });
  }
  nodes.push(
    { id: "bench-probe-readings", type: "function", z: dashboards, name: "bench: reading latency", func: 'global.get("benchStats").reading(msg.timestamp);\nreturn null;', outputs: 0, x: 400, y: 40, wires: [] },
    { id: "bench-probe-events", type: "function", z: dashboards, name: "bench: event latency", func: 'global.get("benchStats").event(msg.payload);\nreturn null;', outputs: 0, x: 400, y: 80, wires: [] },
  );
  return nodes;
}

/**
 * A settings file wrapping the repo's settings.js: adds the statistics the probe nodes feed (fixed-size
 * 1 ms histograms, so the probes themselves hold no growing memory) and prints a report line every
 * REPORT_EVERY_S seconds after a full GC (V8's gc exposed at run time: Node-RED starts without flags).
 */
function writeSettings(dir: string, clockLagMs: number): string {
  const file = path.join(dir, "bench-settings.js");
  const code = `"use strict";
const base = require(${JSON.stringify(path.join(repoRoot(), "settings.js"))});
require("v8").setFlagsFromString("--expose-gc");
const gc = require("vm").runInNewContext("gc");
const MAX_MS = 120000;
function histogram() { return { counts: new Uint32Array(MAX_MS + 1), n: 0 }; }
function record(h, ms) { h.counts[Math.max(0, Math.min(MAX_MS, Math.round(ms)))]++; h.n++; }
function quantile(h, q) {
  if (h.n === 0) return null;
  let seen = 0; const want = q * h.n;
  for (let i = 0; i <= MAX_MS; i++) { seen += h.counts[i]; if (seen >= want) return i; }
  return MAX_MS;
}
const CLOCK_LAG_MS = ${clockLagMs};
const toMs = (t) => (typeof t === "number" ? t : typeof t === "string" ? Date.parse(t) : NaN) + CLOCK_LAG_MS;
const readings = histogram();
let windowReadings = histogram();
const valueEvents = histogram();
const eventCounts = {};
const stats = {
  reading(timestamp) { const ms = Date.now() - toMs(timestamp); if (ms === ms) { record(readings, ms); record(windowReadings, ms); } },
  event(e) {
    const kind = (e && e.event) || "unknown";
    eventCounts[kind] = (eventCounts[kind] || 0) + 1;
    // Events raised by a value (anomaly-detect, spc-rules): their timestamp is that value's source timestamp.
    if (/^(anomaly|anomaly-cleared|violation|in-control)$/.test(kind)) { const ms = Date.now() - toMs(e.timestamp); if (ms === ms) record(valueEvents, ms); }
  },
};
const started = Date.now();
setInterval(() => {
  gc();
  const m = process.memoryUsage();
  const line = { t: Date.now() - started, pid: process.pid, heapUsed: m.heapUsed, heapTotal: m.heapTotal, rss: m.rss, external: m.external,
    // open handles (sockets, servers, files) and timers, the way a leak of either would show
    handles: process.getActiveResourcesInfo().filter((kind) => kind !== "Timeout" && kind !== "Immediate").length,
    timers: process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length,
    readings: readings.n, readingP50: quantile(readings, 0.5), readingP99: quantile(readings, 0.99),
    windowP50: quantile(windowReadings, 0.5), windowP99: quantile(windowReadings, 0.99),
    valueEvents: valueEvents.n, eventP50: quantile(valueEvents, 0.5), eventP99: quantile(valueEvents, 0.99), eventCounts };
  windowReadings = histogram();
  process.stdout.write(${JSON.stringify(REPORT_MARK)} + JSON.stringify(line) + "\\n");
}, ${REPORT_EVERY_S * 1000}).unref();
// BENCH_HEAP_SNAPSHOTS=<dir>:<report>,<report>: heap snapshots of the Node-RED process after those reports
// (compare them in Chrome DevTools' Memory tab, "Comparison" view, to see what a growing heap holds).
if (process.env.BENCH_HEAP_SNAPSHOTS) {
  const [dir, at] = process.env.BENCH_HEAP_SNAPSHOTS.split(":");
  const wanted = new Set(at.split(",").map(Number));
  let reports = 0;
  setInterval(() => {
    reports++;
    if (wanted.has(reports)) require("v8").writeHeapSnapshot(require("path").join(dir, "report-" + reports + ".heapsnapshot"));
  }, ${REPORT_EVERY_S * 1000}).unref();
}
if (process.env.BENCH_PROFILE) {
  const session = new (require("inspector").Session)();
  session.connect();
  let reports = 0;
  setInterval(() => {
    reports++;
    if (reports === 2) session.post("Profiler.enable", () => session.post("Profiler.start"));
    if (reports === 3) session.post("Profiler.stop", (err, result) => { if (!err) require("fs").writeFileSync(process.env.BENCH_PROFILE, JSON.stringify(result.profile)); });
  }, ${REPORT_EVERY_S * 1000}).unref();
}
module.exports = { ...base, functionGlobalContext: { ...(base.functionGlobalContext || {}), benchStats: stats } };
`;
  fs.writeFileSync(file, code);
  return file;
}

interface Report {
  t: number;
  pid: number;
  heapUsed: number;
  heapTotal: number;
  rss: number;
  handles: number;
  timers: number;
  readings: number;
  readingP50: number | null;
  readingP99: number | null;
  windowP50: number | null;
  windowP99: number | null;
  valueEvents: number;
  eventP50: number | null;
  eventP99: number | null;
  eventCounts: Record<string, number>;
}

function reportsIn(logs: string): Report[] {
  return logs
    .split("\n")
    .filter((line) => line.startsWith(REPORT_MARK))
    .map((line) => JSON.parse(line.slice(REPORT_MARK.length)) as Report);
}

/** utime + stime of a process in seconds, from /proc/<pid>/stat (fields 14 and 15, after the command name). */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export async function run(): Promise<BenchRow[]> {
  const templateFile = path.join(repoRoot(), "flows", "anh-daily-report.json");
  const template = JSON.parse(fs.readFileSync(templateFile, "utf8")) as FlowNode[];
  const source = (await startSimulator()) ?? (await startStandIn());
  const historian = await VictoriaMetricsServer.create();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fr-bench-anh-"));
  let red: NodeRedProcess | null = null;
  try {
    red = await startNodeRed({
      userDir: path.join(dir, "user"),
      settingsFile: writeSettings(dir, source.clockLagMs),
      env: {
        NODE_RED_LOG_LEVEL: "warn",
        // BENCH_PROFILE=<file>.cpuprofile: a CPU profile of the Node-RED process (the second to third report).
        BENCH_PROFILE: process.env.BENCH_PROFILE,
        BENCH_HEAP_SNAPSHOTS: process.env.BENCH_HEAP_SNAPSHOTS,
        OPCUA_ENDPOINT: source.endpointUrl,
        INFLUX_URL: historian.url,
        INFLUX_API: "v2",
        INFLUX_DB: "bench",
        INFLUX_ORG: "bench",
        INFLUX_BUCKET: "bench",
        INFLUX_TOKEN: "bench-token-not-secret",
        INFLUX_USER: "",
        INFLUX_PASSWORD: "",
        FTP_HOST: "127.0.0.1",
        FTP_PORT: String(await freePort()), // nothing listens: delivery is at 06:50 and not measured here
        FTP_SECURE: "none",
        FTP_USER: "anh",
        FTP_PASSWORD: "bench",
        SMTP_HOST: "",
        ALERT_WEBHOOK_URL: "",
        SITE: "bench",
      },
    });
    const flow = scaleTemplate(template, source);
    if (!process.env.BENCH_SHIPPED_LEARNING) {
      for (const node of flow) {
        if (node.type === "spc-rules") node.window = 60;
        if (node.type === "anomaly-detect") node.learningPoints = 120;
      }
    }
    const deployedAt = Date.now();
    await deploy(red.url, flow);
    source.go();
    const logs = (): Report[] => reportsIn(red?.logs() ?? "");
    // The first report gives the pid (the helper does not expose it) and marks the start of the windows.
    while (logs().length === 0) await new Promise((resolve) => setTimeout(resolve, 500));
    const pid = logs()[0].pid;
    const windows: Array<{ report: Report; cpu: number; wall: number }> = [];
    // A machine that cannot keep up would never reach the target: the run ends after BENCH_MAX_S at most.
    const capMs = Number(process.env.BENCH_MAX_S || (TARGET_MESSAGES / (WELLS * TAGS.length)) * 2 + 120) * 1000;
    let seen = 0;
    for (;;) {
      const reports = logs();
      if (reports.length > seen) {
        seen = reports.length;
        windows.push({ report: reports[reports.length - 1], cpu: cpuSeconds(pid), wall: Date.now() });
        const last = windows[windows.length - 1];
        const prev = windows[windows.length - 2];
        const share = prev ? (last.cpu - prev.cpu) / ((last.wall - prev.wall) / 1000) : NaN;
        console.log(
          `t=${Math.round((last.wall - deployedAt) / 1000)} s readings=${last.report.readings} heap=${(last.report.heapUsed / 2 ** 20).toFixed(1)} MB handles=${last.report.handles} timers=${last.report.timers} cpu=${(share * 100).toFixed(0)} % p50/p99=${last.report.windowP50}/${last.report.windowP99} ms events=${JSON.stringify(last.report.eventCounts)}`,
        );
        if (last.report.readings >= TARGET_MESSAGES || Date.now() - deployedAt > capMs) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const errors = red.errors();
    if (process.env.BENCH_DEBUG) console.log(red.logs().split("\n").filter((line) => !line.startsWith(REPORT_MARK)).slice(-60).join("\n"));
    const final = windows[windows.length - 1];
    // CPU and heap from the second window on: the first covers deploy, connection and subscriptions.
    const steady = windows.slice(1);
    const shares = steady.slice(1).map((w, i) => (w.cpu - steady[i].cpu) / ((w.wall - steady[i].wall) / 1000));
    const overall = steady.length > 1 ? (final.cpu - steady[0].cpu) / ((final.wall - steady[0].wall) / 1000) : NaN;
    const rate = steady.length > 1 ? (final.report.readings - steady[0].report.readings) / ((final.wall - steady[0].wall) / 1000) : NaN;
    // Work per reading, which contention on a shared machine stretches less than the share it can get.
    const cpuPerReadingMs = steady.length > 1 ? ((final.cpu - steady[0].cpu) / (final.report.readings - steady[0].report.readings)) * 1000 : NaN;
    const heapCurve = windows.map((w) => `${(w.report.readings / 1000).toFixed(0)}k:${(w.report.heapUsed / 2 ** 20).toFixed(0)}`).join(" ");
    const secondHalf = windows.filter((w) => w.report.readings >= final.report.readings / 2);
    const heapSlope = secondHalf.length > 2 ? slope(secondHalf.map((w) => w.report.readings / 1e5), secondHalf.map((w) => w.report.heapUsed / 2 ** 20)) : NaN;
    const learning = process.env.BENCH_SHIPPED_LEARNING ? "detectors as shipped (still learning for most of the run)" : "detectors learning fast (SPC window 60, anomaly 120 points)";
    const notes = `${WELLS} wells × ${TAGS.length} tags at 1 Hz from the ${source.kind}, ${learning}; ${final.report.readings} readings analysed in ${Math.round((final.wall - deployedAt) / 1000)} s`;
    return [
      { metric: "template 2 CPU share of one core (Node-RED process)", value: overall * 100, unit: "%", note: `${notes}; windows of ${REPORT_EVERY_S} s: median ${(median(shares) * 100).toFixed(0)} %, max ${(Math.max(...shares) * 100).toFixed(0)} %` },
      { metric: "template 2 readings analysed per second", value: rate, unit: "readings/s", note: `offered ${WELLS * TAGS.length}/s; ${source.valuesOffered} values offered in all` },
      {
        metric: "template 2 CPU time per reading analysed",
        value: cpuPerReadingMs,
        unit: "ms",
        note: `at ${WELLS * TAGS.length} readings/s that is ${((cpuPerReadingMs * WELLS * TAGS.length) / 10).toFixed(0)} % of one core`,
      },
      { metric: "template 2 latency value → analysed reading, p50", value: final.report.readingP50 ?? NaN, unit: "ms", note: `from the source timestamp (includes the 1 s OPC UA publishing interval; the simulator's constant clock lag of ${source.clockLagMs} ms taken off)` },
      { metric: "template 2 latency value → analysed reading, p99", value: final.report.readingP99 ?? NaN, unit: "ms" },
      { metric: "template 2 latency value → event, p50", value: final.report.eventP50 ?? NaN, unit: "ms", note: `${final.report.valueEvents} anomaly/SPC events; all events: ${JSON.stringify(final.report.eventCounts)}` },
      { metric: "template 2 latency value → event, p99", value: final.report.eventP99 ?? NaN, unit: "ms" },
      { metric: "template 2 heap after GC at the end", value: final.report.heapUsed / 2 ** 20, unit: "MB", note: `curve (k readings:MB) ${heapCurve}` },
      { metric: "template 2 heap slope over the second half", value: heapSlope, unit: "MB per 100 k readings", note: `runtime errors logged: ${errors.length}${errors.length ? ` (first: ${errors[0].slice(0, 160)})` : ""}` },
      {
        metric: "template 2 open handles at the end",
        value: final.report.handles,
        unit: "handles",
        note: `curve (k readings:handles/timers) ${windows.map((w) => `${(w.report.readings / 1000).toFixed(0)}k:${w.report.handles}/${w.report.timers}`).join(" ")}`,
      },
    ];
  } finally {
    await red?.stop();
    await source.stop();
    await historian.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
