import { InputError, describeValue } from "../common/errors";

/** A rectangle of the frame in pixels; the tank interior the camera sees. */
export interface Roi {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** °C = (value − offset) · scale: the linear map of a camera's counts to temperature. */
export interface LinearMap {
  offset: number;
  scale: number;
}

/** One layer kind and the pixel range (8-bit scale of the seed) it occupies: [min, max). */
export interface BandRange {
  name: string;
  min: number;
  max: number;
}

export type ProfileStatistic = "median" | "mean";

export interface ThermalOptions {
  /** null = the whole frame */
  roi: Roi | null;
  /** 8-bit counts → °C (the seed's map by default) */
  map8: LinearMap;
  /** 16-bit counts → °C (by default the 8-bit map stretched over 0..65535) */
  map16: LinearMap;
  /** bands in 8-bit pixel units, converted to °C with map8 */
  bands: BandRange[];
  statistic: ProfileStatistic;
  /** gaussian σ (rows) of the profile smoothing, the seed's 3 */
  sigma: number;
  /** smallest temperature step (°C) between two layers that counts as an interface */
  prominence: number;
  /** rows: the thinnest layer (and so the closest two interfaces) the segmentation places */
  minDistance: number;
  /** the most layers a tank holds (air, crude, emulsion, water = 4) */
  expectedLayers: number;
}

/** The seed's map: pixel p → (p − 40)·60/215 °C. */
export const SEED_MAP_8: LinearMap = { offset: 40, scale: 60 / 215 };
/** The same temperatures for 16-bit counts (p16 = 257·p8, which is how 8-bit values widen to 16 bits). */
export const SEED_MAP_16: LinearMap = { offset: 40 * 257, scale: 60 / (215 * 257) };

/** The seed's pixel ranges, top of the tank to the bottom: vapour/air, crude, emulsion, free water. */
export const SEED_BANDS: readonly BandRange[] = Object.freeze([
  { name: "air", min: 0, max: 70 },
  { name: "water", min: 70, max: 130 },
  { name: "emulsion", min: 130, max: 180 },
  { name: "crude", min: 180, max: 256 },
]);

/** Top to bottom order in a settled tank: an inversion lowers the confidence. */
export const PHYSICAL_ORDER: readonly string[] = ["air", "crude", "emulsion", "water"];

export const DEFAULT_THERMAL_OPTIONS: Readonly<ThermalOptions> = Object.freeze({
  roi: null,
  map8: SEED_MAP_8,
  map16: SEED_MAP_16,
  bands: SEED_BANDS.map((b) => ({ ...b })),
  // Median: a reflection or the ladder covers a minority of a row's pixels, the median ignores them
  // where the mean moves (test/lib/thermal/segment.test.ts measures both on the generator).
  statistic: "median",
  sigma: 3,
  // 3 °C ≈ 11 pixel levels: above the row-statistic noise of a real camera (< 1 level after the median
  // of hundreds of pixels), below the smallest step between two adjacent seed bands' typical levels.
  prominence: 3,
  minDistance: 6,
  expectedLayers: 4,
});

function numberFrom(value: unknown): unknown {
  return typeof value === "string" && value.trim() !== "" ? Number(value) : value;
}

function finite(value: unknown, field: string): number {
  const n = numberFrom(value);
  if (typeof n !== "number" || !Number.isFinite(n)) throw new InputError(field, `expected a finite number, got ${describeValue(value)}`);
  return n;
}

function positive(value: unknown, field: string): number {
  const n = finite(value, field);
  if (n <= 0) throw new InputError(field, `expected a number > 0, got ${describeValue(value)}`);
  return n;
}

function nonNegative(value: unknown, field: string): number {
  const n = finite(value, field);
  if (n < 0) throw new InputError(field, `expected a number >= 0, got ${describeValue(value)}`);
  return n;
}

function wholeAtLeast(value: unknown, min: number, field: string): number {
  const n = finite(value, field);
  if (!Number.isInteger(n) || n < min) throw new InputError(field, `expected a whole number >= ${min}, got ${describeValue(value)}`);
  return n;
}

export function parseRoi(value: unknown, field = "roi"): Roi | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value !== "object" || Array.isArray(value)) throw new InputError(field, `expected {x, y, width, height} in pixels, got ${describeValue(value)}`);
  const r = value as Record<string, unknown>;
  return {
    x: wholeAtLeast(r.x ?? 0, 0, `${field}.x`),
    y: wholeAtLeast(r.y ?? 0, 0, `${field}.y`),
    width: wholeAtLeast(r.width, 1, `${field}.width`),
    height: wholeAtLeast(r.height, 3, `${field}.height`),
  };
}

