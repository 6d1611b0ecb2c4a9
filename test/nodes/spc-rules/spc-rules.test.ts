import assert from "node:assert/strict";
import spcRulesNode from "../../../nodes/spc-rules/spc-rules";
import { errorMessages, feed, probe, testFlow, type Msg } from "../../support/node-harness";
import { helper, loadWithFileContext, restartWithFileContext, unloadAll, waitFor } from "../../support/runtime";

interface Spc {
  value: number;
  center: number | null;
  sigma: number | null;
  ucl: number | null;
  lcl: number | null;
  zone: string | null;
  violations: string[];
  state: string;
  n: number;
}
interface SpcEvent {
  event: string;
  severity: string;
  topic: string;
  details: { rule?: string; cleared?: string[] };
}

const DEFAULTS = { limits: "baseline", center: "", sigma: "", baselineSize: 5, window: 20, sigmaMethod: "moving-range", sigmaMultiplier: 3, rules: ["nelson-1", "nelson-2"], severities: {}, store: "" };
const flow = (config: Record<string, unknown> = {}) => testFlow("spc-rules", 2, { ...DEFAULTS, ...config });

function harness() {
  const h = probe(2);
  return { ...h, out: h.outputs[0], events: h.outputs[1] };
}
type Harness = ReturnType<typeof harness>;

const spcOf = (msg: Msg): Spc => msg.spc as Spc;
const eventsOf = (h: Harness): SpcEvent[] => h.events.map((m) => m.payload as SpcEvent);
// A baseline whose I-MR limits are easy to check: mean 10, moving ranges all 1 → σ = 1/1.128.
const BASELINE = [10, 11, 10, 9, 10];
const SIGMA = 1 / 1.128;

