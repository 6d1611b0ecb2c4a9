/**
 * flows/anomaly-service.json in Node-RED 4.1 run as a child process with the repo's settings.js, this
 * package linked into its user dir, deployed through the admin API, against Debian's InfluxDB 1.6: the
 * HTTP API stores and scores readings, lists them back from InfluxDB and runs detection on history; a
 * spike raises an anomaly event that reaches the dashboard link and the `events` measurement.
 */
import assert from "node:assert/strict";
import { seededRandom } from "../../lib/common/random";
import { InfluxDB1Server } from "../support/influx-servers";
import { deploy, start, watchStatuses, type NodeRedProcess, type StatusWatcher } from "../support/node-red-process";
import { assertTemplateShape, deployProblems, eventually, loadTemplate, plantEnvironment, probeEvents, probeTab } from "./harness";

const TAG = "W07.TubingPressure";

describe("flows/anomaly-service.json", function () {
  this.timeout(180_000);
  let influx: InfluxDB1Server;
  let red: NodeRedProcess;
  let statuses: StatusWatcher;
  let logOffset = 0;

  before(async () => {
    influx = await InfluxDB1Server.create();
    await influx.query("CREATE DATABASE plant");
    red = await start({ env: plantEnvironment({ INFLUX_URL: influx.url, INFLUX_DB: "plant" }) });
    statuses = await watchStatuses(red.url);
    logOffset = red.logs().length;
    await deploy(red.url, [...loadTemplate("anomaly-service"), ...probeTab()]);
  });

  after(async () => {
    statuses?.close();
    await red?.stop();
    await influx?.dispose();
  });

  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${red.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it("is an importable template: own tab, groups, comments, no secret, contract link ids", () => {
    assertTemplateShape("anomaly-service", loadTemplate("anomaly-service"));
  });

  it("deploys without an error", async () => {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.deepEqual(deployProblems(red, logOffset, statuses.latest), []);
    assert.match(red.logs(), /Started flows/);
  });

  it("answers bad readings 400 naming the field", async () => {
    const noValue = await post("/anomaly/readings", { tag: TAG, value: "high" });
    assert.equal(noValue.status, 400);
    assert.match(String(noValue.body.error), /^value: expected a number/);
    const noTag = await post("/anomaly/readings", [{ tag: TAG, value: 1 }, { value: 2 }]);
    assert.equal(noTag.status, 400);
    assert.match(String(noTag.body.error), /^\[1\]tag: /);
    const list = await fetch(`${red.url}/anomaly/readings`);
    assert.equal(list.status, 400);
  });

  it("scores posted readings live, raises an anomaly on a spike, stores, lists and detects on history", async () => {
    const random = seededRandom(7);
    const t0 = Date.now() - 300_000;
    const values: number[] = [];
    // 120 normal readings one second apart (the live detector learns 30), then a spike, then 5 normal.
    const SPIKE = 120;
    for (let i = 0; i < SPIKE + 6; i++) values.push(i === SPIKE ? 900 : 640 + 3 * Math.sin(i / 3) + (random() - 0.5) * 2);
    const answers: Array<Record<string, unknown>> = [];
    // The first 40 as one array (202), the rest one by one (201 with the score).
    const bulk = await post(
      "/anomaly/readings",
      values.slice(0, 40).map((value, i) => ({ tag: TAG, value, timestamp: t0 + i * 1000 })),
    );
    assert.equal(bulk.status, 202);
    assert.deepEqual(bulk.body, { accepted: 40 });
    for (let i = 40; i < values.length; i++) {
      const answer = await post("/anomaly/readings", { tag: TAG, value: values[i], timestamp: new Date(t0 + i * 1000).toISOString(), quality: 192 });
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      answers.push(answer.body);
    }
    const spike = answers[SPIKE - 40] as { value: number; anomaly: { isAnomaly: boolean; score: number; state: string } };
    assert.equal(spike.value, 900);
    assert.equal(spike.anomaly.state, "scoring");
    assert.equal(spike.anomaly.isAnomaly, true, JSON.stringify(spike));
    const before = answers[SPIKE - 1 - 40] as { anomaly: { isAnomaly: boolean } };
    assert.equal(before.anomaly.isAnomaly, false);

    const events = await eventually(async () => {
      const all = await probeEvents(red.url);
      return all.some((e) => e.event === "anomaly" && e.timestamp === t0 + SPIKE * 1000) ? all : undefined;
    }, 10_000, "the spike's anomaly event at fr-ui-event");
    const anomaly = events.find((e) => e.event === "anomaly" && e.timestamp === t0 + SPIKE * 1000);
    assert.equal(anomaly?.topic, TAG);

    const stored = await eventually(async () => {
      const rows = await influx.select(`SELECT "value", "anomaly_score", "asset", "site" FROM "telemetry" WHERE "tag" = '${TAG}'`, "plant");
      return rows.length === values.length ? rows : undefined;
    }, 15_000, "every reading in InfluxDB");
    assert.deepEqual(
      stored.map((r) => r.value),
      values,
    );
    assert.equal(stored[0].asset, "W07");
    assert.equal(stored[0].site, "test-site");
    const storedEvents = await eventually(async () => {
      const rows = await influx.select(`SELECT * FROM "events" WHERE "event" = 'anomaly'`, "plant");
      return rows.length > 0 ? rows : undefined;
    }, 15_000, "the anomaly in the events measurement");
    assert.equal(storedEvents[0].tag, TAG);

    const listed = await fetch(`${red.url}/anomaly/readings?tag=${encodeURIComponent(TAG)}&start=${t0 - 1}&end=${t0 + 200_000}&limit=50`);
    assert.equal(listed.status, 200);
    const list = (await listed.json()) as { readings: Array<{ timestamp: number; value: number; anomalyScore: number | null }> };
    assert.equal(list.readings.length, 50, "limit keeps the latest 50");
    assert.deepEqual(
      list.readings.map((r) => r.value),
      values.slice(-50),
    );
    assert.ok(list.readings.every((r, i) => i === 0 || r.timestamp > list.readings[i - 1].timestamp), "oldest first");

    const detected = await post("/anomaly/detect", { tag: TAG, start: t0 - 1, end: t0 + 200_000 });
    assert.equal(detected.status, 200, JSON.stringify(detected.body));
    const anomalies = detected.body.anomalies as Array<{ timestamp: number; value: number }>;
    assert.equal(detected.body.n, values.length);
    assert.ok(
      anomalies.some((a) => a.timestamp === t0 + SPIKE * 1000 && a.value === 900),
      `the spike is among the anomalies found on history: ${JSON.stringify(anomalies)}`,
    );
    assert.ok(anomalies.length <= 3, `few false alarms: ${anomalies.length}`);
    assert.deepEqual(deployProblems(red, logOffset, new Map()), [], "no error logged while serving");
  });
});
