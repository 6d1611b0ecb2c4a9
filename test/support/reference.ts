/** Two-pass reference statistics, written plainly so the tests check the fast cores against them. */
export function twoPassStats(values: readonly number[]): { mean: number; std: number; populationStd: number; min: number; max: number } {
  const n = values.length;
  let sum = 0;
  for (const x of values) sum += x;
  const mean = sum / n;
  let ss = 0;
  for (const x of values) ss += (x - mean) * (x - mean);
  return {
    mean,
    std: n > 1 ? Math.sqrt(ss / (n - 1)) : NaN,
    populationStd: Math.sqrt(ss / n),
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

/** The generator the cores use (mulberry32), so tests are reproducible. */
export { seededRandom } from "../../lib/common/random";

export function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}
