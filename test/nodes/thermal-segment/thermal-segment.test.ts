import assert from "node:assert/strict";
import sharp from "sharp";
import thermalSegmentNode from "../../../nodes/thermal-segment/thermal-segment";
import { errorMessages, probe, testFlow, type Msg } from "../../support/node-harness";
import { helper, unloadAll, waitFor } from "../../support/runtime";
import { thermalFixture, thermalTruth } from "../../lib/thermal/fixtures";

interface Thermal {
  interfaces: { name: string; row: number; levelPct: number }[];
  bands: { name: string }[];
  detected: boolean;
  confidence: number;
  profile: number[];
  overlay?: Buffer;
}

const flow = (config: Record<string, unknown> = {}) => testFlow("thermal-segment", 1, { statistic: "median", sigma: 3, prominence: 3, minDistance: 6, expectedLayers: 4, ...config });
const thermalOf = (msg: Msg) => msg.thermal as Thermal;

async function send(h: ReturnType<typeof probe>, msg: Msg): Promise<void> {
  const before = h.outputs[0].length + h.caught.length;
  h.input.receive(msg);
  await waitFor(() => h.outputs[0].length + h.caught.length > before, 10_000, "an output or a caught error");
}

describe("nodes/thermal-segment in a Node-RED runtime", () => {
  afterEach(async () => {
    await unloadAll();
  });

  it("an image Buffer in, msg.thermal out with the interfaces of the frame (ROI from the editor)", async () => {
    const truth = thermalTruth()["walls-ladder-reflections.jpg"];
    await helper.load(thermalSegmentNode, flow({ roiX: truth.roi.x, roiY: truth.roi.y, roiWidth: truth.roi.width, roiHeight: truth.roi.height }));
    const h = probe(1);
    await send(h, { topic: "TK-101", payload: thermalFixture("walls-ladder-reflections.jpg") });
    assert.deepEqual(errorMessages(h), []);
    const thermal = thermalOf(h.outputs[0][0]);
    assert.equal(h.outputs[0][0].topic, "TK-101");
    assert.deepEqual(thermal.interfaces.map((i) => i.name), truth.interfaces.map((i) => i.name));
    thermal.interfaces.forEach((found, k) => assert.ok(Math.abs(found.levelPct - truth.interfaces[k].levelPct) <= 1));
    assert.equal(thermal.profile.length, truth.roi.height);
    assert.equal(thermal.overlay, undefined);
  });

  it("overlay: a PNG of the frame size; msg.roi overrides the editor's ROI", async () => {
    await helper.load(thermalSegmentNode, flow({ overlay: true }));
    const h = probe(1);
    const truth = thermalTruth()["walls-ladder-reflections.jpg"];
    await send(h, { payload: thermalFixture("walls-ladder-reflections.jpg"), roi: truth.roi });
    const thermal = thermalOf(h.outputs[0][0]);
    assert.equal(thermal.interfaces.length, 3);
    assert.ok(Buffer.isBuffer(thermal.overlay));
    const meta = await sharp(thermal.overlay).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ["png", 640, 480]);
  });

  it("a radiometric matrix in °C and a uniform frame (no interface)", async () => {
    await helper.load(thermalSegmentNode, flow({ input: "celsius" }));
    const h = probe(1);
    const rows = (c: number, n: number) => Array.from({ length: n }, () => new Array<number>(30).fill(c));
    await send(h, { payload: { data: [...rows(2, 40), ...rows(50, 40), ...rows(15, 40)] } });
    assert.deepEqual(thermalOf(h.outputs[0][0]).interfaces.map((i) => [i.name, i.row]), [["air/crude", 40], ["crude/water", 80]]);
    await send(h, { payload: thermalFixture("uniform.jpg"), input: "counts" });
    const uniform = thermalOf(h.outputs[0][1]);
    assert.equal(uniform.detected, false);
    assert.deepEqual(uniform.interfaces, []);
  });

  it("corrupt image, wrong ROI, wrong payload: clear errors to the Catch node, and the node goes on", async () => {
    await helper.load(thermalSegmentNode, flow());
    const h = probe(1);
    await send(h, { payload: Buffer.from("definitely not a PNG") });
    await send(h, { payload: thermalFixture("clean-8bit.png"), roi: { x: 600, y: 0, width: 100, height: 100 } });
    await send(h, { payload: 42 });
    const errors = errorMessages(h);
    assert.equal(errors.length, 3);
    assert.match(errors[0], /^InputError: msg\.payload: .*could not decode/);
    assert.match(errors[1], /^InputError: msg\.roi: .*does not fit/);
    assert.match(errors[2], /^InputError: msg\.payload: expected an image Buffer/);
    await send(h, { payload: thermalFixture("clean-8bit.png") });
    assert.equal(thermalOf(h.outputs[0][0]).interfaces.length, 3);
  });

  it("a bad configuration is reported on every message", async () => {
    await helper.load(thermalSegmentNode, flow({ statistic: "mode" }));
    const h = probe(1);
    await send(h, { payload: thermalFixture("clean-8bit.png") });
    assert.match(errorMessages(h)[0], /^InputError: statistic: /);
  });
});
