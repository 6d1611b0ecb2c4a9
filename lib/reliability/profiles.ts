import { InputError, describeValue } from "../common/errors";

/** Running mean and variance of one feature over the records marked stable (Welford's update). */
export interface FeatureProfile {
  n: number;
  mean: number;
  /** sum of squared deviations from the mean */
  m2: number;
}

export interface ReferenceProfilesJSON {
  version: 1;
  features: Record<string, FeatureProfile>;
}

export interface Closeness {
  z: number;
  /** 100·exp(−|z|/2) */
  score: number;
  mean: number;
  std: number;
}

/**
 * What "stable" looks like for each feature (thermal figures and operational variables), learned from
 * the records marked stable, so a new measurement can be scored by how far it lies from it. Welford's
 * update (not simple-statistics' batch functions) because records arrive one at a time and only the
 * three running figures are kept and persisted.
 */
export class ReferenceProfiles {
  private features = new Map<string, FeatureProfile>();

  /** minSamples: records a feature needs before it is scored (fewer give a meaningless σ). */
  constructor(readonly minSamples = 5) {}

  learn(values: Record<string, number>): void {
    for (const [name, x] of Object.entries(values)) {
      if (!Number.isFinite(x)) continue;
      const p = this.features.get(name) ?? { n: 0, mean: 0, m2: 0 };
      p.n++;
      const delta = x - p.mean;
      p.mean += delta / p.n;
      p.m2 += delta * (x - p.mean);
      this.features.set(name, p);
    }
  }

  /** Replaces every profile with those of `other` (an import keeps the same holder object). */
  replaceWith(other: ReferenceProfiles): void {
    this.features = new Map(Object.entries(other.toJSON().features));
  }

  count(name: string): number {
    return this.features.get(name)?.n ?? 0;
  }

  /** null while the feature has fewer than minSamples stable records or no spread at all. */
  closeness(name: string, x: number): Closeness | null {
    const p = this.features.get(name);
    if (!p || p.n < this.minSamples || !Number.isFinite(x)) return null;
    const std = Math.sqrt(p.m2 / (p.n - 1));
    if (!(std > 0)) return null;
    const z = (x - p.mean) / std;
    return { z, score: 100 * Math.exp(-Math.abs(z) / 2), mean: p.mean, std };
  }

  names(): string[] {
    return [...this.features.keys()];
  }

  toJSON(): ReferenceProfilesJSON {
    const features: Record<string, FeatureProfile> = {};
    for (const [name, p] of this.features) features[name] = { ...p };
    return { version: 1, features };
  }

  /** Imports exported profiles; throws an InputError naming `field` when they are malformed. */
  static fromJSON(json: unknown, minSamples = 5, field = "reference"): ReferenceProfiles {
    const profiles = new ReferenceProfiles(minSamples);
    const features = (json as ReferenceProfilesJSON | null)?.features;
    if (typeof json !== "object" || json === null || typeof features !== "object" || features === null) {
      throw new InputError(field, `expected exported reference profiles {version: 1, features: {name: {n, mean, m2}}}, got ${describeValue(json)}`);
    }
    for (const [name, p] of Object.entries(features)) {
      const ok = p && Number.isInteger(p.n) && p.n >= 0 && Number.isFinite(p.mean) && Number.isFinite(p.m2) && p.m2 >= 0;
      if (!ok) throw new InputError(`${field}.features.${name}`, `expected {n, mean, m2} with n a whole number >= 0 and m2 >= 0, got ${describeValue(p)}`);
      profiles.features.set(name, { n: p.n, mean: p.mean, m2: p.m2 });
    }
    return profiles;
  }
}
