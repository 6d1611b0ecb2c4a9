/**
 * flows/anh-daily-report.json in Node-RED 4.1 run as a child process (repo settings.js, this package
 * linked), deployed through the admin API (one analytics chain for every well, one ANH report subflow
 * instance per well), with the simulated plant (sim/plant-server: its OPC UA well
 * pad, one well, and fault injection over HTTP), Debian's InfluxDB 1.6 and ftp-srv: readings reach InfluxDB with
 * their analytics; an injected spike raises an anomaly, a drift an SPC rule, a communication gap a gap
 * event; and a day rebuilt from InfluxDB on the dashboard's command becomes ANH_REPORT_YYYYMMDD.json
 * uploaded to the FTP server exactly once.
 *
 * Plant time is compressed: the simulator steps every 250 ms (the plant: every second; the opcua-in
 * nodes sample every 100 ms) and the anomaly detector learns 100 points instead of 300;
 * everything else is the template as shipped.
 */
import assert from "node:assert/strict";
import fs from "fs";
import path from "path";
import { startPlant, type RunningPlant } from "../../sim/plant-server";
import { startFtpServer, type TestFtpServer } from "../support/ftp-server";
import { InfluxDB1Server } from "../support/influx-servers";
import { deploy, start, watchStatuses, type NodeRedProcess, type StatusWatcher } from "../support/node-red-process";
import { assertTemplateShape, deployProblems, eventually, loadTemplate, patchNode, plantEnvironment, probeEvents, probeTab, readProbe, withoutNodes } from "./harness";
import type { EventPayload } from "../../nodes/shared/events";

const STEP_MS = 250;
/** the well's variables in the report, with a typical value for the simulated day in InfluxDB */
const DAY_VALUES = { OilRate: 812.5, WaterRate: 1210, GasRate: 3.42, TubingPressure: 645.2, CasingPressure: 910.7, Temperature: 78.4, Choke: 32 } as const;
const DAY = "2026-11-20";
const COT_MIDNIGHT = Date.parse(`${DAY}T05:00:00Z`);

