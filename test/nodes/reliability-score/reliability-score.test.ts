import assert from "node:assert/strict";
import fs from "fs";
import path from "path";
import reliabilityScoreNode from "../../../nodes/reliability-score/reliability-score";
import { errorMessages, probe, testFlow, type Msg } from "../../support/node-harness";
import { helper, loadWithFileContext, restartWithFileContext, unloadAll, waitFor } from "../../support/runtime";
import { seededRandom } from "../../support/reference";
import { repoRoot } from "../../lib/thermal/fixtures";

interface Reliability {
  score: number;
  band: string;
  components: Record<string, { score: number | null }>;
  reasons: string[];
  learned: boolean;
}

const flow = (config: Record<string, unknown> = {}) => testFlow("reliability-score", 1, { wConfidence: 0.3, wGradientMax: 0.25, wEmulsion: 0.2, wWater: 0.15, wCrude: 0.1, minSamples: 5, alpha: 0.1, store: "", ...config });

/** A thermal result around fixed centres (± the jitter of `random`; no jitter: exactly the centres). */
function thermal(random: () => number, emulsion = 0.12): Msg {
  return { detected: true, confidence: 0.9, gradientMax: 8 + random() - 0.5, ratios: { air: 0.3, crude: 0.35 + 0.02 * (random() - 0.5), emulsion: emulsion + 0.02 * (random() - 0.5), water: 0.2 + 0.02 * (random() - 0.5) } };
}

async function send(h: ReturnType<typeof probe>, msg: Msg): Promise<void> {
  const before = h.outputs[0].length + h.caught.length;
  h.input.receive(msg);
  await waitFor(() => h.outputs[0].length + h.caught.length > before, 5000, "an output or a caught error");
}

const last = (h: ReturnType<typeof probe>) => h.outputs[0][h.outputs[0].length - 1];

describe("nodes/reliability-score in a Node-RED runtime", () => {
  afterEach(async () => {
    await unloadAll();
  });

  it("learns from stable records, then scores: near the reference high, far emulsion + turbulent flow low with reasons", async () => {
    await helper.load(reliabilityScoreNode, flow());
    const h = probe(1);
    const random = seededRandom(9);
    for (let i = 0; i < 20; i++) await send(h, { topic: "TK-1", thermal: thermal(random), operational: { flow: 100 + 10 * (random() - 0.5) }, stable: true });
    assert.equal((last(h).reliability as Reliability).learned, true);
    await send(h, { topic: "TK-1", thermal: thermal(() => 0.5), operational: { flow: 100 } });
    const good = last(h).reliability as Reliability;
    assert.equal(good.band, "high", JSON.stringify(good));
    assert.equal(good.learned, false);
    await send(h, { topic: "TK-1", thermal: thermal(random, 0.3), operational: { flow: 160 } });
    const bad = last(h).reliability as Reliability;
    assert.equal(bad.band, "low");
    assert.ok(bad.reasons.some((r) => r.startsWith("emulsion ratio")));
    assert.ok(bad.reasons.some((r) => r.startsWith("flow")));
    // Another topic (tank) has no reference yet.
    await send(h, { topic: "TK-2", thermal: thermal(random) });
    assert.equal((last(h).reliability as Reliability).components.emulsion.score, null);
  });

  it("profiles persist across a restart and export / import between topics", async () => {
    const config = flow({ store: "file" });
    await loadWithFileContext([reliabilityScoreNode], config);
    let h = probe(1);
    const random = seededRandom(4);
    for (let i = 0; i < 8; i++) await send(h, { topic: "TK-1", thermal: thermal(random), stable: true });
    await restartWithFileContext([reliabilityScoreNode], config);
    h = probe(1);
    await send(h, { topic: "TK-1", export: true });
    const exported = last(h).payload as { features: Record<string, { n: number }> };
    assert.equal(exported.features.emulsion.n, 8);
    h.input.receive({ topic: "TK-9", reference: exported });
    await send(h, { topic: "TK-9", thermal: thermal(random) });
    assert.notEqual((last(h).reliability as Reliability).components.emulsion.score, null);
  });

  it("hypothesis analysis: an array of records → msg.analysis matching the scipy fixture", async () => {
    const fixture = JSON.parse(fs.readFileSync(path.join(repoRoot(), "test", "fixtures", "reliability", "scipy-hypothesis.json"), "utf8"));
    await helper.load(reliabilityScoreNode, flow());
    const h = probe(1);
    await send(h, { payload: fixture.cases[1].records });
    const analysis = last(h).analysis as { correlations: { variable: string; pearson: { r: number; p: number } }[]; anova: { F: number } };
    const flowStd = analysis.correlations.find((c) => c.variable === "flowStd")!;
    assert.ok(Math.abs(flowStd.pearson.r - fixture.cases[1].expected.flowStd.pearson.r) < 1e-9);
    assert.ok(Math.abs(analysis.anova.F / fixture.cases[1].anova.F - 1) < 1e-9);
  });

  it("errors: weights not summing to 1, fewer than 10 records, a missing msg.thermal", async () => {
    await helper.load(reliabilityScoreNode, flow({ wConfidence: 0.5 }));
    let h = probe(1);
    await send(h, { thermal: thermal(seededRandom(1)) });
    assert.match(errorMessages(h)[0], /^InputError: weights: the weights must sum to 1/);
    await unloadAll();
    await helper.load(reliabilityScoreNode, flow());
    h = probe(1);
    await send(h, { payload: [{ confidence: 1 }, { confidence: 0.5 }] });
    await send(h, { payload: "frame" });
    await send(h, { thermal: { detected: "yes" } });
    const errors = errorMessages(h);
    assert.match(errors[0], /^InputError: msg\.payload: the hypothesis analysis needs at least 10 records, got 2/);
    assert.match(errors[1], /^InputError: msg\.thermal: expected thermal-segment's msg\.thermal/);
    assert.match(errors[2], /^InputError: msg\.thermal: expected thermal-segment's result/);
  });
});
