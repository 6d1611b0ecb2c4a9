/**
 * flows/tank-thermal-reliability.json in Node-RED 4.1 run as a child process (repo settings.js, this
 * package linked), deployed through the admin API, with the simulated plant (sim/plant-server: tank T1 on
 * Modbus TCP as float32 ABCD holding registers, its thermal camera over HTTP, fault injection) and
 * Debian's InfluxDB 1.6: readings with their σ and the trust score of each frame reach InfluxDB and the
 * dashboard links; frames taken while the operation is stable teach the reference; an injected spike on
 * the inflow turns it turbulent (an event through the alert path and the events measurement).
 *
 * Plant time is compressed: the simulator steps every 200 ms (the plant: 1 s), Modbus is polled every
 * 100 ms (the template: 1 s) and a frame fetched every 2 s (the template: 30 s).
 */
import assert from "node:assert/strict";
import { startPlant, type RunningPlant } from "../../sim/plant-server";
import { InfluxDB1Server } from "../support/influx-servers";
import { deploy, start, watchStatuses, type NodeRedProcess, type StatusWatcher } from "../support/node-red-process";
import { assertTemplateShape, deployProblems, eventually, loadTemplate, patchNode, plantEnvironment, probeEvents, probeTab, readProbe } from "./harness";

const STEP_MS = 200;

describe("flows/tank-thermal-reliability.json", function () {
  this.timeout(240_000);
  let influx: InfluxDB1Server;
  let plant: RunningPlant;
  let red: NodeRedProcess;
  let statuses: StatusWatcher;
  let logOffset = 0;

  before(async () => {
    [influx, plant] = await Promise.all([InfluxDB1Server.create(), startPlant({ seed: 5, stepMs: STEP_MS, ports: { opcua: false, modbus: 0, http: 0, mqtt: false } })]);
    await influx.query("CREATE DATABASE plant");
    red = await start({
      env: plantEnvironment({
        MODBUS_HOST: String(plant.urls.modbus?.host),
        MODBUS_PORT: String(plant.urls.modbus?.port),
        CAMERA_URL: String(plant.urls.camera),
        INFLUX_URL: influx.url,
        INFLUX_DB: "plant",
      }),
    });
    statuses = await watchStatuses(red.url);
    const template = loadTemplate("tank-thermal-reliability");
    patchNode(template, "modbus-in", "tank T1 registers", { interval: 0.1 });
    patchNode(template, "inject", "every 30 s", { repeat: "2", onceDelay: "1" });
    logOffset = red.logs().length;
    await deploy(red.url, [...template, ...probeTab()]);
  });

  after(async () => {
    statuses?.close();
    await red?.stop();
    await Promise.all([influx?.dispose(), plant?.stop()]);
  });

  it("is an importable template: own tab, groups, comments, no secret, contract link ids", () => {
    assertTemplateShape("tank-thermal-reliability", loadTemplate("tank-thermal-reliability"));
  });

  it("deploys without an error and polls the tank", async () => {
    const source = loadTemplate("tank-thermal-reliability").find((n) => n.type === "modbus-in");
    await eventually(async () => statuses.latest.get(String(source?.id))?.fill === "green", 20_000, "modbus-in connected");
    assert.deepEqual(deployProblems(red, logOffset, statuses.latest), []);
  });

  it("writes each reading with its σ to InfluxDB and the dashboard", async () => {
    const rows = await eventually(async () => {
      const found = await influx.select(`SELECT "value", "sigma_std", "quality", "asset", "site" FROM "telemetry" WHERE "tag" = 'T1.Level'`, "plant");
      return found.filter((r) => typeof r.sigma_std === "number").length >= 5 ? found : undefined;
    }, 30_000, "T1.Level rows with sigma_std");
    assert.ok(rows.every((r) => Number(r.value) > 0 && Number(r.value) < 10), "the level of the 10 m tank, read as float32 ABCD");
    assert.equal(rows[0].asset, "T1");
    assert.equal(rows[0].quality, 192);
    const measurements = (await readProbe(red.url))["fr-ui-measurement"] ?? [];
    assert.ok(measurements.some((m) => m.topic === "T1.Inflow" && typeof (m as { sigma?: { std?: unknown } }).sigma?.std === "number"));
  });

  it("scores each frame, learns from frames taken while the operation is stable, and stores the score", async () => {
    const thermal = await eventually(async () => {
      const list = (await readProbe(red.url))["fr-ui-thermal"] ?? [];
      return list.some((m) => (m as { reliability?: { learned?: boolean } }).reliability?.learned === true) ? list : undefined;
    }, 60_000, "a frame learned as stable at fr-ui-thermal");
    const last = thermal[thermal.length - 1] as { payload: { frameBytes: number }; thermal: { interfaces: unknown[] }; reliability: { score: number; band: string } };
    assert.ok(last.payload.frameBytes > 1000, "the frame itself goes to the dashboard");
    assert.ok(last.thermal.interfaces.length >= 1, "interfaces found in the tank frame");
    assert.ok(last.reliability.score >= 0 && last.reliability.score <= 100);
    const rows = await eventually(async () => {
      const found = await influx.select(`SELECT * FROM "thermal" WHERE "tank" = 'T1'`, "plant");
      return found.length >= 2 ? found : undefined;
    }, 20_000, "thermal rows");
    assert.ok(rows.every((r) => typeof r.score === "number" && ["high", "medium", "low"].includes(String(r.band))));
    assert.ok(rows.some((r) => typeof r.crude_level === "number" && Number(r.crude_level) > 0 && Number(r.crude_level) <= 10), "levels in metres of the 10 m tank");
  });

  it("turns the inflow turbulent on a spike: event at the dashboard link and in the events measurement", async () => {
    const injectedAt = Date.now() - 500;
    const injected = await fetch(`${plant.urls.http}/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ tag: "T1.Inflow", kind: "spike", durationS: 1, magnitude: 2000 }) });
    assert.equal(injected.status, 201);
    await eventually(async () => (await probeEvents(red.url)).some((e) => e.event === "turbulent" && e.topic === "T1.Inflow" && e.timestamp >= injectedAt), 20_000, "the turbulent event of T1.Inflow");
    await eventually(async () => {
      const rows = await influx.select(`SELECT * FROM "events" WHERE "event" = 'turbulent' AND "tag" = 'T1.Inflow'`, "plant");
      return rows.length > 0;
    }, 15_000, "the turbulent event in the events measurement");
    assert.deepEqual(deployProblems(red, logOffset, new Map()), [], "no error logged");
  });
});
