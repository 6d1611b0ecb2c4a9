/**
 * flows/data-gap-monitor.json in Node-RED 4.1 run as a child process (repo settings.js, this package
 * linked), deployed through the admin API, with a real OPC UA well, Debian's InfluxDB 1.6 and a source
 * history service (a local HTTP server answering GET ?tag=&start=&end= as SOURCE_HISTORY_URL says):
 * the historian scan finds a hole in InfluxDB, the missing readings are re-read from the source and
 * written back; a tag that goes silent raises a stale alarm, then recovered and a gap event, and its gap
 * is backfilled too.
 *
 * Plant time is compressed: the well changes every 100 ms and the stale timeout is 3 s instead of 60 s.
 */
import assert from "node:assert/strict";
import http from "http";
import type { AddressInfo } from "net";
import { InfluxDB1Server } from "../support/influx-servers";
import { deploy, start, watchStatuses, type NodeRedProcess, type StatusWatcher } from "../support/node-red-process";
import { TestOpcuaServer, WELL_TAGS } from "../support/opcua-server";
import { assertTemplateShape, deployProblems, eventually, loadTemplate, patchNode, plantEnvironment, pointAtTestWell, probeEvents, probeTab, readProbe } from "./harness";

const TICK_MS = 100;
const HISTORY_STEP_MS = 10_000;

/** The source's history: a reading every 10 s of any tag, value = seconds of the day, quality Good. */
function sourceValue(timestamp: number): number {
  return (timestamp % 86_400_000) / 1000;
}

