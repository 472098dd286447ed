/**
 * Turning a model's next-token probabilities into the distribution that is actually sampled:
 * temperature, then top-k, then top-p (nucleus), as a sparse distribution (support + probabilities,
 * highest first). Temperature 0 means greedy: a single-token distribution on the argmax.
 *
 * The same processed distributions serve sampling and verification: rejection sampling is exact only
 * when draft and target distributions went through the same processing.
 *
 * @example
 *   processDistribution(Float32Array.of(0.5, 0.3, 0.2), { temperature: 1, topK: 2, topP: 1 })
 *   // → { tokens: [0, 1], probs: [0.625, 0.375] }
 */
import { ConfigError } from '@specmesh/protocol';
import type { Rng } from './rng.js';

export interface SamplingParams {
  /** 0 = greedy. */
  readonly temperature: number;
  /** Keep the k most likely tokens; 0 = off. */
  readonly topK: number;
  /** Keep the smallest set whose mass reaches p; 1 = off. */
  readonly topP: number;
}

/** A sparse distribution: `tokens[i]` has probability `probs[i]`, sorted by probability, summing to 1. */
export interface SparseDist {
  readonly tokens: Uint32Array;
  readonly probs: Float32Array;
}

export const GREEDY: SamplingParams = Object.freeze({ temperature: 0, topK: 0, topP: 1 });

export function validateSampling(p: SamplingParams): SamplingParams {
  if (!(p.temperature >= 0) || !Number.isFinite(p.temperature))
    throw new ConfigError(`temperature must be >= 0, got ${p.temperature}`);
  if (!Number.isInteger(p.topK) || p.topK < 0)
    throw new ConfigError(`topK must be an integer >= 0, got ${p.topK}`);
  if (!(p.topP > 0 && p.topP <= 1)) throw new ConfigError(`topP must be in (0, 1], got ${p.topP}`);
  return p;
}

/** Index of the largest probability; ties go to the lowest token id. */
export function argmax(probs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < probs.length; i++) if (probs[i]! > probs[best]!) best = i;
  return best;
}

/** Applies temperature, top-k and top-p to full-vocabulary probabilities (shape `[V]`). */
export function processDistribution(probs: Float32Array, params: SamplingParams): SparseDist {
  if (params.temperature === 0) return { tokens: Uint32Array.of(argmax(probs)), probs: Float32Array.of(1) };
  const inv = 1 / params.temperature;
  // Candidates with non-zero mass, tempered: p^(1/T) is softmax(logits / T) up to normalisation.
  const ids: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    if (p > 0) {
      ids.push(i);
      w.push(inv === 1 ? p : p ** inv);
    }
  }
  const order = ids.map((_, i) => i).sort((x, y) => w[y]! - w[x]! || ids[x]! - ids[y]!);
  let keep = params.topK > 0 ? Math.min(params.topK, order.length) : order.length;
  let total = 0;
  for (let i = 0; i < keep; i++) total += w[order[i]!]!;
  if (params.topP < 1) {
    let mass = 0;
    for (let i = 0; i < keep; i++) {
      mass += w[order[i]!]! / total;
      if (mass >= params.topP) {
        keep = i + 1;
        break;
      }
    }
    total = 0;
    for (let i = 0; i < keep; i++) total += w[order[i]!]!;
  }
  const tokens = new Uint32Array(keep);
  const out = new Float32Array(keep);
  for (let i = 0; i < keep; i++) {
    tokens[i] = ids[order[i]!]!;
    out[i] = w[order[i]!]! / total;
  }
  return { tokens, probs: out };
}

/** Probability of `token` under `dist` (0 outside the support). */
export function probOf(dist: SparseDist, token: number): number {
  for (let i = 0; i < dist.tokens.length; i++) if (dist.tokens[i] === token) return dist.probs[i]!;
  return 0;
}

/** Draws one token from a sparse distribution. */
export function sample(dist: SparseDist, rng: Rng): number {
  const u = rng.float();
  let acc = 0;
  for (let i = 0; i < dist.tokens.length; i++) {
    acc += dist.probs[i]!;
    if (u < acc) return dist.tokens[i]!;
  }
  // Rounding left a sliver of mass: the last token takes it.
  return dist.tokens[dist.tokens.length - 1]!;
}
