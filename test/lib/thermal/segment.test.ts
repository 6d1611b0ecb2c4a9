import assert from "node:assert/strict";
import { InputError } from "../../../lib/common/errors";
import { SEED_MAP_8, resolveThermalOptions } from "../../../lib/thermal/config";
import { decodeImage, frameFromMatrix, type ThermalFrame } from "../../../lib/thermal/frame";
import { segmentFrame } from "../../../lib/thermal/segment";
import { encodeSyntheticFrame, generateTankFrame } from "../../../lib/thermal/synthetic";
import { evaluate } from "./accuracy.test";
import { thermalFixture, thermalTruth } from "./fixtures";

function inputErrorField(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof InputError, String(err));
    return err.field;
  }
  assert.fail("expected an InputError");
}

/** A w×h 8-bit frame whose rows take the given pixel levels (top to bottom, one entry per row). */
function frameOfRows(levels: number[], width = 50): ThermalFrame {
  const data = new Uint8Array(width * levels.length);
  levels.forEach((v, r) => data.fill(v, r * width, (r + 1) * width));
  return { width, height: levels.length, data, unit: "counts8" };
}

function rows(...runs: [number, number][]): number[] {
  return runs.flatMap(([level, count]) => new Array<number>(count).fill(level));
}

describe("lib/thermal segmentFrame", () => {
  it("the committed fixture frames: right interfaces, level error ≤ 3 % (median ≤ 1 %), none on the uniform one", async () => {
    const truth = thermalTruth();
    const errors: number[] = [];
    for (const [file, t] of Object.entries(truth)) {
      const result = segmentFrame(await decodeImage(thermalFixture(file)), resolveThermalOptions({ roi: t.roi }));
      assert.deepEqual(result.interfaces.map((i) => i.name), t.interfaces.map((i) => i.name), file);
      result.interfaces.forEach((found, i) => errors.push(Math.abs(found.levelPct - t.interfaces[i].levelPct)));
      assert.equal(result.detected, t.interfaces.length > 0);
    }
    errors.sort((a, b) => a - b);
    assert.ok(errors.length >= 9);
    assert.ok(errors[errors.length - 1] <= 3, `max ${errors[errors.length - 1]}`);
    assert.ok(errors[errors.length >> 1] <= 1);
  });

  it("output shape: levelPct from the bottom of the ROI, contiguous bands, ratios summing to 1", () => {
    // ROI rows 10..109 of a 120-row frame: air 30 rows, crude 40, water 30.
    const frame = frameOfRows(rows([90, 10], [30, 30], [220, 40], [100, 30], [90, 10]));
    const result = segmentFrame(frame, resolveThermalOptions({ roi: { x: 5, y: 10, width: 40, height: 100 } }));
    assert.equal(result.profile.length, 100);
    assert.equal(result.gradient.length, 100);
    assert.deepEqual(result.interfaces.map((i) => [i.name, i.row, i.levelPct]), [["air/crude", 40, 70], ["crude/water", 80, 30]]);
    assert.ok(Math.abs(result.interfaces[0].strength - (220 - 30) * SEED_MAP_8.scale) < 1e-3);
    assert.deepEqual(result.bands.map((b) => [b.name, b.topRow, b.bottomRow, b.thicknessPct]), [["air", 10, 40, 30], ["crude", 40, 80, 40], ["water", 80, 110, 30]]);
    assert.ok(Math.abs(result.bands[1].meanTemperatureC - (220 - 40) * SEED_MAP_8.scale) < 1e-3);
    assert.deepEqual(result.ratios, { air: 0.3, water: 0.3, emulsion: 0, crude: 0.4 });
    assert.equal(result.detected, true);
    assert.ok(result.confidence > 0.8 && result.confidence <= 1, String(result.confidence));
    assert.ok(Math.abs(result.gradientMax - Math.max(...result.gradient.map(Math.abs))) < 1e-9);
  });

  it("sub-row: a boundary inside a row is found to a fraction of a row", () => {
    const levels = rows([30, 40], [220, 60]);
    levels[40] = 30 + (220 - 30) * 0.75; // 172.5, stored as 172: the interface at row ≈ 40.25 (row 40 is ¾ crude)
    const result = segmentFrame(frameOfRows(levels), resolveThermalOptions({ sigma: 0 }));
    assert.equal(result.interfaces.length, 1);
    assert.ok(Math.abs(result.interfaces[0].row - (41 - (172 - 30) / 190)) < 0.01, String(result.interfaces[0].row));
  });

  it("uniform tanks, slow ramps and steps inside one band are not interfaces", () => {
    const options = resolveThermalOptions();
    for (const levels of [rows([150, 200]), rows([128, 100], [133, 100]), Array.from({ length: 200 }, (_, r) => 110 + (40 * r) / 200), rows([190, 100], [240, 100])]) {
      const result = segmentFrame(frameOfRows(levels), options);
      assert.equal(result.detected, false);
      assert.deepEqual(result.interfaces, []);
      assert.equal(result.confidence, 0);
      assert.equal(result.bands.length, 1);
      assert.equal(result.bands[0].thicknessPct, 100);
    }
  });

  it("radiometric °C input gives the same interfaces as the counts it came from", () => {
    const levels = rows([30, 50], [210, 50], [150, 30], [100, 40]);
    const counts = segmentFrame(frameOfRows(levels), resolveThermalOptions());
    const celsius = frameFromMatrix({ data: levels.map((v) => new Array<number>(20).fill((v - 40) * (60 / 215))) }, "celsius");
    const fromCelsius = segmentFrame(celsius, resolveThermalOptions());
    assert.equal(counts.interfaces.length, 3);
    assert.deepEqual(fromCelsius.interfaces, counts.interfaces);
  });

  it("16-bit counts use map16: the same frame widened ×257 segments the same", () => {
    const levels = rows([30, 50], [210, 50], [150, 30], [100, 40]);
    const narrow = frameOfRows(levels);
    const wide: ThermalFrame = { ...narrow, data: Uint16Array.from(narrow.data, (v) => v * 257), unit: "counts16" };
    assert.deepEqual(segmentFrame(wide, resolveThermalOptions()).interfaces, segmentFrame(narrow, resolveThermalOptions()).interfaces);
  });

  it("median row statistic: no false interface where the mean sees reflections and ladders on uniform frames", async () => {
    const median = await evaluate("uniform", 12, { statistic: "median" });
    const mean = await evaluate("uniform", 12, { statistic: "mean" });
    assert.equal(median.extra, 0);
    assert.ok(mean.extra > 0, "the generator's reflections do fool the mean");
  });

  it("a wrong ROI and bad options are InputErrors naming the field", () => {
    const frame = frameOfRows(rows([100, 50]));
    assert.equal(inputErrorField(() => segmentFrame(frame, resolveThermalOptions({ roi: { x: 10, y: 0, width: 45, height: 50 } }))), "roi");
    assert.equal(inputErrorField(() => resolveThermalOptions({ roi: { x: 0, y: 0, width: 0, height: 10 } })), "roi.width");
    assert.equal(inputErrorField(() => resolveThermalOptions({ roi: "all" })), "roi");
    assert.equal(inputErrorField(() => resolveThermalOptions({ statistic: "mode" })), "statistic");
    assert.equal(inputErrorField(() => resolveThermalOptions({ sigma: -1 })), "sigma");
    assert.equal(inputErrorField(() => resolveThermalOptions({ prominence: 0 })), "prominence");
    assert.equal(inputErrorField(() => resolveThermalOptions({ minDistance: 1.5 })), "minDistance");
    assert.equal(inputErrorField(() => resolveThermalOptions({ map8: { offset: 0, scale: 0 } })), "map8.scale");
    assert.equal(inputErrorField(() => resolveThermalOptions({ bands: [{ name: "a", min: 0, max: 100 }, { name: "b", min: 90, max: 200 }] })), "bands");
    assert.equal(inputErrorField(() => resolveThermalOptions({ bands: [{ name: "a", min: 10, max: 5 }] })), "bands[0]");
  });

  it("editor strings are accepted for numbers", () => {
    const o = resolveThermalOptions({ sigma: "2.5", prominence: "4", minDistance: "8", expectedLayers: "3", roi: { x: "1", y: "2", width: "30", height: "40" } });
    assert.deepEqual([o.sigma, o.prominence, o.minDistance, o.expectedLayers, o.roi], [2.5, 4, 8, 3, { x: 1, y: 2, width: 30, height: 40 }]);
  });

  it("the generator is reproducible and its encoded frames decode to its pixels", async () => {
    const a = generateTankFrame("everything", 4);
    const b = generateTankFrame("everything", 4);
    assert.deepEqual(a.interfaces, b.interfaces);
    assert.deepEqual(Array.from(a.frame.data.subarray(0, 5000)), Array.from(b.frame.data.subarray(0, 5000)));
    const png = generateTankFrame("noise", 2);
    assert.deepEqual(Array.from((await decodeImage(await encodeSyntheticFrame(png))).data), Array.from(png.frame.data));
  });
});