describe("flows/data-gap-monitor.json", function () {
  this.timeout(240_000);
  let influx: InfluxDB1Server;
  let opcua: TestOpcuaServer;
  let history: http.Server;
  const historyRequests: Array<{ tag: string; start: number; end: number }> = [];
  let red: NodeRedProcess;
  let statuses: StatusWatcher;
  let logOffset = 0;
  let ticker: NodeJS.Timeout | null = null;
  let silent = false;
  // The historian's hole: 10 min of W01.GasRate missing 1 h ago.
  const now = Math.floor(Date.now() / HISTORY_STEP_MS) * HISTORY_STEP_MS;
  const holeStart = now - 3_600_000;
  const holeEnd = holeStart + 600_000;

  before(async () => {
    history = http.createServer((req, res) => {
      const query = new URL(req.url ?? "/", "http://source").searchParams;
      const request = { tag: String(query.get("tag")), start: Number(query.get("start")), end: Number(query.get("end")) };
      historyRequests.push(request);
      const rows = [];
      for (let t = Math.ceil(request.start / HISTORY_STEP_MS) * HISTORY_STEP_MS; t <= request.end; t += HISTORY_STEP_MS) rows.push({ timestamp: t, value: sourceValue(t), quality: 192 });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(rows));
    });
    await new Promise<void>((resolve) => history.listen(0, "127.0.0.1", resolve));
    [influx, opcua] = await Promise.all([InfluxDB1Server.create(), TestOpcuaServer.start()]);
    await influx.query("CREATE DATABASE plant");
    // Two hours of W01.GasRate every 10 s, with the hole.
    const lines: string[] = [];
    for (let t = now - 7_200_000; t < now; t += HISTORY_STEP_MS) {
      if (t > holeStart && t < holeEnd) continue;
      lines.push(`telemetry,asset=W01,site=test-site,tag=W01.GasRate value=${sourceValue(t)},quality=192i ${t}`);
    }
    const write = await fetch(`${influx.url}/write?db=plant&precision=ms`, { method: "POST", body: lines.join("\n") });
    assert.equal(write.status, 204);
    let n = 0;
    ticker = setInterval(() => {
      n++;
      for (const [tag, base] of Object.entries(WELL_TAGS)) if (!(silent && tag === "Choke")) opcua.set(tag, base + (n % 10) / 100);
    }, TICK_MS);
    red = await start({
      env: plantEnvironment({
        OPCUA_ENDPOINT: opcua.endpointUrl,
        INFLUX_URL: influx.url,
        INFLUX_DB: "plant",
        SOURCE_HISTORY_URL: `http://127.0.0.1:${(history.address() as AddressInfo).port}/history`,
      }),
    });
    statuses = await watchStatuses(red.url);
    const template = pointAtTestWell(loadTemplate("data-gap-monitor"), Object.keys(WELL_TAGS), TICK_MS);
    patchNode(template, "gap-detector", "live gaps, stale 60 s", { staleSeconds: 3 });
    logOffset = red.logs().length;
    await deploy(red.url, [...template, ...probeTab()]);
  });

  after(async () => {
    if (ticker) clearInterval(ticker);
    statuses?.close();
    await red?.stop();
    await Promise.all([influx?.dispose(), opcua?.dispose(), new Promise((resolve) => history?.close(resolve))]);
  });

  it("is an importable template: own tab, groups, comments, no secret, contract link ids", () => {
    assertTemplateShape("data-gap-monitor", loadTemplate("data-gap-monitor"));
  });

  it("deploys without an error", async () => {
    await eventually(async () => [...statuses.latest.values()].some((s) => /connected/.test(s.text ?? "")), 20_000, "opcua-in connected");
    assert.deepEqual(deployProblems(red, logOffset, statuses.latest), []);
  });

  it("finds the hole in the historian and fills it from the source", async () => {
    // The scan runs 20 s after the deploy.
    const filled = await eventually(async () => {
      const rows = await influx.select(`SELECT "value", "asset" FROM "telemetry" WHERE "tag" = 'W01.GasRate' AND time > ${holeStart}ms AND time < ${holeEnd}ms`, "plant");
      return rows.length === (holeEnd - holeStart) / HISTORY_STEP_MS - 1 ? rows : undefined;
    }, 60_000, "the hole backfilled in InfluxDB");
    assert.deepEqual(
      filled.map((r) => r.value),
      filled.map((r) => sourceValue(Number(r.time))),
      "the source's readings, at their own times",
    );
    assert.equal(filled[0].asset, "W01");
    const request = historyRequests.find((r) => r.tag === "W01.GasRate" && r.end <= now);
    assert.deepEqual(request, { tag: "W01.GasRate", start: holeStart, end: holeEnd }, "the source is asked for exactly the missing stretch");
    const quality = (await readProbe(red.url))["fr-ui-quality"] ?? [];
    assert.ok(
      quality.some((m) => (m.payload as { event?: string; received?: number }).event === "backfilled" && (m.payload as { received: number }).received === 59),
      "the backfill summary reaches fr-ui-quality",
    );
  });

  it("raises stale when a tag goes silent, then recovered and a gap event, and backfills the gap", async () => {
    silent = true;
    await eventually(async () => (await probeEvents(red.url)).some((e) => e.event === "stale" && e.topic === "W01.Choke"), 20_000, "the stale alarm of W01.Choke");
    silent = false;
    const events = await eventually(async () => {
      const all = await probeEvents(red.url);
      return all.some((e) => e.event === "recovered" && e.topic === "W01.Choke") && all.some((e) => e.event === "gap" && e.topic === "W01.Choke" && Number(e.details?.durationMs) >= 3000) ? all : undefined;
    }, 20_000, "recovered and the gap event");
    assert.ok(events.find((e) => e.event === "stale")?.severity);
    await eventually(async () => historyRequests.some((r) => r.tag === "W01.Choke" && r.end - r.start >= 3000), 20_000, "the live gap re-read from the source");
    const stored = await eventually(async () => {
      const rows = await influx.select(`SELECT * FROM "events" WHERE "tag" = 'W01.Choke'`, "plant");
      return rows.some((r) => r.event === "stale") ? rows : undefined;
    }, 15_000, "the stale event in the events measurement");
    assert.ok(stored.length >= 1);
    assert.deepEqual(deployProblems(red, logOffset, new Map()), [], "no error logged");
  });
});
