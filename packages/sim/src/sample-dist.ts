/** Draws from a scenario `Dist` (lengths are rounded by the caller). */
import type { Dist } from './scenario-schema.js';
import type { SimRandom } from './sim-random.js';

export function sampleDist(d: Dist, rng: SimRandom): number {
  switch (d.dist) {
    case 'fixed':
      return d.value;
    case 'uniform':
      return rng.uniform(d.min, d.max);
    case 'exponential':
      return Math.max(d.min ?? 0, rng.exponential(d.mean));
    case 'lognormal':
      return Math.min(d.max ?? Number.POSITIVE_INFINITY, Math.max(d.min ?? 0, rng.lognormal(d.mean, d.cv)));
    case 'empirical':
      return d.values[Math.floor(rng.float() * d.values.length)]!;
  }
}

/** A token count: at least 1. */
export function sampleTokens(d: Dist, rng: SimRandom): number {
  return Math.max(1, Math.round(sampleDist(d, rng)));
}
