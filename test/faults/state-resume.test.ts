/**
 * Fault: Node-RED killed with SIGKILL, then started again on the same user dir. The analytic nodes keep
 * their state in the persistent context store "file" (settings.js: localfilesystem, flushed every
 * NODE_RED_CONTEXT_FLUSH_SECONDS), anh-json keeps its readings in its day journal (write() before the
 * message is acknowledged), and the outboxes are fsynced files (their resumption after a kill is proven
 * by influx-outage.test.ts and ftp-outage.test.ts).
 *
 * Measured here: after the restart each node continues from its saved state (SPC limits equal to those
 * learned before the kill, the anomaly model present and unchanged, the sigma window continuing), and
 * how much state the kill lost: the samples the sigma window did not remember, as a count and as the
 * span of time before the kill they cover. The bound is the store's flush interval plus the nodes' own
 * save batching (TopicStates: at most one save per second).
 */
import assert from "node:assert/strict";
import fs from "fs";
import path from "path";
import { DateTime } from "luxon";
import { seededRandom } from "../../lib/common/random";
import type { FlowNode } from "../support/node-red-process";
import { SHARED_FLUSH_SECONDS, anhJsonNode, eventually, feed, feedEndpoint, probeEvents, probeList, probeTab, recorder, sharedNodeRed, sleep, type CrashableNodeRed } from "./support";

const Z = "fault-state-tab";
const FLUSH_SECONDS = SHARED_FLUSH_SECONDS;
/** TopicStates saves a changed topic at most once per this long (nodes/shared/topic-state.ts) */
const SAVE_BATCH_MS = 1000;
const SAMPLE_EVERY_MS = 50;
const DAY = "2026-11-20";
const ANH_ID = "fault-state-anh";

const FAN_OUT = `// One sample for each analytic node.
const s = msg.payload;
return [
  { topic: "PT-101", payload: { value: s.value, timestamp: s.timestamp, quality: 192 } },
  { topic: "PT-101", payload: { value: s.value, timestamp: s.timestamp, quality: 192 } },
  { topic: "WELL-7A", payload: { rate: s.rate, pressure: s.pressure, timestamp: s.timestamp } },
];`;
const SPLIT = `// Streamed readings, one message each, as an OPC UA subscription delivers them.
for (const r of msg.payload) node.send({ topic: r.topic, payload: { value: r.value, timestamp: r.timestamp, quality: 192 } });
return null;`;

function flow(): FlowNode[] {
  return [
    { id: Z, type: "tab", label: "state resume", disabled: false, info: "" },
    { id: "fault-state-fan", type: "function", z: Z, name: "fan out", func: FAN_OUT, outputs: 3, wires: [["fault-state-sigma"], ["fault-state-spc"], ["fault-state-anomaly"]] },
    // A count window longer than the run: its n counts every sample it remembers.
    { id: "fault-state-sigma", type: "sigma-window", z: Z, name: "", windowType: "count", window: 100000, windowSeconds: 60, alignment: "trailing", classification: "fixed", threshold: 100, factor: 1, referenceSize: 100, hysteresis: 0, store: "file", wires: [["fault-state-sigma-out"], []] },
    { id: "fault-state-spc", type: "spc-rules", z: Z, name: "", limits: "baseline", center: "", sigma: "", baselineSize: 20, window: 20, sigmaMethod: "moving-range", sigmaMultiplier: 3, rules: ["nelson-1"], severities: {}, store: "file", wires: [["fault-state-spc-out"], []] },
    {
      id: "fault-state-anomaly",
      type: "anomaly-detect",
      z: Z,
      name: "",
      method: "isolation-forest",
      threshold: "",
      criticalThreshold: "",
      window: "",
      learningPoints: "",
      features: "rate, pressure",
      trainSize: 40,
      retrainEvery: 0,
      trees: 30,
      sampleSize: 32,
      seed: 7,
      contamination: 0.01,
      impute: "error",
      store: "file",
      wires: [["fault-state-anomaly-out"], []],
    },
    recorder("fault-state-sigma-out", Z, "sigma"),
    recorder("fault-state-spc-out", Z, "spc"),
    recorder("fault-state-anomaly-out", Z, "anomaly"),
    ...feedEndpoint("samples", Z, "fault-state-fan"),
    { id: "fault-state-split", type: "function", z: Z, name: "split", func: SPLIT, outputs: 1, wires: [[ANH_ID]] },
    anhJsonNode({ id: ANH_ID, z: Z, wires: [["fault-state-report"], ["fault-state-anh-events"]] }),
    recorder("fault-state-report", Z, "report"),
    recorder("fault-state-anh-events", Z, "anhEvents"),
    ...feedEndpoint("readings", Z, "fault-state-split"),
    ...feedEndpoint("anh-command", Z, ANH_ID),
    ...probeTab(),
  ];
}

interface Sample {
  value: number;
  rate: number;
  pressure: number;
  timestamp: number;
}

function samples(count: number): Sample[] {
  const random = seededRandom(99);
  const start = Date.UTC(2026, 10, 20, 12, 0, 0);
  return Array.from({ length: count }, (_, i) => ({
    value: Math.round((50 + random() * 2) * 1000) / 1000,
    rate: 800 + random() * 20,
    pressure: 640 + random() * 10,
    timestamp: start + i * 1000,
  }));
}

/** One day of 5-minute readings of oil_rate (288), split at `half`. */
function dayReadings(): Array<{ topic: string; value: number; timestamp: number }> {
  const midnight = DateTime.fromISO(DAY, { zone: "America/Bogota" }).toMillis();
  return Array.from({ length: 288 }, (_, i) => ({ topic: "oil_rate", value: 800 + (i % 13), timestamp: midnight + i * 300_000 }));
}

