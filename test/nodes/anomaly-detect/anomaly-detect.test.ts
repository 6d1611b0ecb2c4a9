import assert from "node:assert/strict";
import anomalyDetectNode from "../../../nodes/anomaly-detect/anomaly-detect";
import { errorMessages, feed, probe, testFlow, type Msg } from "../../support/node-harness";
import { seededRandom } from "../../support/reference";
import { helper, loadWithFileContext, restartWithFileContext, unloadAll, waitFor } from "../../support/runtime";

interface Anomaly {
  score: number | null;
  isAnomaly: boolean;
  severity: string;
  state: string;
  expected?: number | null;
  contributions?: Record<string, number> | null;
  modelVersion?: number | null;
}
interface AnomalyEvent {
  event: string;
  severity: string;
  topic: string;
  details: Record<string, unknown>;
}

const STREAMING = { method: "streaming", threshold: "", criticalThreshold: "", window: "", learningPoints: "", store: "" };
const FOREST = { method: "isolation-forest", features: "rate, pressure", trainSize: 200, retrainEvery: 0, trees: 50, sampleSize: 64, seed: 7, contamination: 0.01, impute: "error", store: "" };
const flow = (config: Record<string, unknown>) => testFlow("anomaly-detect", 2, config);

function harness() {
  const h = probe(2);
  return { ...h, out: h.outputs[0], events: h.outputs[1] };
}

const anomalyOf = (msg: Msg): Anomaly => msg.anomaly as Anomaly;
const eventsOf = (events: Msg[]): AnomalyEvent[] => events.map((m) => m.payload as AnomalyEvent);
const T0 = Date.UTC(2026, 10, 23);

/** A periodic series with a faster ripple (its whole range is seen while learning) and one spike at `spikeAt`. */
function series(length: number, spikeAt: number): { value: number; timestamp: number }[] {
  return Array.from({ length }, (_, i) => ({ value: 50 + Math.sin(i / 8) * 2 + 0.5 * Math.sin(i * 1.7) + (i === spikeAt ? 40 : 0), timestamp: T0 + i * 60_000 }));
}

/** Rows of two correlated features, and one far outlier. */
function rows(count: number, seed: number): { rate: number; pressure: number }[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const rate = 100 + (random() - 0.5) * 10;
    return { rate, pressure: 2 * rate + (random() - 0.5) * 4 };
  });
}

