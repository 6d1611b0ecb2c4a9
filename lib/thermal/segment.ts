import { InputError } from "../common/errors";
import { PHYSICAL_ORDER, type LinearMap, type Roi, type ThermalOptions } from "./config";
import type { ThermalFrame } from "./frame";
import { gaussianSmooth, gradient, rowProfile, sliceMedian } from "./profile";

export interface ThermalInterface {
  /** "upper/lower", e.g. "air/crude" */
  name: string;
  /** frame row of the boundary, sub-row (row r spans [r, r + 1)) */
  row: number;
  /** height above the bottom of the ROI in % of its height */
  levelPct: number;
  /** the temperature step across the interface, °C (always > 0) */
  strength: number;
}

export interface ThermalBand {
  name: string;
  topRow: number;
  bottomRow: number;
  thicknessPct: number;
  meanTemperatureC: number;
}

export interface ThermalResult {
  /** °C per ROI row (the row statistic, before smoothing) */
  profile: number[];
  /** °C per row of the smoothed profile (np.gradient of the gaussian-smoothed profile) */
  gradient: number[];
  interfaces: ThermalInterface[];
  bands: ThermalBand[];
  detected: boolean;
  confidence: number;
  /** max |gradient|, °C per row */
  gradientMax: number;
  /** thickness fraction (0..1) of the ROI per band name; every configured band is present */
  ratios: Record<string, number>;
  roi: Roi;
}

interface Segment {
  start: number;
  end: number;
  level: number;
  band: string;
}

/** How far (rows) a blurred interface may spread and still count as one: wider is a gradual change. */
function maxEdgeSigma(rows: number): number {
  return Math.max(6, 0.03 * rows);
}

function toCelsiusFn(frame: ThermalFrame, options: ThermalOptions): (v: number) => number {
  if (frame.unit === "celsius") return (v) => v;
  const map: LinearMap = frame.unit === "counts16" ? options.map16 : options.map8;
  return (v) => (v - map.offset) * map.scale;
}

export function resolveRoi(frame: { width: number; height: number }, roi: Roi | null, field = "roi"): Roi {
  if (roi === null) return { x: 0, y: 0, width: frame.width, height: frame.height };
  if (roi.x + roi.width > frame.width || roi.y + roi.height > frame.height) {
    throw new InputError(field, `the region x=${roi.x} y=${roi.y} ${roi.width}×${roi.height} does not fit in the ${frame.width}×${frame.height} frame`);
  }
  return roi;
}

/** Band limits in °C, from the 8-bit pixel ranges through map8. */
function bandClassifier(options: ThermalOptions): (celsius: number) => string {
  const limits = options.bands.map((b) => {
    const a = (b.min - options.map8.offset) * options.map8.scale;
    const z = (b.max - options.map8.offset) * options.map8.scale;
    return { name: b.name, lo: Math.min(a, z), hi: Math.max(a, z) };
  });
  return (t) => {
    let best = limits[0].name;
    let bestDistance = Infinity;
    for (const l of limits) {
      if (t >= l.lo && t < l.hi) return l.name;
      const d = t < l.lo ? l.lo - t : t - l.hi;
      if (d < bestDistance) {
        bestDistance = d;
        best = l.name;
      }
    }
    return best; // outside every range: the nearest band
  };
}

/**
 * Optimal least-squares segmentations of the profile into 1..maxSegments constant pieces (dynamic
 * programming, O(K·n²) with prefix sums: ~1 ms for 480 rows). Piecewise-constant fitting instead of the
 * seed's gradient peaks because it places a thin layer's two edges even when their gradient peaks merge,
 * and its boundary sits on the middle of a blurred edge. Returns, per segment count k, the start rows.
 */
