/**
 * Soak: template 2 (flows/anh-daily-report.json) redeployed FR_REDEPLOYS times (default 100, full deploys
 * through the admin API, as an integrator's "Deploy" does) in a real Node-RED 4.1 child process fed by the
 * simulator's OPC UA well pad, with a real InfluxDB. Every node is stopped and started each time: OPC UA
 * sessions, subscriptions, timers, file handles, context and event listeners must all be let go.
 *
 * After every deploy the test waits until readings flow again, then samples the process through a probe
 * endpoint: active resources by kind (process.getActiveResourcesInfo(): timers, sockets, file requests),
 * listeners on `process` and on Node-RED's runtime event bus, and the heap after a full GC. The counts
 * after the last deploy must equal those after the tenth (the first ones include one-time set-up such as
 * the OPC UA client certificate and the history of the first connection): for timers and handles the median
 * over the last ten deploys may not exceed the peak over deploys 10–19, listeners must be equal, and the
 * heap (mean of ten) may not grow by 1 MB per 10 deploys. At least 30 deploys; the figures are printed for
 * RELIABILITY.md.
 */
import assert from "node:assert/strict";
import fs from "fs";
import os from "os";
import path from "path";
import { startPlant, type RunningPlant } from "../../sim/plant-server";
import { InfluxDB1Server } from "../support/influx-servers";
import { deploy, start, type FlowNode, type NodeRedProcess } from "../support/node-red-process";
import { repoRoot } from "../support/repo";
import { eventually, loadTemplate, plantEnvironment } from "../flows/harness";

const REDEPLOYS = Math.max(30, Number(process.env.FR_REDEPLOYS || 100));
/** the deploy after which the process is taken as settled */
const SETTLED_AFTER = 10;

interface Sample {
  deploy: number;
  resources: Record<string, number>;
  processListeners: number;
  runtimeListeners: number;
  heapMB: number;
}

/**
 * The repo's settings plus a way to look inside the process: a function the probe flow calls. The event bus
 * is @node-red/util's `events`, the runtime's own instance (one copy in node_modules).
 */
function writeSettings(dir: string): string {
  const file = path.join(dir, "soak-settings.js");
  fs.writeFileSync(
    file,
    `const base = require(${JSON.stringify(path.join(repoRoot(), "settings.js"))});
require("v8").setFlagsFromString("--expose-gc");
const gc = require("vm").runInNewContext("gc");
// require.main is Node-RED's red.js: its @node-red/util is the runtime's.
const { events } = require(require.resolve("@node-red/util", { paths: [require("path").dirname(require.main.filename)] }));
const count = (emitter) => emitter.eventNames().reduce((n, name) => n + emitter.listenerCount(name), 0);
function inside() {
  gc();
  const resources = {};
  for (const kind of process.getActiveResourcesInfo()) resources[kind] = (resources[kind] || 0) + 1;
  return { resources, processListeners: count(process), runtimeListeners: count(events), heapMB: process.memoryUsage().heapUsed / 2 ** 20 };
}
module.exports = { ...base, functionGlobalContext: { ...(base.functionGlobalContext || {}), soakInside: inside } };
`,
  );
  return file;
}

/**
 * The probe: what the process holds (GET /soak-inside), and the newest reading that reached the dashboard
 * link fr-ui-measurement (GET /soak-count: a count, so the probe itself holds nothing that grows).
 * The other dashboard links get an empty link in each, as a deployed dashboard would.
 */
function insideTab(template: FlowNode[]): FlowNode[] {
  const z = "soak-tab";
  const dashboardIds = new Set(template.filter((n) => n.type === "link out").flatMap((n) => n.links as string[]).filter((id) => id.startsWith("fr-ui-")));
  return [
    { id: z, type: "tab", label: "soak probe", disabled: false, info: "" },
    ...[...dashboardIds].map((id, i) => ({ id, type: "link in", z, name: id, links: [], x: 120, y: 160 + 40 * i, wires: [id === "fr-ui-measurement" ? ["soak-mark"] : []] })),
    { id: "soak-mark", type: "function", z, name: "count readings", func: 'global.set("soakReadings", (global.get("soakReadings") || 0) + 1);\nreturn null;', outputs: 0, x: 320, y: 160, wires: [] },
    { id: "soak-count-get", type: "http in", z, name: "", url: "/soak-count", method: "get", upload: false, swaggerDoc: "", x: 120, y: 110, wires: [["soak-count-read"]] },
    { id: "soak-count-read", type: "function", z, name: "count", func: 'msg.payload = { readings: global.get("soakReadings") || 0 };\nreturn msg;', outputs: 1, x: 320, y: 110, wires: [["soak-answer"]] },
    { id: "soak-get", type: "http in", z, name: "", url: "/soak-inside", method: "get", upload: false, swaggerDoc: "", x: 120, y: 60, wires: [["soak-read"]] },
    { id: "soak-read", type: "function", z, name: "inside", func: 'msg.payload = global.get("soakInside")();\nreturn msg;', outputs: 1, x: 320, y: 60, wires: [["soak-answer"]] },
    { id: "soak-answer", type: "http response", z, name: "", statusCode: "", headers: {}, x: 520, y: 60, wires: [] },
  ];
}

