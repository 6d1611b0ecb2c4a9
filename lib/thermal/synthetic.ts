import sharp from "sharp";
import { seededRandom } from "../common/random";
import type { Roi } from "./config";
import type { ThermalFrame } from "./frame";

/**
 * A seeded generator of synthetic tank frames with exact ground truth, for the tests and the benchmark.
 * Each layer is a level in the seed's pixel range of its band; an interface is a (possibly blurred)
 * step at a real-valued row; each pixel row is the exact average over its height [r, r + 1), so the
 * truth is sub-row. Nuisances a real camera adds are laid on top: noise, reflections, a ladder, tank
 * walls around the ROI, JPEG compression, 16-bit counts.
 */

export const SCENARIOS = [
  "clean",
  "noise",
  "blur",
  "thin",
  "missing",
  "nearly-full",
  "nearly-empty",
  "roi-walls",
  "reflections",
  "ladder",
  "uniform",
  "jpeg",
  "png16",
  "everything",
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface TruthInterface {
  name: string;
  /** frame row, sub-row */
  row: number;
  levelPct: number;
}

export interface SyntheticFrame {
  scenario: Scenario;
  seed: number;
  frame: ThermalFrame;
  roi: Roi;
  /** layers top to bottom with their pixel level (8-bit scale) */
  layers: { name: string; level: number; topRow: number; bottomRow: number }[];
  interfaces: TruthInterface[];
  encoding: "png" | "jpeg" | "png16";
}


// Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7): ample for drawing a blurred edge.
function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return s * y;
}

/** Mean over [r, r + 1) of a unit step at `at` blurred by a gaussian of σ rows (σ = 0: the exact area). */
function rowStepFraction(r: number, at: number, sigma: number): number {
  if (sigma <= 0) return Math.min(1, Math.max(0, r + 1 - at));
  const samples = 32;
  let sum = 0;
  for (let k = 0; k < samples; k++) {
    const y = r + (k + 0.5) / samples;
    sum += 0.5 * (1 + erf((y - at) / (sigma * Math.SQRT2)));
  }
  return sum / samples;
}

const LEVELS: Record<string, [number, number]> = {
  air: [20, 55],
  crude: [195, 240],
  emulsion: [140, 170],
  water: [85, 120],
};

interface Recipe {
  width: number;
  height: number;
  roi: Roi;
  thickness: Record<string, number>;
  uniform: boolean;
  blur: number;
  noise: number;
  reflections: number;
  ladder: boolean;
  walls: boolean;
  /** pixel levels a layer may drift from its top to its bottom (real layers are not isothermal) */
  layerDrift: number;
  encoding: "png" | "jpeg" | "png16";
}

function recipeFor(scenario: Scenario, random: () => number): Recipe {
  const between = (a: number, b: number) => a + (b - a) * random();
  const all = scenario === "everything";
  const walls = scenario === "roi-walls" || all;
  const width = 640;
  const height = 480;
  const roi = walls
    ? { x: Math.round(between(50, 130)), y: Math.round(between(20, 50)), width: Math.round(between(360, 440)), height: Math.round(between(360, 400)) }
    : { x: 0, y: 0, width, height };
  const thickness: Record<string, number> = { air: between(0.1, 0.35), crude: between(0.2, 0.4), emulsion: between(0.08, 0.2), water: between(0.1, 0.3) };
  if (scenario === "thin") thickness[random() < 0.5 ? "emulsion" : "water"] = -between(0.03, 0.05);
  if (scenario === "missing") {
    const drop = Math.floor(random() * 3);
    if (drop === 0 || drop === 2) thickness.emulsion = 0;
    if (drop === 1 || drop === 2) thickness.water = 0;
  }
  if (scenario === "nearly-full") thickness.air = -between(0.03, 0.05);
  if (scenario === "nearly-empty") {
    thickness.air = -between(0.8, 0.88);
    thickness.crude = -between(0.04, 0.06);
    thickness.emulsion = 0;
    thickness.water = -between(0.03, 0.05);
  }
  return {
    width,
    height,
    roi,
    thickness,
    uniform: scenario === "uniform",
    blur: scenario === "blur" || all ? between(2, 5) : scenario === "clean" ? 0 : between(0, 1),
    noise: scenario === "noise" ? between(8, 15) : scenario === "clean" ? 0 : between(1, 4),
    // Uniform frames get the nuisances too: a hard negative must not turn a reflection into a layer.
    reflections: scenario === "reflections" || all || (scenario === "uniform" && random() < 0.5) ? 1 + Math.floor(random() * 3) : 0,
    ladder: scenario === "ladder" || all || (scenario === "uniform" && random() < 0.5),
    layerDrift: scenario === "clean" ? 0 : 5,
    walls,
    encoding: scenario === "jpeg" || (all && random() < 0.5) ? "jpeg" : scenario === "png16" ? "png16" : "png",
  };
}

