import { seededRandom } from "../common/random";

/** A standard normal draw (Box–Muller) from a uniform generator. */
export function gaussian(random: () => number): number {
  const u = Math.max(1e-12, random());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * An independent generator per part of the plant (each well, the tank, the fault schedule), so adding a
 * well or a fault leaves every other series exactly as it was for the same seed.
 */
export function streamFor(seed: number, part: number): () => number {
  // Two odd multipliers spread neighbouring (seed, part) pairs far apart in mulberry32's state space.
  return seededRandom((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(part + 1, 0x85ebca6b)) >>> 0);
}

/** First-order lag: how far a value moves toward its target in `dtS` with time constant `tauS`. */
export function lagFactor(dtS: number, tauS: number): number {
  return 1 - Math.exp(-dtS / tauS);
}

export function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