describe("soak: template 2 redeployed again and again", function () {
  this.timeout(REDEPLOYS * 8000 + 120_000);
  let plant: RunningPlant | undefined;
  let influx: InfluxDB1Server | undefined;
  let red: NodeRedProcess | undefined;
  let dir = "";

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "fr-soak-"));
    [plant, influx] = await Promise.all([startPlant({ wells: 3, seed: 5, ports: { opcua: 0, modbus: false, http: false, mqtt: false } }), InfluxDB1Server.create()]);
    await influx.query("CREATE DATABASE plant");
    red = await start({
      settingsFile: writeSettings(dir),
      env: plantEnvironment({ OPCUA_ENDPOINT: String(plant.urls.opcua), INFLUX_URL: influx.url, INFLUX_DB: "plant", NODE_RED_LOG_LEVEL: "warn" }),
    });
  });

  after(async () => {
    await red?.stop();
    await Promise.all([plant?.stop(), influx?.dispose()]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`lets go of every timer, socket and listener: counts after ${REDEPLOYS} full deploys equal those after ${SETTLED_AFTER}`, async () => {
    const url = (red as NodeRedProcess).url;
    const template = loadTemplate("anh-daily-report");
    const flows = [...template, ...insideTab(template)];
    const deployMs: number[] = [];
    // -1 until the new flows' HTTP routes are up (a deploy answers before every node has started).
    const readings = async (): Promise<number> => {
      const response = await fetch(`${url}/soak-count`);
      return response.status === 200 ? ((await response.json()) as { readings: number }).readings : (await response.arrayBuffer(), -1);
    };
    const samples: Sample[] = [];
    const started = Date.now();
    for (let n = 1; n <= REDEPLOYS; n++) {
      const since = Date.now();
      await deploy(url, flows, "full");
      // Readings again: a full deploy stops the old flows before it answers, so what reaches the dashboard
      // link from now on comes through the new ones (a round of readings: the 27 tags of the 3 wells).
      const before = await eventually(async () => { const count = await readings(); return count >= 0 ? count : undefined; }, 30_000, `the probe after deploy ${n}`, 50);
      await eventually(async () => (await readings()) >= before + 27, 30_000, `readings after deploy ${n}`, 100);
      deployMs.push(Date.now() - since);
      const response = await fetch(`${url}/soak-inside`);
      samples.push({ deploy: n, ...((await response.json()) as Omit<Sample, "deploy">) });
    }
    const minutes = ((Date.now() - started) / 60_000).toFixed(1);
    const settled = samples[SETTLED_AFTER - 1];
    const last = samples[samples.length - 1];
    const summary = (s: Sample) => `${JSON.stringify(s.resources)} process listeners ${s.processListeners}, runtime listeners ${s.runtimeListeners}, heap ${s.heapMB.toFixed(1)} MB`;
    const sorted = [...deployMs].sort((a, b) => a - b);
    console.log(`      deploy → readings again: median ${sorted[sorted.length >> 1]} ms, max ${sorted[sorted.length - 1]} ms`);
    console.log(`      ${REDEPLOYS} deploys in ${minutes} min\n      after ${SETTLED_AFTER}: ${summary(settled)}\n      after ${REDEPLOYS}: ${summary(last)}`);
    // Timers and sockets come and go with the traffic (an OPC UA publish request in flight, a write to
    // InfluxDB): 37–40 timers from one sample to the next, so one sample of the last ten may top the ten
    // after settling without anything held. The median of the last ten may not exceed the peak of the ten
    // after settling: a leak of one per deploy, or one per ten, moves the median by 9 or more.
    // Immediates are the current turn's callbacks, not something held.
    const window = (from: number) => samples.slice(from, from + 10);
    const early = window(SETTLED_AFTER - 1);
    const late = window(samples.length - 10);
    const kinds = new Set(samples.flatMap((s) => Object.keys(s.resources)).filter((kind) => kind !== "Immediate"));
    for (const kind of kinds) {
      const counts = (list: Sample[]) => list.map((s) => s.resources[kind] ?? 0).sort((a, b) => a - b);
      const median = (list: Sample[]) => counts(list)[list.length >> 1];
      const peak = (list: Sample[]) => Math.max(...counts(list));
      assert.ok(median(late) <= peak(early), `${kind} after each deploy: ${samples.map((s) => s.resources[kind] ?? 0).join(" ")}`);
    }
    assert.equal(last.processListeners, settled.processListeners, `listeners on process: ${samples.map((s) => s.processListeners).join(" ")}`);
    assert.equal(last.runtimeListeners, settled.runtimeListeners, `listeners on the runtime's event bus: ${samples.map((s) => s.runtimeListeners).join(" ")}`);
    const mean = (list: Sample[]) => list.reduce((sum, s) => sum + s.heapMB, 0) / list.length;
    const growthPer10 = ((mean(late) - mean(early)) / (samples.length - 10 - (SETTLED_AFTER - 1))) * 10;
    console.log(`      heap after GC: ${mean(early).toFixed(1)} MB (deploys ${SETTLED_AFTER}–${SETTLED_AFTER + 9}) → ${mean(late).toFixed(1)} MB (last 10): ${growthPer10.toFixed(2)} MB per 10 deploys`);
    assert.ok(growthPer10 < 1, `heap after GC grows ${growthPer10.toFixed(2)} MB per 10 deploys: ${samples.map((s) => s.heapMB.toFixed(0)).join(" ")}`);
  });
});