function optimalSegmentations(profile: Float64Array, maxSegments: number, minLength: number): number[][] {
  const n = profile.length;
  const s1 = new Float64Array(n + 1);
  const s2 = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    s1[i + 1] = s1[i] + profile[i];
    s2[i + 1] = s2[i] + profile[i] * profile[i];
  }
  const cost = (i: number, j: number): number => {
    const s = s1[j] - s1[i];
    return s2[j] - s2[i] - (s * s) / (j - i);
  };
  const kMax = Math.max(1, Math.min(maxSegments, Math.floor(n / minLength)));
  const best: Float64Array[] = [];
  const from: Int32Array[] = [];
  best[1] = new Float64Array(n + 1).fill(Infinity);
  for (let j = minLength; j <= n; j++) best[1][j] = cost(0, j);
  const result: number[][] = [[0]];
  for (let k = 2; k <= kMax; k++) {
    best[k] = new Float64Array(n + 1).fill(Infinity);
    from[k] = new Int32Array(n + 1);
    const prev = best[k - 1];
    for (let j = k * minLength; j <= n; j++) {
      let min = Infinity;
      let arg = -1;
      const s1j = s1[j];
      const s2j = s2[j];
      // cost(i, j) inlined: this loop runs ~10^5 times a frame.
      for (let i = (k - 1) * minLength; i <= j - minLength; i++) {
        const s = s1j - s1[i];
        const c = prev[i] + s2j - s2[i] - (s * s) / (j - i);
        if (c < min) {
          min = c;
          arg = i;
        }
      }
      best[k][j] = min;
      from[k][j] = arg;
    }
  }
  for (let k = 2; k <= kMax; k++) {
    const starts: number[] = [];
    let j = n;
    for (let kk = k; kk >= 2; kk--) {
      j = from[kk][j];
      starts.unshift(j);
    }
    starts.unshift(0);
    result[k - 1] = starts;
  }
  return result;
}

function binProfile(profile: Float64Array, bin: number): Float64Array {
  if (bin === 1) return profile;
  const out = new Float64Array(Math.floor(profile.length / bin));
  for (let k = 0; k < out.length; k++) {
    let sum = 0;
    for (let i = k * bin; i < (k + 1) * bin; i++) sum += profile[i];
    out[k] = sum / bin;
  }
  return out;
}

function maxAbs(values: Float64Array, from: number, to: number): number {
  let m = 0;
  for (let i = Math.max(0, from); i < Math.min(values.length, to); i++) m = Math.max(m, Math.abs(values[i]));
  return m;
}

function minAbs(values: Float64Array, from: number, to: number): number {
  let m = Infinity;
  for (let i = Math.max(0, from); i < Math.min(values.length, to); i++) m = Math.min(m, Math.abs(values[i]));
  return m;
}

/** Rows kept away from a segment's edges when its level is measured (a blurred edge leaks into them). */
function guardRows(length: number): number {
  return Math.min(4, Math.floor(length / 4));
}

function segmentsOf(starts: number[], n: number, profile: Float64Array, classify: (t: number) => string): Segment[] {
  return starts.map((start, s) => {
    const end = s + 1 < starts.length ? starts[s + 1] : n;
    const g = guardRows(end - start);
    const level = sliceMedian(profile, start + (s > 0 ? g : 0), end - (s + 1 < starts.length ? g : 0));
    return { start, end, level, band: classify(level) };
  });
}

/**
 * Whether every boundary of a segmentation is a real interface: different bands on both sides, a step
 * of at least `prominence` °C, an edge (not a slow ramp), and every inner layer a plateau (not the
 * middle of one blurred edge cut out as a "layer").
 */
function isPlausible(segments: Segment[], fineGradient: Float64Array, prominence: number, edgeSigma: number): boolean {
  const peaks: number[] = [];
  for (let s = 1; s < segments.length; s++) {
    const above = segments[s - 1];
    const below = segments[s];
    const step = Math.abs(below.level - above.level);
    if (above.band === below.band || step < prominence) return false;
    const reach = Math.ceil(2 * edgeSigma);
    const peak = maxAbs(fineGradient, Math.max(above.start, below.start - reach), Math.min(below.end, below.start + reach));
    if (peak < step / (Math.sqrt(2 * Math.PI) * edgeSigma)) return false;
    peaks.push(peak);
  }
  for (let s = 1; s < segments.length - 1; s++) {
    const seg = segments[s];
    const g = guardRows(seg.end - seg.start);
    const dip = minAbs(fineGradient, seg.start + g, seg.end - g);
    if (dip > 0.5 * Math.min(peaks[s - 1], peaks[s])) return false;
  }
  return true;
}

