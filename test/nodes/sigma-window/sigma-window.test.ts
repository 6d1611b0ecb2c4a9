import assert from "node:assert/strict";
import sigmaWindowNode from "../../../nodes/sigma-window/sigma-window";
import { twoPassStats, relativeError } from "../../support/reference";
import { feed, probe, testFlow, NODE_ID, type Msg } from "../../support/node-harness";
import { helper, loadWithFileContext, restartWithFileContext, unloadAll, waitFor } from "../../support/runtime";

type Sigma = { mean: number; std: number | null; populationStd: number; cv: number; min: number; max: number; n: number; state: string; limit: number | null; excluded: number; used: boolean };

const DEFAULTS = { windowType: "count", window: 5, classification: "fixed", threshold: 1, factor: 1, referenceSize: 100, hysteresis: 0, store: "" };
const flow = (config: Record<string, unknown> = {}) => testFlow("sigma-window", 2, { ...DEFAULTS, ...config });

function harness() {
  const h = probe(2);
  return { ...h, out: h.outputs[0], events: h.outputs[1] };
}

const sigmaOf = (msg: Msg): Sigma => msg.sigma as Sigma;

describe("nodes/sigma-window in a Node-RED runtime", () => {
  afterEach(async () => {
    await unloadAll();
  });

  it("adds msg.sigma with the documented shape and warms up until the window is full", async () => {
    await helper.load(sigmaWindowNode, flow());
    const h = harness();
    await feed(h, "TK-1.level", [10, 11, 12, 13]);
    assert.equal(sigmaOf(h.out[3]).state, "warming");
    await feed(h, "TK-1.level", [14]);
    const sigma = sigmaOf(h.out[4]);
    const ref = twoPassStats([10, 11, 12, 13, 14]);
    assert.deepEqual(Object.keys(sigma).sort(), ["cv", "excluded", "limit", "max", "mean", "min", "n", "populationStd", "state", "std", "used"]);
    assert.equal(sigma.n, 5);
    assert.equal(sigma.mean, 12);
    assert.ok(relativeError(sigma.std as number, ref.std) < 1e-12);
    assert.ok(relativeError(sigma.populationStd, ref.populationStd) < 1e-12);
    assert.ok(relativeError(sigma.cv, ref.std / 12) < 1e-12);
    assert.equal(sigma.min, 10);
    assert.equal(sigma.max, 14);
    assert.equal(sigma.state, "turbulent"); // σ 1.58 > threshold 1
    assert.equal(h.out[4].payload, 14, "the input message passes on");
    assert.equal(h.out[4].topic, "TK-1.level");
  });

  it("keeps an independent window per topic", async () => {
    await helper.load(sigmaWindowNode, flow());
    const h = harness();
    for (let i = 0; i < 5; i++) {
      h.input.receive({ topic: "A", payload: i });
      h.input.receive({ topic: "B", payload: 100 });
    }
    await waitFor(() => h.out.length === 10);
    const lastA = sigmaOf(h.out.filter((m) => m.topic === "A")[4]);
    const lastB = sigmaOf(h.out.filter((m) => m.topic === "B")[4]);
    assert.equal(lastA.mean, 2);
    assert.equal(lastB.mean, 100);
    assert.equal(lastB.std, 0);
    assert.equal(lastB.state, "stable");
  });

  it("emits one event when the state changes, not one per sample", async () => {
    await helper.load(sigmaWindowNode, flow());
    const h = harness();
    await feed(h, "P-7", [5, 5.1, 5, 5.1, 5, 5.1]); // stable (σ 0.05)
    await feed(h, "P-7", [9, 1, 9, 1, 9, 1, 9]); // turbulent
    await feed(h, "P-7", [5, 5, 5, 5, 5, 5]); // stable again
    await waitFor(() => h.events.length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const events = h.events.map((m) => m.payload as { event: string; severity: string; topic: string; details: { from: string; to: string } });
    assert.deepEqual(
      events.map((e) => [e.event, e.severity, e.details.from]),
      [
        ["stable", "info", "warming"],
        ["turbulent", "warning", "stable"],
        ["stable", "info", "turbulent"],
      ],
    );
    assert.ok(events.every((e) => e.topic === "P-7"));
    assert.equal(h.events[1].topic, "P-7");
  });

  it("relative mode flags σ above k × the median of its reference", async () => {
    await helper.load(sigmaWindowNode, flow({ classification: "relative", factor: 3, referenceSize: 50 }));
    const h = harness();
    const calm = Array.from({ length: 40 }, (_, i) => 20 + (i % 2) * 0.1);
    await feed(h, "F", calm);
    assert.equal(sigmaOf(h.out[h.out.length - 1]).state, "stable");
    await feed(h, "F", [25, 15]);
    assert.equal(sigmaOf(h.out[h.out.length - 1]).state, "turbulent");
  });

  it("msg.reset clears one topic, or all topics without a topic, and is not passed on", async () => {
    await helper.load(sigmaWindowNode, flow());
    const h = harness();
    await feed(h, "A", [1, 2, 3]);
    await feed(h, "B", [1, 2, 3]);
    h.input.receive({ topic: "A", reset: true });
    await feed(h, "A", [7]);
    await feed(h, "B", [4]);
    assert.equal(sigmaOf(h.out[6]).n, 1);
    assert.equal(sigmaOf(h.out[7]).n, 4);
    h.input.receive({ reset: true });
    await feed(h, "B", [9]);
    assert.equal(sigmaOf(h.out[8]).n, 1);
    assert.equal(h.out.length, 9, "reset messages are consumed");
  });

  it("leaves bad-quality readings out and counts them", async () => {
    await helper.load(sigmaWindowNode, flow());
    const h = harness();
    await feed(h, "T", [1, { value: 1000, quality: 0 }, { value: 3, quality: 192 }, { value: 5, quality: "Good" }]);
    const last = sigmaOf(h.out[3]);
    assert.equal(last.n, 3);
    assert.equal(last.mean, 3);
    assert.equal(last.excluded, 1);
    assert.equal(sigmaOf(h.out[1]).used, false);
  });

  it("counts a reading without a value but with a bad quality as excluded, not as an error", async () => {
    await helper.load(sigmaWindowNode, flow());
    const h = harness();
    await feed(h, "MB-1", [2, { value: null, quality: 0 }, { value: 4, quality: 192 }]);
    h.input.receive({ topic: "MB-1", payload: null, quality: "BadNoCommunication" });
    await waitFor(() => h.out.length === 4);
    assert.equal(h.caught.length, 0);
    assert.equal(sigmaOf(h.out[3]).excluded, 2);
    assert.equal(sigmaOf(h.out[3]).n, 2);
    h.input.receive({ topic: "MB-1", payload: null, quality: 192 });
    await waitFor(() => h.caught.length === 1);
    assert.match((h.caught[0].error as { message: string }).message, /msg\.payload: expected a finite number/);
  });

  it("sends bad input to a Catch node with the field named, and keeps working", async () => {
    await helper.load(sigmaWindowNode, flow());
    const h = harness();
    const statuses: { fill?: string; shape?: string }[] = [];
    helper.getNode(NODE_ID).on("call:status", (call: { args: [{ fill?: string; shape?: string }] }) => statuses.push(call.args[0]));
    const bad: [unknown, RegExp][] = [
      ["abc", /msg\.payload: expected a finite number or an object \{value: number, timestamp\?, quality\?\}, got string "abc"/],
      [null, /msg\.payload: .*got null/],
      [{ value: "1" }, /msg\.payload\.value: expected a finite number, got string "1"/],
      [{ value: 1, timestamp: "noon" }, /msg\.payload\.timestamp: expected epoch milliseconds or an ISO 8601 date/],
      [{ value: 1, quality: "superb" }, /msg\.payload\.quality/],
    ];
    for (const [payload] of bad) h.input.receive({ topic: "X", payload });
    await waitFor(() => h.caught.length === bad.length, 5000, "caught errors");
    bad.forEach(([, pattern], i) => {
      const error = h.caught[i].error as { message: string; source: { id: string } };
      assert.match(error.message, pattern);
      assert.equal(error.source.id, NODE_ID);
    });
    await waitFor(() => statuses.some((s) => s.fill === "red" && s.shape === "ring"), 2000, "red ring");
    await feed(h, "X", [1, 2]);
    assert.equal(sigmaOf(h.out[1]).n, 2, "the node still works and bad input did not enter the window");
  });

  it("answers a batch with rolling arrays and leaves the live window alone", async () => {
    await helper.load(sigmaWindowNode, flow({ window: 3, alignment: "centred" }));
    const h = harness();
    h.input.receive({ topic: "H", payload: [1, 2, 3, { value: 4, timestamp: 1000 }, 5] });
    await waitFor(() => h.out.length === 1);
    const batch = h.out[0].sigma as { std: (number | null)[]; mean: (number | null)[]; alignment: string; timestamps: number[] };
    assert.deepEqual(batch.mean, [null, 2, 3, 4, null]);
    assert.deepEqual(batch.std, [null, 1, 1, 1, null]);
    assert.equal(batch.alignment, "centred");
    assert.equal(batch.timestamps[3], 1000);
    await feed(h, "H", [10]);
    assert.equal(sigmaOf(h.out[1]).n, 1);
  });

  it("reports an invalid configuration on every message through Catch", async () => {
    await helper.load(sigmaWindowNode, flow({ window: 1 }));
    const h = harness();
    h.input.receive({ topic: "Z", payload: 1 });
    await waitFor(() => h.caught.length === 1);
    assert.match((h.caught[0].error as { message: string }).message, /window: a standard deviation needs a window of at least 2 samples/);
  });

  it("resumes its windows after a restart with a persistent context store", async () => {
    const persistent = flow({ store: "file", window: 6 });
    await loadWithFileContext([sigmaWindowNode], persistent);
    let h = harness();
    await feed(h, "W-1", [1, 2, 3, 4]);
    await feed(h, "W-2", [50, 50, 50, 50, 50, 50]);
    await restartWithFileContext([sigmaWindowNode], persistent);
    h = harness();
    await feed(h, "W-1", [5, 6]);
    const resumed = sigmaOf(h.out[1]);
    assert.equal(resumed.n, 6);
    assert.equal(resumed.mean, 3.5);
    assert.ok(relativeError(resumed.std as number, twoPassStats([1, 2, 3, 4, 5, 6]).std) < 1e-12);
    assert.equal(resumed.state, "turbulent");
    await feed(h, "W-2", [50]);
    assert.equal(sigmaOf(h.out[2]).state, "stable");
    assert.equal(h.events.length, 1, "W-1 changed state (warming → turbulent); W-2 stayed stable across the restart");
  });
});