describe("nodes/anomaly-detect in a Node-RED runtime", () => {
  afterEach(async () => {
    await unloadAll();
  });

  describe("streaming method", () => {
    it("learns, then scores; a spike raises one event and its end clears it", async () => {
      await helper.load(anomalyDetectNode, flow(STREAMING));
      const h = harness();
      const data = series(600, 450);
      await feed(h, "FT-1", data);
      const results = h.out.map(anomalyOf);
      assert.equal(results[10].state, "learning");
      assert.equal(results[350].state, "scoring");
      assert.equal(results[450].isAnomaly, true, `spike score ${results[450].score}`);
      assert.equal(results[450].severity, "critical", "a value beyond everything seen scores 1");
      const quiet = results.slice(300, 445);
      assert.ok(quiet.every((r) => !r.isAnomaly), `quiet stretch flagged: ${quiet.filter((r) => r.isAnomaly).length}`);
      await waitFor(() => h.events.length >= 2);
      const events = eventsOf(h.events);
      assert.equal(events[0].event, "anomaly");
      assert.equal(events[events.length - 1].event, "anomaly-cleared");
      assert.ok(events.filter((e) => e.event === "anomaly").length <= 2, "raised once (possibly escalated), not per sample");
      assert.equal(typeof results[200].expected, "number");
    });

    it("keeps one detector per topic and rejects bad values through Catch", async () => {
      await helper.load(anomalyDetectNode, flow(STREAMING));
      const h = harness();
      await feed(h, "A", series(320, -1));
      await feed(h, "B", [{ value: 5, timestamp: T0 }]);
      assert.equal(anomalyOf(h.out[319]).state, "scoring");
      assert.equal(anomalyOf(h.out[320]).state, "learning", "B starts learning on its own");
      h.input.receive({ topic: "A", payload: "high" });
      h.input.receive({ topic: "A", payload: { value: 1, timestamp: T0 - 1 } });
      await waitFor(() => h.caught.length === 2);
      assert.match(errorMessages(h)[0], /msg\.payload: expected a finite number/);
      assert.match(errorMessages(h)[1], /timestamp: .* is earlier than the previous point/);
    });
  });

  describe("isolation-forest method", () => {
    it("learns on trainSize rows, then scores; an outlier is flagged with its contributions, once", async () => {
      await helper.load(anomalyDetectNode, flow(FOREST));
      const h = harness();
      await feed(h, "WELL-7", rows(200, 3));
      assert.equal(anomalyOf(h.out[0]).state, "learning");
      await feed(h, "WELL-7", [...rows(20, 4), { rate: 130, pressure: 150 }, { rate: 131, pressure: 149 }, ...rows(5, 5)]);
      const scored = h.out.slice(200).map(anomalyOf);
      assert.ok(scored.every((a) => a.state === "scoring" && a.modelVersion === 1));
      const outlier = scored[20];
      assert.ok(outlier.isAnomaly, `outlier score ${outlier.score}`);
      assert.ok(["warning", "critical"].includes(outlier.severity));
      const contributions = outlier.contributions as Record<string, number>;
      assert.ok(Math.abs(contributions.rate + contributions.pressure - 1) < 1e-9);
      const normalScores = scored.slice(0, 20).map((a) => a.score as number);
      assert.ok(Math.max(...normalScores) < (outlier.score as number));
      await waitFor(() => h.events.length >= 1);
      await new Promise((resolve) => setTimeout(resolve, 30));
      const raised = eventsOf(h.events).filter((e) => e.event === "anomaly");
      assert.equal(raised.length, 1, "two outliers in a row raise one event");
    });

    it("trains on a batch, and moves the model to another node by export / import", async () => {
      await helper.load(anomalyDetectNode, flow(FOREST));
      const h = harness();
      const batch = [...rows(300, 6), { rate: 100, pressure: 150 }];
      h.input.receive({ topic: "W", payload: batch });
      await waitFor(() => h.out.length === 1);
      const result = h.out[0].anomaly as { scores: number[]; isAnomaly: boolean[]; modelVersion: number };
      assert.equal(result.scores.length, 301);
      assert.equal(result.isAnomaly[300], true);
      assert.equal(result.modelVersion, 1);
      h.input.receive({ topic: "W", command: "export" });
      await waitFor(() => h.out.length === 2);
      const model = h.out[1].payload as { featureNames: string[]; version: number };
      assert.deepEqual(model.featureNames, ["rate", "pressure"]);
      await unloadAll();

      await helper.load(anomalyDetectNode, flow({ ...FOREST, seed: 99 }));
      const other = harness();
      other.input.receive({ topic: "W", command: "import", payload: model });
      await feed(other, "W", [{ rate: 100, pressure: 150 }]);
      const imported = anomalyOf(other.out[0]);
      assert.equal(imported.state, "scoring", "scores at once with the imported model");
      assert.equal(imported.score, result.scores[300], "the same model gives the same score");
    });

    it("names a missing feature, or imputes the last value when configured", async () => {
      await helper.load(anomalyDetectNode, flow(FOREST));
      const h = harness();
      h.input.receive({ topic: "X", payload: { rate: 1 } });
      h.input.receive({ topic: "X", payload: [1, 2, 3] });
      await waitFor(() => h.caught.length === 2);
      assert.match(errorMessages(h)[0], /msg\.payload\.pressure: expected a finite number for feature "pressure"/);
      assert.match(errorMessages(h)[1], /msg\.payload: expected 2 numbers \(rate, pressure\), got 3/);
      await unloadAll();

      await helper.load(anomalyDetectNode, flow({ ...FOREST, impute: "last" }));
      const imputing = harness();
      await feed(imputing, "X", [{ rate: 1, pressure: 2 }, { rate: 3 }]);
      assert.equal(imputing.caught.length, 0);
      assert.equal(imputing.out.length, 2);
    });

    it("keeps its model across a restart with a persistent context store", async () => {
      const persistent = flow({ ...FOREST, store: "file", trainSize: 100 });
      await loadWithFileContext([anomalyDetectNode], persistent);
      let h = harness();
      await feed(h, "P", rows(100, 8));
      await feed(h, "P", [{ rate: 100, pressure: 150 }]);
      const before = anomalyOf(h.out[100]);
      await restartWithFileContext([anomalyDetectNode], persistent);
      h = harness();
      await feed(h, "P", [{ rate: 100, pressure: 150 }]);
      const after = anomalyOf(h.out[0]);
      assert.equal(after.state, "scoring");
      assert.equal(after.modelVersion, before.modelVersion);
      assert.equal(after.score, before.score);
    });
  });

  it("scores a slow climb to new extremes as routine when new extremes are turned off, and names a bad margin", async () => {
    // A level that keeps climbing slowly: every value is a new extreme, none is a surprise to the forecast.
    const climb = Array.from({ length: 600 }, (_, i) => 100 + i * 0.05 + Math.sin(i / 3) * 0.2);
    const alarmsWith = async (newExtremeMargin: number | string): Promise<number> => {
      await helper.load(anomalyDetectNode, flow({ ...STREAMING, learningPoints: 100, newExtremeMargin }));
      const h = harness();
      await feed(h, "FT-1", climb);
      const alarms = h.out.map(anomalyOf).filter((r) => r.isAnomaly).length;
      await unloadAll();
      return alarms;
    };
    assert.ok((await alarmsWith("")) > 0, "the default margin (NAB's) scores a new extreme 1");
    assert.equal(await alarmsWith(0), 0, "margin 0: only forecast residuals score");
    await helper.load(anomalyDetectNode, flow({ ...STREAMING, newExtremeMargin: -1 }));
    const h = harness();
    h.input.receive({ topic: "Z", payload: 1 });
    await waitFor(() => h.caught.length === 1);
    assert.match(errorMessages(h)[0], /newExtremeMargin: expected a fraction of the seen range >= 0/);
  });

  it("rejects an invalid configuration on every message", async () => {
    await helper.load(anomalyDetectNode, flow({ ...FOREST, features: "" }));
    const h = harness();
    h.input.receive({ topic: "Z", payload: { rate: 1 } });
    await waitFor(() => h.caught.length === 1);
    assert.match(errorMessages(h)[0], /features: expected a non-empty list of feature names/);
  });
});
