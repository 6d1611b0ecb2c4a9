import { SEED_MAP_8 } from "../thermal/config";
import { encodeSyntheticFrame, type SyntheticFrame } from "../thermal/synthetic";
import { seededRandom } from "../common/random";
import { clamp, gaussian } from "./noise";
import type { TankLayers } from "./tank";
import { TANK_HEIGHT_M } from "./tags";

/**
 * The thermal camera on tank T1: a 640×480 8-bit grey frame of the whole tank wall (row 0 = roof,
 * row 479 = floor, 48 rows a metre), in the seed's calibration (pixel p → °C = (p − 40)·60/215). Each
 * layer's grey level is its simulated temperature (TempTop for the crude, TempMiddle the emulsion,
 * TempBottom the water; the air is cold sky reflection), kept inside the layer's band of the seed's pixel
 * ranges; the interfaces sit at the simulated levels, exact to the sub-row (a pixel row straddling an
 * interface is the area-weighted mix of its two layers). Sensor noise and the shell's cooler edges are
 * added. The frame comes as lib/thermal/synthetic.ts's SyntheticFrame, with the ground truth, and is
 * encoded by its encodeSyntheticFrame, so the tests of the segmentation and the simulator speak alike.
 */

export const FRAME_WIDTH = 640;
export const FRAME_HEIGHT = 480;
const ROWS_PER_M = FRAME_HEIGHT / TANK_HEIGHT_M;

/** °C → 8-bit pixel in the seed's calibration. */
export function pixelOf(celsius: number): number {
  return SEED_MAP_8.offset + celsius / SEED_MAP_8.scale;
}

/** Frame row (from the top, real-valued) of a height above the tank floor. */
export function rowOfHeight(metres: number): number {
  return (TANK_HEIGHT_M - metres) * ROWS_PER_M;
}

/** The frame of the tank in `layers`; the same layers and seed give the same frame. */
export function renderTankFrame(layers: TankLayers, seed: number): SyntheticFrame {
  const random = seededRandom(seed);
  // Band limits of the seed (air < 70 ≤ water < 130 ≤ emulsion < 180 ≤ crude), with a margin for the noise.
  const bands = [
    { name: "air", level: 45, top: 0 },
    { name: "crude", level: clamp(pixelOf(layers.tempTop), 188, 247), top: rowOfHeight(layers.level) },
    { name: "emulsion", level: clamp(pixelOf(layers.tempMiddle), 138, 172), top: rowOfHeight(layers.emulsionInterface) },
    { name: "water", level: clamp(pixelOf(layers.tempBottom), 78, 122), top: rowOfHeight(layers.waterInterface) },
  ];
  const profile = new Float64Array(FRAME_HEIGHT);
  for (let r = 0; r < FRAME_HEIGHT; r++) {
    // Exact area of row [r, r + 1) under each layer's step.
    let value = bands[0].level;
    for (let i = 1; i < bands.length; i++) value += (bands[i].level - bands[i - 1].level) * clamp(r + 1 - bands[i].top, 0, 1);
    profile[r] = value;
  }
  const data = new Uint8Array(FRAME_WIDTH * FRAME_HEIGHT);
  for (let y = 0; y < FRAME_HEIGHT; y++) {
    for (let x = 0; x < FRAME_WIDTH; x++) {
      const fromWall = Math.min(x, FRAME_WIDTH - 1 - x);
      const shell = fromWall < 15 ? (15 - fromWall) * 0.2 : 0;
      data[y * FRAME_WIDTH + x] = clamp(Math.round(profile[y] - shell + 2 * gaussian(random)), 0, 255);
    }
  }
  const heightOf = (row: number) => TANK_HEIGHT_M - row / ROWS_PER_M;
  return {
    // The nearest of synthetic.ts's scenarios: no reflections, ladder or walls (the noise is the camera's own).
    scenario: "clean",
    seed,
    frame: { width: FRAME_WIDTH, height: FRAME_HEIGHT, data, unit: "counts8" },
    roi: { x: 0, y: 0, width: FRAME_WIDTH, height: FRAME_HEIGHT },
    layers: bands.map((b, i) => ({ name: b.name, level: b.level, topRow: b.top, bottomRow: i + 1 < bands.length ? bands[i + 1].top : FRAME_HEIGHT })),
    interfaces: bands.slice(1).map((b, i) => ({ name: `${bands[i].name}/${b.name}`, row: b.top, levelPct: (100 * heightOf(b.top)) / TANK_HEIGHT_M })),
    encoding: "png",
  };
}

/** The frame as the camera's HTTP endpoint serves it: an 8-bit grey PNG. */
export function encodeTankFrame(frame: SyntheticFrame): Promise<Buffer> {
  return encodeSyntheticFrame(frame);
}
