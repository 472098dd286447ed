/**
 * Seeded distributions over `@specmesh/core`'s `Rng` (xoshiro128**): the same seed gives the same run
 * on every machine. One `SimRandom` per independent stream (arrivals, lengths, network, acceptance), so
 * changing how often one component draws does not shift another's numbers.
 */
import { Rng } from '@specmesh/core';

export class SimRandom {
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  /** An independent stream. */
  split(): SimRandom {
    const child = Object.create(SimRandom.prototype) as SimRandom;
    (child as unknown as { rng: Rng }).rng = this.rng.split();
    return child;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.rng.float();
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.rng.float();
  }

  /** True with probability `p`. */
  bernoulli(p: number): boolean {
    return this.rng.float() < p;
  }

  /** Exponential with mean `mean`. */
  exponential(mean: number): number {
    // 1 - u lies in (0, 1], so the log is finite.
    return -mean * Math.log(1 - this.rng.float());
  }

  /** Standard normal (Box-Muller; one value per call keeps the stream simple). */
  normal(): number {
    const u = 1 - this.rng.float();
    const v = this.rng.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with the given mean and coefficient of variation (std / mean). */
  lognormal(mean: number, cv: number): number {
    if (cv <= 0) return mean;
    const sigma2 = Math.log(1 + cv * cv);
    const mu = Math.log(mean) - sigma2 / 2;
    return Math.exp(mu + Math.sqrt(sigma2) * this.normal());
  }
}