/**
 * Sub-row boundary. First where the profile crosses the middle of the two levels (nearest the fitted
 * row); for a sharp edge (≤ 4 rows in transition), the position of the ideal step with the same area: each row contributes the fraction of it that still holds the upper level. The area
 * is what a camera pixel integrates, so this is exact for a sharp edge (where the mid-level crossing of
 * linearly interpolated row centres is off by up to ¼ row) and for any symmetric blur.
 */
function refineBoundary(profile: Float64Array, above: Segment, below: Segment, edgeSigma: number): number {
  const mid = (above.level + below.level) / 2;
  const reach = Math.ceil(3 * edgeSigma);
  const lo = Math.max(above.start, below.start - reach);
  const hi = Math.min(below.end - 1, below.start + reach);
  let crossing = below.start;
  let bestDistance = Infinity;
  for (let i = lo; i < hi; i++) {
    const a = profile[i] - mid;
    const b = profile[i + 1] - mid;
    if ((a <= 0 && b > 0) || (a >= 0 && b < 0)) {
      const at = i + (a === b ? 0 : a / (a - b)) + 0.5; // row centres sit at i + 0.5
      const distance = Math.abs(at - below.start);
      if (distance < bestDistance) {
        bestDistance = distance;
        crossing = at;
      }
    }
  }
  const span = below.level - above.level;
  const lowerShare = (i: number) => Math.min(1, Math.max(0, (profile[i] - above.level) / span));
  const settled = 0.05;
  let first = Math.max(lo, Math.floor(crossing - 0.5));
  let last = Math.min(hi, first + 1); // rows first..last straddle the crossing
  while (first > lo && lowerShare(first - 1) > settled) first--;
  while (last < hi && lowerShare(last + 1) < 1 - settled) last++;
  // A wide transition is a blurred edge, where the crossing is already exact by symmetry and a sum
  // over many rows would only add noise and the layers' own drift.
  if (last - first > 3) return crossing;
  first = Math.max(lo, first - 1); // one settled row each side, so a sharp edge's partial row is inside
  last = Math.min(hi, last + 1);
  let boundary = first;
  for (let i = first; i <= last; i++) boundary += 1 - lowerShare(i);
  return boundary;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * Splits the ROI of a frame into its thermal layers: row statistic (median by default) → °C profile
 * → optimal piecewise-constant fit with 1..expectedLayers layers → the richest fit whose boundaries are
 * all plausible interfaces → sub-row boundaries. A frame with no plausible interface is reported as
 * one layer with `detected: false` and no interfaces.
 */
export function segmentFrame(frame: ThermalFrame, options: ThermalOptions): ThermalResult {
  const roi = resolveRoi(frame, options.roi);
  const n = roi.height;
  const toCelsius = toCelsiusFn(frame, options);
  const raw = rowProfile(frame.data, frame.width, roi, options.statistic);
  for (let i = 0; i < n; i++) raw[i] = toCelsius(raw[i]);
  const smooth = gaussianSmooth(raw, options.sigma);
  const grad = gradient(smooth);
  let gradientMax = 0;
  for (let i = 0; i < n; i++) gradientMax = Math.max(gradientMax, Math.abs(grad[i]));
  // A light smoothing for the edge and plateau tests: σ = 3 would merge the two edges of a thin layer.
  const fineGradient = gradient(gaussianSmooth(raw, 1));
  const classify = bandClassifier(options);
  const edgeSigma = maxEdgeSigma(n);

  // The fit runs on rows binned to at most ~240 (a quarter of the cost for a 480-row ROI): it only has to
  // place each boundary within a bin, refineBoundary then finds it to a fraction of a row.
  const bin = Math.max(1, Math.ceil(n / 240));
  const binned = binProfile(raw, bin);
  const minLength = Math.max(1, Math.floor(Math.min(options.minDistance, Math.max(1, Math.floor(n / 2))) / bin));
  const candidates = optimalSegmentations(binned, options.expectedLayers, minLength).map((starts) => starts.map((start) => start * bin));
  let segments = segmentsOf(candidates[0], n, raw, classify);
  for (let k = candidates.length; k >= 2; k--) {
    const trial = segmentsOf(candidates[k - 1], n, raw, classify);
    if (isPlausible(trial, fineGradient, options.prominence, edgeSigma)) {
      segments = trial;
      break;
    }
  }

  const boundaries = [0];
  for (let s = 1; s < segments.length; s++) boundaries.push(refineBoundary(raw, segments[s - 1], segments[s], edgeSigma));
  boundaries.push(n);

  const interfaces: ThermalInterface[] = [];
  for (let s = 1; s < segments.length; s++) {
    const row = roi.y + boundaries[s];
    interfaces.push({
      name: `${segments[s - 1].band}/${segments[s].band}`,
      row: round(row, 3),
      levelPct: round((100 * (roi.y + roi.height - row)) / roi.height, 3),
      strength: round(Math.abs(segments[s].level - segments[s - 1].level), 3),
    });
  }
  const ratios: Record<string, number> = {};
  for (const band of options.bands) ratios[band.name] = 0;
  const bands: ThermalBand[] = segments.map((seg, s) => {
    const top = boundaries[s];
    const bottom = boundaries[s + 1];
    let sum = 0;
    let count = 0;
    for (let i = Math.max(0, Math.ceil(top - 0.5)); i < Math.min(n, Math.ceil(bottom - 0.5)); i++) {
      sum += raw[i];
      count++;
    }
    ratios[seg.band] += (bottom - top) / n;
    return {
      name: seg.band,
      topRow: round(roi.y + top, 3),
      bottomRow: round(roi.y + bottom, 3),
      thicknessPct: round((100 * (bottom - top)) / n, 3),
      meanTemperatureC: round(count > 0 ? sum / count : seg.level, 3),
    };
  });
  for (const key of Object.keys(ratios)) ratios[key] = round(ratios[key], 6);

  return {
    profile: Array.from(raw, (v) => round(v, 4)),
    gradient: Array.from(grad, (v) => round(v, 4)),
    interfaces,
    bands,
    detected: interfaces.length > 0,
    confidence: interfaces.length > 0 ? round(confidenceOf(raw, segments, boundaries, options.prominence), 4) : 0,
    gradientMax: round(gradientMax, 4),
    ratios,
    roi,
  };
}

/**
 * How far to trust the interfaces, 0..1: the weakest interface's step against the prominence and
 * against the profile's noise, times how much of the profile the layers explain (R²), halved when the
 * layers are out of their physical order (e.g. water above crude: a reflection or a wrong ROI).
 */
function confidenceOf(profile: Float64Array, segments: Segment[], boundaries: number[], prominence: number): number {
  const n = profile.length;
  const fitted = new Float64Array(n);
  for (let s = 0; s < segments.length; s++) {
    for (let i = Math.max(0, Math.ceil(boundaries[s] - 0.5)); i < Math.min(n, Math.ceil(boundaries[s + 1] - 0.5)); i++) fitted[i] = segments[s].level;
  }
  let mean = 0;
  for (let i = 0; i < n; i++) mean += profile[i];
  mean /= n;
  let total = 0;
  let residual = 0;
  const absResiduals: number[] = [];
  for (let i = 0; i < n; i++) {
    total += (profile[i] - mean) ** 2;
    residual += (profile[i] - fitted[i]) ** 2;
    absResiduals.push(Math.abs(profile[i] - fitted[i]));
  }
  const explained = total > 0 ? Math.max(0, 1 - residual / total) : 0;
  // Robust noise (1.4826·MAD of the residuals): the residual near blurred edges must not count as noise.
  const noise = Math.max(0.05, 1.4826 * sliceMedian(absResiduals, 0, n));
  let weakest = 1;
  for (let s = 1; s < segments.length; s++) {
    const step = Math.abs(segments[s].level - segments[s - 1].level);
    const byProminence = 1 - Math.exp(-step / prominence);
    const byNoise = 1 - Math.exp(-step / (10 * noise));
    weakest = Math.min(weakest, byProminence * byNoise);
  }
  const order = segments.map((s) => PHYSICAL_ORDER.indexOf(s.band)).filter((i) => i >= 0);
  const ordered = order.every((v, i) => i === 0 || v > order[i - 1]);
  return Math.max(0, Math.min(1, weakest * explained * (ordered ? 1 : 0.5)));
}