describe("flows/anh-daily-report.json", function () {
  this.timeout(240_000);
  let influx: InfluxDB1Server;
  let plant: RunningPlant;
  let ftp: TestFtpServer;
  let red: NodeRedProcess;
  let statuses: StatusWatcher;
  let logOffset = 0;
  const inject = async (fault: { tag: string; kind: string; durationS: number; magnitude?: number }) => {
    const response = await fetch(`${plant.urls.http}/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(fault) });
    assert.equal(response.status, 201, await response.text());
  };

  before(async () => {
    [influx, plant, ftp] = await Promise.all([
      InfluxDB1Server.create(),
      startPlant({ wells: 1, seed: 11, stepMs: STEP_MS, ports: { opcua: 0, modbus: false, http: 0, mqtt: false } }),
      startFtpServer(),
    ]);
    await influx.query("CREATE DATABASE plant");
    red = await start({
      env: plantEnvironment({
        OPCUA_ENDPOINT: String(plant.urls.opcua),
        INFLUX_URL: influx.url,
        INFLUX_DB: "plant",
        FTP_HOST: "127.0.0.1",
        FTP_PORT: String(ftp.port),
        FTP_USER: "anh",
        FTP_PASSWORD: "s3cret-Pa55",
      }),
    });
    statuses = await watchStatuses(red.url);
    // A one-well pad: the sources of W02 and W03 are left out (their ANH subflow instances stay, idle).
    const template = withoutNodes(loadTemplate("anh-daily-report"), (n) => n.type === "opcua-in" && !String(n.name).startsWith("W01"));
    // Sampling faster than the plant changes, so a one-sample spike is never missed.
    for (const node of template.filter((n) => n.type === "opcua-in")) Object.assign(node, { samplingInterval: 100, publishingInterval: 100 });
    patchNode(template, "anomaly-detect", "anomalies", { learningPoints: 100 });
    // The rolling SPC window as shipped is 600 samples (10 min at 1 Hz); this plant samples at 10 Hz.
    patchNode(template, "spc-rules", "SPC run rules", { window: 60 });
    logOffset = red.logs().length;
    await deploy(red.url, [...template, ...probeTab()]);
  });

  after(async () => {
    statuses?.close();
    await red?.stop();
    await Promise.all([influx?.dispose(), plant?.stop(), ftp?.close()]);
  });

  it("is an importable template: own tab, groups, comments, no secret, contract link ids, the command link in", () => {
    const nodes = loadTemplate("anh-daily-report");
    assertTemplateShape("anh-daily-report", nodes);
    assert.ok(nodes.some((n) => n.id === "fr-flow-anh-command" && n.type === "link in"));
    assert.ok(nodes.some((n) => n.type === "subflow" && n.id === "fr-alert-subflow"), "carries the alert subflow's definition");
  });

  it("has one analytics chain for every well and one ANH report subflow instance per well", () => {
    const nodes = loadTemplate("anh-daily-report");
    assert.equal(nodes.filter((n) => n.type === "subflow:fr-anh-well-subflow").length, 3, "one ANH report subflow instance per well");
    // One analytics chain on the tab for every well (the nodes keep state per series key), none per well.
    const tab = nodes.find((n) => n.type === "tab")?.id;
    for (const type of ["gap-detector", "spc-rules", "anomaly-detect"]) {
      assert.equal(nodes.filter((n) => n.type === type && n.z === tab).length, 1, `one ${type} on the tab`);
      assert.equal(nodes.filter((n) => n.type === type && n.z === "fr-anh-well-subflow").length, 0, `no ${type} in the per-well subflow`);
    }
    // Below node-opcua's default of 10 subscriptions per session: one opcua-in (one subscription) per shipped well.
    assert.equal(nodes.filter((n) => n.type === "opcua-in").length, 3);
    // Each well's readings reach its own instance, and only its own.
    const byWell = nodes.find((n) => n.type === "switch" && n.name === "which well?");
    assert.ok(byWell);
    const instances = nodes.filter((n) => n.type === "subflow:fr-anh-well-subflow");
    (byWell.rules as Array<{ v: string }>).forEach((rule, i) => {
      const target = instances.find((n) => (byWell.wires as string[][])[i].includes(n.id));
      const well = (target?.env as Array<{ name: string; value: string }>).find((e) => e.name === "WELL")?.value;
      assert.ok(new RegExp(rule.v).test(`${String(well)}.OilRate`) && !new RegExp(rule.v).test(`${String(well)}0.OilRate`), `rule ${rule.v} picks ${String(well)}`);
    });
  });

  it("deploys without an error and connects to the well pad", async () => {
    const sources = loadTemplate("anh-daily-report").filter((n) => n.type === "opcua-in" && String(n.name).startsWith("W01")).map((n) => n.id);
    await eventually(async () => sources.every((id) => /connected/.test(statuses.latest.get(id)?.text ?? "")), 30_000, "every opcua-in connected");
    assert.deepEqual(deployProblems(red, logOffset, statuses.latest), []);
  });

  it("writes the well's readings with their analytics to InfluxDB", async () => {
    const rows = await eventually(async () => {
      const found = await influx.select(`SELECT "value", "quality", "spc_violations", "asset", "site" FROM "telemetry" WHERE "tag" = 'W01.OilRate'`, "plant");
      return found.length >= 30 && found.some((r) => typeof r.spc_violations === "number") ? found : undefined;
    }, 30_000, "W01.OilRate rows, analysed by SPC once its window is full");
    assert.equal(rows[0].asset, "W01");
    assert.equal(rows[0].site, "test-site");
    assert.equal(rows[0].quality, 192, "OPC UA Good, stored as the classic quality byte");
    const measurements = (await readProbe(red.url))["fr-ui-measurement"] ?? [];
    assert.ok(measurements.some((m) => m.topic === "W01.OilRate" && typeof (m as { gap?: unknown }).gap === "object"), "analysed readings reach fr-ui-measurement");
  });

  it("raises an anomaly on a spike, an SPC rule on a drift and a gap event on a silent tag", async () => {
    // Let the detectors learn (anomaly: 100 points), then inject the three faults.
    await eventually(async () => {
      const rows = await influx.select(`SELECT count("value") FROM "telemetry" WHERE "tag" = 'W01.TubingPressure'`, "plant");
      return Number(rows[0]?.count) > 160;
    }, 90_000, "learning");
    // Event times are the simulator's source timestamps, which trail the wall clock by up to a step or so.
    const injectedAt = Date.now() - 5000;
    const after = async () => (await probeEvents(red.url)).filter((e) => e.timestamp >= injectedAt);
    await inject({ tag: "W01.CasingPressure", kind: "drift", durationS: 10, magnitude: 300 });
    await inject({ tag: "W01.Temperature", kind: "gap", durationS: 3 });
    // One alarm per event: for 50 points after an alarm the detector holds its scores down, so a spike
    // that lands in the hold-off of an earlier alarm of the same tag is swallowed. A new spike follows
    // once the hold-off is over (at most three).
    let spike: EventPayload | undefined;
    for (let attempt = 0; attempt < 3 && spike === undefined; attempt++) {
      await inject({ tag: "W01.TubingPressure", kind: "spike", durationS: 1, magnitude: 1500 });
      spike = await eventually(
        async () => (await after()).find((e) => e.event === "anomaly" && e.topic === "W01.TubingPressure" && Number(e.details?.residual) > 1000),
        (50 * STEP_MS) + 5000,
        "the spike's anomaly",
      ).catch(() => undefined);
    }
    if (spike === undefined) {
      const seen = (await after()).filter((e) => e.topic === "W01.TubingPressure").map((e) => `${e.event} ${JSON.stringify(e.details)}`);
      const top = await influx.select(`SELECT max("value"), max("anomaly_score") FROM "telemetry" WHERE "tag" = 'W01.TubingPressure' AND time >= ${injectedAt}ms`, "plant");
      const around = await influx.select(`SELECT "value", "anomaly_score" FROM "telemetry" WHERE "tag" = 'W01.TubingPressure' AND "value" > 1000`, "plant");
      const anomalies = (await probeEvents(red.url)).filter((e) => e.topic === "W01.TubingPressure" && e.event.startsWith("anomaly")).map((e) => `${e.event}@${e.timestamp - injectedAt}`);
      assert.fail(`no anomaly event for the spike (+1500 psi); spikes stored: ${JSON.stringify(around)}; anomaly events: ${anomalies.join(", ")}; max: ${JSON.stringify(top)}; ${seen.length} other events`);
    }
    // The drift ends 300 psi up over 10 s. The rolling limits (the last 60 samples here) follow a slow
    // process but not a ramp this fast: the drift's early readings leave the 4σ band, a violation event
    // is raised, and those readings carry spc_violations in InfluxDB.
    const [level] = await influx.select(`SELECT mean("value") FROM "telemetry" WHERE "tag" = 'W01.CasingPressure' AND time < ${injectedAt}ms`, "plant");
    const above = (value: unknown): boolean => Number(value) > Number(level.mean) + 10;
    const violation = await eventually(
      async () => (await after()).find((e) => e.event === "violation" && e.topic === "W01.CasingPressure" && above(e.details?.value)),
      20_000,
      "an SPC violation event for a drifted reading",
    );
    assert.equal(violation.details?.rule, "nelson-1");
    // The event comes first; the reading that raised it reaches InfluxDB with the next batch (1 s).
    await eventually(async () => {
      const flagged = await influx.select(`SELECT "value", "spc_violations" FROM "telemetry" WHERE "tag" = 'W01.CasingPressure' AND "spc_violations" > 0 AND time >= ${injectedAt}ms`, "plant");
      return flagged.some((r) => above(r.value)) ? flagged : undefined;
    }, 10_000, "a drifted reading flagged by SPC in InfluxDB");
    const gap = await eventually(
      async () => (await after()).find((e) => e.event === "gap" && e.topic === "W01.Temperature" && Number(e.details?.durationMs) >= 2000),
      20_000,
      "the gap event of the 3 s communication gap",
    );
    assert.ok(Number(gap.details?.durationMs) < 10_000, `the gap is the ~3 s of silence: ${JSON.stringify(gap)}`);
    const stored = await eventually(async () => {
      const rows = await influx.select(`SELECT * FROM "events"`, "plant");
      const kinds = new Set(rows.map((r) => `${String(r.event)} ${String(r.tag)}`));
      return kinds.has("anomaly W01.TubingPressure") && kinds.has("violation W01.CasingPressure") && kinds.has("gap W01.Temperature") ? rows : undefined;
    }, 15_000, "the events in the events measurement");
    assert.ok(stored.length >= 3);
  });

  it("builds the report of a simulated day from InfluxDB on command and uploads it exactly once", async () => {
    // One day of the well at one reading a minute, as the historian holds it (quality 192: good, the classic byte influx-write stores).
    const lines: string[] = [];
    const variables = ["OilRate", "WaterRate", "GasRate", "TubingPressure", "CasingPressure", "Temperature", "Choke"] as const;
    for (let minute = 0; minute < 1440; minute++) {
      const time = COT_MIDNIGHT + minute * 60_000;
      for (const tag of variables) lines.push(`telemetry,asset=W01,site=test-site,tag=W01.${tag} value=${DAY_VALUES[tag] + Math.sin(minute / 90)},quality=192i ${time}`);
    }
    const write = await fetch(`${influx.url}/write?db=plant&precision=ms`, { method: "POST", body: lines.join("\n") });
    assert.equal(write.status, 204);

    const command = { command: "generate", date: DAY, source: "influx", well: "W01" };
    const sent = await fetch(`${red.url}/test-probe/anh-command`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(command) });
    assert.equal(sent.status, 200);
    const remote = "anh/W01/ANH_REPORT_20261120.json";
    await eventually(async () => ftp.files().includes(remote), 30_000, `${remote} on the FTP server`);
    const report = JSON.parse(fs.readFileSync(path.join(ftp.root, remote), "utf8")) as Record<string, unknown>;
    assert.match(JSON.stringify(report), /OIL_RATE/);
    assert.match(JSON.stringify(report), /2026-11-20/);
    const delivered = await eventually(async () => {
      const reports = (await readProbe(red.url))["fr-ui-report"] ?? [];
      return reports.find((m) => (m as { delivery?: { status?: string } }).delivery?.status === "delivered");
    }, 15_000, "the delivery at fr-ui-report");
    assert.equal((delivered as { delivery: { remotePath: string } }).delivery.remotePath, `/${remote}`);
    await eventually(async () => {
      const reports = (await readProbe(red.url))["fr-ui-report"] ?? [];
      return reports.some((m) => JSON.stringify(m.payload ?? "").includes("uploaded"));
    }, 15_000, "anh-json told the report was uploaded");

    // Give a duplicate (a retry, a second rename) time to show up: there must be none.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal(ftp.counters.stored.filter((p) => p.includes("ANH_REPORT_20261120")).length, 1, `one upload: ${JSON.stringify(ftp.counters.stored)}`);
    assert.equal(ftp.counters.renamed.filter((p) => p.includes("ANH_REPORT_20261120")).length, 1, "one rename to the final name");
    assert.deepEqual(
      ftp.files().filter((f) => f.includes("ANH_REPORT")),
      [remote],
      "one report file on the server, no .part left",
    );
    assert.deepEqual(deployProblems(red, logOffset, new Map()), [], "no error logged");
  });
});
