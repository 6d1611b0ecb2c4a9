/**
 * One-dimensional building blocks of the thermal segmentation, written to match the seed's numpy/scipy
 * calls exactly (gaussian_filter1d with mode "reflect" and truncate 4, np.gradient) so the profile and
 * gradient we publish are the ones the seed's reports showed. Hand-written because no installed library
 * has them and the loops are short.
 */

/** scipy's "reflect" boundary: (d c b a | a b c d | d c b a), for any distance outside. */
function reflectIndex(i: number, n: number): number {
  const period = 2 * n;
  let k = i % period;
  if (k < 0) k += period;
  return k < n ? k : period - 1 - k;
}

/** scipy.ndimage.gaussian_filter1d(values, sigma, mode="reflect", truncate=4.0). σ = 0 copies. */
export function gaussianSmooth(values: ArrayLike<number>, sigma: number): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  if (sigma <= 0 || n === 0) {
    for (let i = 0; i < n; i++) out[i] = values[i];
    return out;
  }
  const radius = Math.floor(4 * sigma + 0.5);
  const weights = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) {
    const w = Math.exp((-0.5 * k * k) / (sigma * sigma));
    weights[k + radius] = w;
    sum += w;
  }
  for (let k = 0; k < weights.length; k++) weights[k] /= sum;
  for (let i = 0; i < n; i++) {
    let acc = 0;
    if (i - radius >= 0 && i + radius < n) {
      for (let k = -radius; k <= radius; k++) acc += weights[k + radius] * values[i + k];
    } else {
      for (let k = -radius; k <= radius; k++) acc += weights[k + radius] * values[reflectIndex(i + k, n)];
    }
    out[i] = acc;
  }
  return out;
}

/** np.gradient: central differences inside, one-sided at the two ends. */
export function gradient(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  if (n < 2) return out;
  out[0] = values[1] - values[0];
  out[n - 1] = values[n - 1] - values[n - 2];
  for (let i = 1; i < n - 1; i++) out[i] = (values[i + 1] - values[i - 1]) / 2;
  return out;
}

/** The k-th smallest of values[0..n) (0-based), rearranging them: Hoare's selection, O(n) on average. */
function select(values: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const pivot = values[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k];
  }
  return values[k];
}

/**
 * The median of values[0..n) (numpy's: the mean of the two middle values when n is even). Rearranges them.
 * Hand-written instead of simple-statistics' median because that one copies and sorts each row.
 */
export function medianInPlace(values: Float64Array, n: number): number {
  const upper = select(values, n, n >> 1);
  if (n % 2 === 1) return upper;
  let lowerMax = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (values[i] > lowerMax) lowerMax = values[i];
  return (lowerMax + upper) / 2;
}

export interface Window {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Per row of the window: the median or the mean of its pixels, in the frame's own units. */
export function rowProfile(data: ArrayLike<number>, frameWidth: number, roi: Window, statistic: "median" | "mean"): Float64Array {
  if (statistic === "median" && data instanceof Uint8Array) return rowMedians8(data, frameWidth, roi);
  const profile = new Float64Array(roi.height);
  const row = new Float64Array(roi.width);
  for (let r = 0; r < roi.height; r++) {
    const start = (roi.y + r) * frameWidth + roi.x;
    if (statistic === "mean") {
      let sum = 0;
      for (let c = 0; c < roi.width; c++) sum += data[start + c];
      profile[r] = sum / roi.width;
    } else {
      for (let c = 0; c < roi.width; c++) row[c] = data[start + c];
      profile[r] = medianInPlace(row, roi.width);
    }
  }
  return profile;
}

/**
 * Row medians of 8-bit data by counting (256 bins): ~10× faster than selection on a 640-pixel row, and
 * the same value as numpy's median (the mean of the two middle values for an even count).
 */
function rowMedians8(data: Uint8Array, frameWidth: number, roi: Window): Float64Array {
  const profile = new Float64Array(roi.height);
  const counts = new Int32Array(256);
  const n = roi.width;
  const lowerRank = (n - 1) >> 1; // 0-based ranks of the middle value(s)
  const upperRank = n >> 1;
  for (let r = 0; r < roi.height; r++) {
    counts.fill(0);
    const start = (roi.y + r) * frameWidth + roi.x;
    for (let c = 0; c < n; c++) counts[data[start + c]]++;
    let seen = 0;
    let lower = -1;
    let v = 0;
    for (; v < 256; v++) {
      seen += counts[v];
      if (lower < 0 && seen > lowerRank) lower = v;
      if (seen > upperRank) break;
    }
    profile[r] = (lower + v) / 2;
  }
  return profile;
}

/** The median of a slice, leaving the input untouched. */
export function sliceMedian(values: ArrayLike<number>, from: number, to: number): number {
  const n = Math.max(0, to - from);
  if (n === 0) return NaN;
  const copy = new Float64Array(n);
  for (let i = 0; i < n; i++) copy[i] = values[from + i];
  return medianInPlace(copy, n);
}