/**
 * Layer thicknesses in rows: a negative fraction is fixed (the scenario's thin or near-full layer), the
 * positive ones share the rest; 0 = absent. Every present layer keeps at least 10 rows.
 */
function layerRows(thickness: Record<string, number>, rows: number): { name: string; rows: number }[] {
  const order = ["air", "crude", "emulsion", "water"];
  const fixed = order.filter((k) => thickness[k] < 0).reduce((s, k) => s - thickness[k], 0);
  const free = order.filter((k) => thickness[k] > 0).reduce((s, k) => s + thickness[k], 0);
  return order
    .filter((k) => thickness[k] !== 0)
    .map((k) => ({ name: k, rows: Math.max(10, thickness[k] < 0 ? -thickness[k] * rows : (thickness[k] / free) * (1 - fixed) * rows) }));
}

function gaussianNoise(random: () => number): number {
  const u = Math.max(1e-12, random());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** One synthetic frame of the scenario; the same (scenario, seed) always gives the same frame. */
export function generateTankFrame(scenario: Scenario, seed: number): SyntheticFrame {
  const random = seededRandom(seed * 7919 + SCENARIOS.indexOf(scenario) * 104729);
  const between = (a: number, b: number) => a + (b - a) * random();
  const recipe = recipeFor(scenario, random);
  const { width, height, roi } = recipe;

  // Layer levels and boundaries (ROI rows, real-valued).
  const layers: SyntheticFrame["layers"] = [];
  const interfaces: TruthInterface[] = [];
  if (recipe.uniform) {
    // Hard negatives: levels right next to the band limits too, where noise flips the band of a row.
    const edges = [70, 130, 180];
    const level = random() < 0.5 ? edges[Math.floor(random() * 3)] + between(-4, 4) : between(20, 245);
    layers.push({ name: "uniform", level, topRow: roi.y, bottomRow: roi.y + roi.height });
  } else {
    const parts = layerRows(recipe.thickness, roi.height);
    const scale = roi.height / parts.reduce((s, p) => s + p.rows, 0);
    let top = 0;
    for (const p of parts) {
      const [lo, hi] = LEVELS[p.name];
      const bottom = top + p.rows * scale;
      layers.push({ name: p.name, level: between(lo, hi), topRow: roi.y + top, bottomRow: roi.y + bottom });
      top = bottom;
    }
    layers[layers.length - 1].bottomRow = roi.y + roi.height;
    for (let i = 1; i < layers.length; i++) {
      const row = layers[i].topRow;
      interfaces.push({ name: `${layers[i - 1].name}/${layers[i].name}`, row, levelPct: (100 * (roi.y + roi.height - row)) / roi.height });
    }
  }

  // The clean profile per ROI row, with a gentle vertical drift on uniform frames (a hard negative).
  const drift = recipe.uniform ? between(-8, 8) : 0;
  const layerDrifts = layers.map(() => between(-recipe.layerDrift, recipe.layerDrift));
  const profile = new Float64Array(roi.height);
  for (let r = 0; r < roi.height; r++) {
    let value = layers[0].level + (drift * r) / roi.height;
    for (let i = 1; i < layers.length; i++) value += (layers[i].level - layers[i - 1].level) * rowStepFraction(roi.y + r, layers[i].topRow, recipe.blur);
    // The layer's own slow drift, centred on its level so the truth levels stay what they are.
    const y = roi.y + r + 0.5;
    const layer = layers.find((l) => y >= l.topRow && y < l.bottomRow) ?? layers[layers.length - 1];
    value += layerDrifts[layers.indexOf(layer)] * ((y - layer.topRow) / Math.max(1, layer.bottomRow - layer.topRow) - 0.5);
    profile[r] = value;
  }

  const pixels = new Float64Array(width * height);
  const background = between(60, 100);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = x >= roi.x && x < roi.x + roi.width && y >= roi.y && y < roi.y + roi.height;
      let v: number;
      if (inside) {
        // The shell cools the liquid near the walls a little.
        const fromWall = Math.min(x - roi.x, roi.x + roi.width - 1 - x);
        v = profile[y - roi.y] - (fromWall < 15 ? (15 - fromWall) * 0.2 : 0);
      } else {
        const nearWall = recipe.walls && (Math.abs(x - roi.x) < 14 || Math.abs(x - (roi.x + roi.width)) < 14 || Math.abs(y - roi.y) < 10 || Math.abs(y - (roi.y + roi.height)) < 10);
        v = nearWall ? 225 : background;
      }
      pixels[y * width + x] = v;
    }
  }
  for (let s = 0; s < recipe.reflections; s++) {
    const cx = roi.x + between(0, roi.width);
    const cy = roi.y + between(0, roi.height);
    // Sun or flare reflections: up to a third of a row wide, saturating the sensor.
    const rx = between(15, 110);
    const ry = between(8, 40);
    const hot = between(80, 220);
    for (let y = Math.max(roi.y, Math.floor(cy - ry)); y < Math.min(roi.y + roi.height, Math.ceil(cy + ry)); y++) {
      for (let x = Math.max(roi.x, Math.floor(cx - rx)); x < Math.min(roi.x + roi.width, Math.ceil(cx + rx)); x++) {
        const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
        if (d < 1) pixels[y * width + x] += hot * (1 - d);
      }
    }
  }
  if (recipe.ladder) {
    const x0 = roi.x + Math.round(between(0.1, 0.85) * roi.width);
    const w = Math.round(between(12, 40));
    const metal = random() < 0.5 ? between(215, 250) : between(25, 45);
    for (let y = roi.y; y < roi.y + roi.height; y++) {
      const rung = (y - roi.y) % 30 < 5; // rungs: horizontal bars wider than the stripe
      for (let x = x0; x < Math.min(roi.x + roi.width, x0 + (rung ? w * 3 : w)); x++) pixels[y * width + x] = metal;
    }
  }

  const wide = recipe.encoding === "png16";
  const data = wide ? new Uint16Array(width * height) : new Uint8Array(width * height);
  const top = wide ? 65535 : 255;
  for (let i = 0; i < pixels.length; i++) {
    const v = (pixels[i] + recipe.noise * gaussianNoise(random)) * (wide ? 257 : 1);
    data[i] = Math.max(0, Math.min(top, Math.round(v)));
  }
  return { scenario, seed, frame: { width, height, data, unit: wide ? "counts16" : "counts8" }, roi, layers, interfaces, encoding: recipe.encoding };
}

/** The frame as the camera would send it: PNG (8 or 16 bit) or JPEG (quality 85). */
export async function encodeSyntheticFrame(synthetic: SyntheticFrame): Promise<Buffer> {
  const { frame } = synthetic;
  const raw = { width: frame.width, height: frame.height, channels: 1 as const };
  if (synthetic.encoding === "png16") return sharp(frame.data as Uint16Array, { raw }).toColourspace("grey16").png().toBuffer();
  // b-w: without it sharp writes a single-channel raw input as RGB.
  const image = sharp(frame.data as Uint8Array, { raw }).toColourspace("b-w");
  return synthetic.encoding === "jpeg" ? image.jpeg({ quality: 85 }).toBuffer() : image.png().toBuffer();
}