const last = <T>(list: T[]): T => list[list.length - 1];

describe("fault: Node-RED SIGKILL, state resumed from disk", function () {
  this.timeout(120_000);
  let red: CrashableNodeRed;

  before(async () => {
    red = await sharedNodeRed();
    await red.deploy(flow());
  });

  it("resumes sigma windows, SPC limits, anomaly models and the report journal; loses at most the last flush interval of context state", async () => {
    const stream = samples(400);
    const readings = dayReadings();
    const journal = path.join(red.userDir, "anh-json", ANH_ID, `readings-${DAY}.jsonl`);
    const journalLines = (): number => (fs.existsSync(journal) ? fs.readFileSync(journal, "utf8").split("\n").filter((line) => line.trim() !== "").length : 0);

    // The first half of the day's readings, streamed; all journaled (write() before each acknowledgement).
    await feed(red.url, "readings", readings.slice(0, 144));
    await eventually(() => journalLines() === 144, 10_000, "144 readings journaled");

    // A steady stream at 20 Hz for 3 flush intervals, then the kill at a seeded moment of the last one.
    const killAfter = Math.round(((3 * FLUSH_SECONDS * 1000) / SAMPLE_EVERY_MS) * (0.85 + 0.15 * seededRandom(5)()));
    const fedAt: number[] = [];
    for (let i = 0; i < killAfter; i++) {
      await feed(red.url, "samples", stream[i]);
      fedAt.push(Date.now());
      await sleep(SAMPLE_EVERY_MS);
    }
    const spcBefore = last(await probeList(red.url, "spc")).spc as { center: number; ucl: number; lcl: number; sigma: number; state: string };
    const anomalyBefore = last(await probeList(red.url, "anomaly")).anomaly as { state: string; modelVersion: number; score: number };
    const sigmaBefore = last(await probeList(red.url, "sigma")).sigma as { n: number };
    assert.equal(sigmaBefore.n, killAfter, "the window held every sample before the kill");
    assert.equal(anomalyBefore.state, "scoring", "the anomaly model was trained before the kill");
    assert.notEqual(spcBefore.center, null, "the SPC limits were learned before the kill");
    const killedAt = Date.now();
    await red.crash();

    await red.start();
    // The same probe sample after the restart: the anomaly model must score it as before, without learning.
    await feed(red.url, "samples", stream[killAfter - 1]);
    const sigmaAfter = await eventually(async () => (await probeList(red.url, "sigma"))[0]?.sigma as { n: number } | undefined, 10_000, "the sigma window's answer");
    const spcAfter = (await probeList(red.url, "spc"))[0].spc as { center: number; ucl: number; lcl: number; sigma: number; state: string };
    const anomalyAfter = (await probeList(red.url, "anomaly"))[0].anomaly as { state: string; modelVersion: number; score: number };

    assert.deepEqual([spcAfter.center, spcAfter.sigma, spcAfter.ucl, spcAfter.lcl], [spcBefore.center, spcBefore.sigma, spcBefore.ucl, spcBefore.lcl], "SPC limits as learned before the kill");
    assert.notEqual(spcAfter.state, "learning", "no new baseline");
    assert.equal(anomalyAfter.state, "scoring", "the anomaly model is there: no relearning");
    assert.equal(anomalyAfter.modelVersion, anomalyBefore.modelVersion, "the same model");
    assert.equal(anomalyAfter.score, anomalyBefore.score, "the same score for the same sample");

    // The sigma window continues from its last flushed state: what it forgot is what the kill lost.
    const remembered = sigmaAfter.n - 1;
    assert.ok(remembered > 0, `the window continued (remembers ${remembered} samples)`);
    const lostSamples = killAfter - remembered;
    const lostMs = lostSamples === 0 ? 0 : killedAt - fedAt[remembered];
    const boundMs = FLUSH_SECONDS * 1000 + SAVE_BATCH_MS;
    // (+750 ms: the flush timer of a loaded runtime fires late; measured worst so far 2963 ms)
    assert.ok(lostMs <= boundMs + 750, `lost ${lostSamples} samples = the last ${lostMs} ms before the kill; bound ${boundMs} ms (+750 ms of timer lag)`);

    // The journal kept every reading of the first half; the second half completes the day.
    assert.equal(journalLines(), 144, "the journal holds the 144 readings taken before the kill");
    await feed(red.url, "readings", readings.slice(144));
    await eventually(() => journalLines() === 288, 10_000, "288 readings journaled");
    await feed(red.url, "anh-command", {}, { command: "generate", date: DAY });
    const report = await eventually(async () => (await probeList(red.url, "report"))[0], 10_000, "the day's report");
    const slots = (report.payload as { variables: Array<{ slots: Array<{ value: unknown }> }> }).variables[0].slots;
    assert.equal(slots.length, 144, "144 slots of 10 minutes");
    assert.equal(slots.filter((slot) => slot.value === null || slot.value === undefined).length, 0, "no slot missing: the readings before the kill are in the report");
    const trail = (await probeEvents(red.url, "anhEvents")).filter((e) => e.event === "status").map((e) => String(e.details?.status));
    console.log(
      `      state resume: flush ${FLUSH_SECONDS} s; kill after ${killAfter} samples at 20 Hz; sigma window remembered ${remembered}, lost ${lostSamples} samples = the last ${lostMs} ms (bound ${boundMs} ms); ` +
        `SPC center ${spcAfter.center} / UCL ${spcAfter.ucl} kept; anomaly model v${anomalyAfter.modelVersion} kept (score ${anomalyAfter.score}); ` +
        `journal 144/144 readings kept, report ${trail.join(" → ")}; restart ${last(red.startMs)} ms`,
    );
  });
});
