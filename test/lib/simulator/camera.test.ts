import assert from "assert";
import { DEFAULT_THERMAL_OPTIONS } from "../../../lib/thermal/config";
import { decodeImage } from "../../../lib/thermal/frame";
import { segmentFrame } from "../../../lib/thermal/segment";
import { PlantSimulator, encodeTankFrame, renderTankFrame, rowOfHeight } from "../../../lib/simulator";

const START = Date.UTC(2026, 0, 1);

describe("simulator: thermal camera", () => {
  it("puts the interfaces the segmentation finds at the simulated levels, as they move over hours", async function () {
    this.timeout(60_000);
    const plant = new PlantSimulator({ seed: 13, startMs: START });
    const seen = new Set<number>();
    for (let hour = 0; hour <= 8; hour += 2) {
      plant.advance(START + hour * 3_600_000);
      const layers = plant.tankLayers();
      const png = await encodeTankFrame(renderTankFrame(layers, hour));
      const result = segmentFrame(await decodeImage(png), DEFAULT_THERMAL_OPTIONS);
      assert.deepStrictEqual(
        result.interfaces.map((i) => i.name),
        ["air/crude", "crude/emulsion", "emulsion/water"],
      );
      const expected = [layers.level, layers.emulsionInterface, layers.waterInterface].map(rowOfHeight);
      result.interfaces.forEach((found, i) => assert.ok(Math.abs(found.row - expected[i]) < 1.5, `${found.name}: row ${found.row}, expected ${expected[i].toFixed(2)}`));
      seen.add(Math.round(rowOfHeight(layers.level)));
    }
    assert.ok(seen.size > 2, "the crude level moved between frames");
  });

  it("gives the same frame for the same layers and seed", () => {
    const plant = new PlantSimulator({ seed: 13, startMs: START });
    const a = renderTankFrame(plant.tankLayers(), 5).frame.data;
    const b = renderTankFrame(plant.tankLayers(), 5).frame.data;
    const c = renderTankFrame(plant.tankLayers(), 6).frame.data;
    assert.deepStrictEqual(a, b);
    assert.notDeepStrictEqual(a, c);
  });
});