describe("nodes/spc-rules in a Node-RED runtime", () => {
  afterEach(async () => {
    await unloadAll();
  });

  it("learns a baseline, freezes it, and charts later points against it", async () => {
    await helper.load(spcRulesNode, flow());
    const h = harness();
    await feed(h, "PT-1", BASELINE);
    assert.equal(spcOf(h.out[0]).state, "learning");
    assert.equal(spcOf(h.out[0]).center, null);
    await feed(h, "PT-1", [10.5, 30, 10]);
    const [inside, beyond, back] = h.out.slice(5).map(spcOf);
    assert.equal(inside.center, 10);
    assert.ok(Math.abs((inside.sigma as number) - SIGMA) < 1e-12);
    assert.ok(Math.abs((inside.ucl as number) - (10 + 3 * SIGMA)) < 1e-12);
    assert.deepEqual([inside.zone, inside.state, inside.violations], ["upper-c", "in-control", []]);
    assert.deepEqual([beyond.zone, beyond.state, beyond.violations], ["above-ucl", "out-of-control", ["nelson-1"]]);
    assert.equal(back.center, 10, "limits stay frozen after an outlier");
    assert.equal(h.out[6].payload, 30, "the input message passes on");
  });

  it("raises each rule once while it keeps flagging, and clears when back in control", async () => {
    await helper.load(spcRulesNode, flow());
    const h = harness();
    await feed(h, "T", BASELINE);
    await feed(h, "T", Array.from({ length: 12 }, () => 10.5)); // nelson-2 from the 9th point on, 4 points
    await feed(h, "T", [9.5]);
    await waitFor(() => h.events.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const events = eventsOf(h);
    assert.deepEqual(
      events.map((e) => [e.event, e.severity, e.details.rule ?? e.details.cleared?.join()]),
      [
        ["violation", "warning", "nelson-2"],
        ["in-control", "info", "nelson-2"],
      ],
    );
    assert.deepEqual(
      h.out.slice(5).map((m) => spcOf(m).violations.length),
      [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0],
    );
  });

  it("keeps a chart per topic, and relearns one topic on command", async () => {
    await helper.load(spcRulesNode, flow());
    const h = harness();
    await feed(h, "A", BASELINE);
    await feed(h, "B", [100, 101, 100, 99, 100]);
    await feed(h, "A", [10]);
    await feed(h, "B", [100]);
    assert.equal(spcOf(h.out[10]).center, 10);
    assert.equal(spcOf(h.out[11]).center, 100);
    h.input.receive({ topic: "A", command: "relearn" });
    await feed(h, "A", [50]);
    await feed(h, "B", [100]);
    assert.equal(spcOf(h.out[12]).state, "learning");
    assert.equal(spcOf(h.out[13]).state, "in-control");
  });

  it("uses fixed limits and the configured severities", async () => {
    await helper.load(spcRulesNode, flow({ limits: "fixed", center: 0, sigma: 2, rules: ["nelson-1"], severities: { "nelson-1": "warning" } }));
    const h = harness();
    await feed(h, "F", [5.9, 6, 6.1]);
    assert.deepEqual(
      h.out.map((m) => spcOf(m).violations),
      [[], [], ["nelson-1"]],
      "6 = 3σ is on the limit, not beyond it",
    );
    await waitFor(() => h.events.length === 1);
    assert.equal(eventsOf(h)[0].severity, "warning");
  });

  it("answers a batch exactly as streaming the same values", async () => {
    await helper.load(spcRulesNode, flow({ rules: ["nelson-1", "nelson-2", "nelson-3"] }));
    const h = harness();
    const values = [...BASELINE, 10.2, 10.4, 10.6, 10.8, 11, 11.2, 14, 9, 10];
    h.input.receive({ topic: "H", payload: values });
    await waitFor(() => h.out.length === 1);
    const batch = h.out[0].spc as { center: number; points: Spc[] };
    await feed(h, "S", values);
    assert.deepEqual(
      batch.points,
      h.out.slice(1).map(spcOf),
    );
    assert.equal(batch.center, 10);
  });

  it("reports bad input and bad configuration through Catch, and keeps working", async () => {
    await helper.load(spcRulesNode, flow());
    const h = harness();
    h.input.receive({ topic: "X", payload: "hot" });
    h.input.receive({ topic: "X", payload: { value: NaN } });
    h.input.receive({ topic: "X", command: "explode" });
    await waitFor(() => h.caught.length === 3);
    const messages = errorMessages(h);
    assert.match(messages[0], /msg\.payload: expected a finite number or an object/);
    assert.match(messages[1], /msg\.payload\.value: expected a finite number, got NaN/);
    assert.match(messages[2], /msg\.command: expected "relearn"/);
    await feed(h, "X", [1]);
    assert.equal(spcOf(h.out[0]).n, 1);
    await unloadAll();

    for (const [config, pattern] of [
      [{ limits: "fixed", center: 1, sigma: "" }, /sigma: fixed limits need a sigma/],
      [{ limits: "fixed", center: 1, sigma: 0 }, /sigma: fixed limits need a sigma > 0, got 0/],
      [{ limits: "fixed", center: "", sigma: 1 }, /center/],
      [{ rules: ["nelson-9"] }, /rules/],
    ] as const) {
      await helper.load(spcRulesNode, flow(config));
      const bad = harness();
      bad.input.receive({ topic: "Y", payload: 1 });
      await waitFor(() => bad.caught.length === 1, 5000, `error for ${JSON.stringify(config)}`);
      assert.match((bad.caught[0].error as { message: string }).message, pattern);
      await unloadAll();
    }
  });

  it("resumes a frozen baseline after a restart with a persistent context store", async () => {
    const persistent = flow({ store: "file" });
    await loadWithFileContext([spcRulesNode], persistent);
    let h = harness();
    await feed(h, "P", [...BASELINE, 30]);
    await restartWithFileContext([spcRulesNode], persistent);
    h = harness();
    await feed(h, "P", [30, 10]);
    const [still, back] = h.out.map(spcOf);
    assert.equal(still.center, 10, "no new baseline after the restart");
    assert.deepEqual(still.violations, ["nelson-1"]);
    assert.equal(back.state, "in-control");
    await waitFor(() => h.events.length === 1);
    assert.equal(eventsOf(h)[0].event, "in-control", "nelson-1 was already raised before the restart");
  });
});