function parseMap(value: unknown, fallback: LinearMap, field: string): LinearMap {
  if (value === undefined || value === null || value === "") return fallback;
  if (typeof value !== "object") throw new InputError(field, `expected {offset, scale} (°C = (value − offset)·scale), got ${describeValue(value)}`);
  const m = value as Record<string, unknown>;
  const scale = finite(m.scale, `${field}.scale`);
  if (scale === 0) throw new InputError(`${field}.scale`, "expected a non-zero number");
  return { offset: finite(m.offset ?? 0, `${field}.offset`), scale };
}

export function parseBands(value: unknown, field = "bands"): BandRange[] {
  if (value === undefined || value === null || value === "") return SEED_BANDS.map((b) => ({ ...b }));
  if (!Array.isArray(value) || value.length === 0) throw new InputError(field, `expected an array of {name, min, max}, got ${describeValue(value)}`);
  const bands = value.map((b, i) => {
    if (typeof b !== "object" || b === null) throw new InputError(`${field}[${i}]`, `expected {name, min, max}, got ${describeValue(b)}`);
    const o = b as Record<string, unknown>;
    if (typeof o.name !== "string" || o.name === "") throw new InputError(`${field}[${i}].name`, `expected a non-empty string, got ${describeValue(o.name)}`);
    const min = finite(o.min, `${field}[${i}].min`);
    const max = finite(o.max, `${field}[${i}].max`);
    if (max <= min) throw new InputError(`${field}[${i}]`, `expected min < max, got ${min}..${max}`);
    return { name: o.name, min, max };
  });
  const sorted = [...bands].sort((a, b) => a.min - b.min);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].min < sorted[i - 1].max) throw new InputError(field, `bands "${sorted[i - 1].name}" and "${sorted[i].name}" overlap`);
  }
  return bands;
}

/** Checks and completes user options (editor strings accepted); unknown keys are ignored. */
export function resolveThermalOptions(raw: Partial<Record<keyof ThermalOptions, unknown>> = {}): ThermalOptions {
  const d = DEFAULT_THERMAL_OPTIONS;
  const statistic = raw.statistic === undefined || raw.statistic === "" ? d.statistic : raw.statistic;
  if (statistic !== "median" && statistic !== "mean") throw new InputError("statistic", `expected "median" or "mean", got ${describeValue(statistic)}`);
  const orDefault = <K extends keyof ThermalOptions>(key: K): unknown => (raw[key] === undefined || raw[key] === "" || raw[key] === null ? d[key] : raw[key]);
  return {
    roi: parseRoi(raw.roi),
    map8: parseMap(raw.map8, d.map8, "map8"),
    map16: parseMap(raw.map16, d.map16, "map16"),
    bands: parseBands(raw.bands),
    statistic,
    sigma: nonNegative(orDefault("sigma"), "sigma"),
    prominence: positive(orDefault("prominence"), "prominence"),
    minDistance: wholeAtLeast(orDefault("minDistance"), 2, "minDistance"),
    expectedLayers: wholeAtLeast(orDefault("expectedLayers"), 1, "expectedLayers"),
  };
}
