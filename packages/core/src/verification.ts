/**
 * Verification of a draft block against the target: the acceptance rule of speculative decoding.
 *
 * Vocabulary (used everywhere in specmesh):
 * - **drafts** `d_0 … d_{k-1}`: tokens proposed by the drafter after a prefix;
 * - **accepted**: how many drafts, from the first, the target keeps (0 … k);
 * - **corrected** token: when draft `d_a` is rejected, the target's replacement at position `a`;
 * - **bonus** token: when all k drafts are accepted, the target's own next token at position k.
 * Every verification yields `accepted` drafts plus exactly one corrected or bonus token.
 *
 * Greedy: a draft is accepted iff it equals the target's argmax at its position.
 * Sampling (Leviathan et al. / Chen et al.): draft `x` with draft probability `q(x)` and target
 * probability `p(x)` is accepted with probability `min(1, p(x) / q(x))`; on rejection the corrected
 * token is drawn from `norm(max(0, p - q))`; the bonus token is drawn from `p`. The output then has
 * exactly the target's distribution. `p` and `q` are the processed (temperature / top-k / top-p)
 * distributions, sparse: `q` outside its support is 0, which the residual accounts for exactly.
 *
 * @example
 *   verifyGreedy([5, 7, 9], [5, 7, 2, 4]) // → { accepted: 2, token: 2, bonus: false }
 *   verifyGreedy([5, 7], [5, 7, 4])       // → { accepted: 2, token: 4, bonus: true }
 */
import type { Rng } from './rng.js';
import { probOf, type SparseDist, sample } from './sampling.js';

export interface VerifyOutcome {
  /** Drafts accepted, from the first. */
  readonly accepted: number;
  /** The corrected token at position `accepted` (bonus false) or the bonus token (bonus true). */
  readonly token: number;
  readonly bonus: boolean;
}

/**
 * @param drafts shape `[k]`
 * @param targetArgmax shape `[k + 1]`: the target's argmax after the prefix and after each draft
 */
export function verifyGreedy(drafts: ArrayLike<number>, targetArgmax: ArrayLike<number>): VerifyOutcome {
  const k = drafts.length;
  for (let i = 0; i < k; i++) {
    if (drafts[i] !== targetArgmax[i]) return { accepted: i, token: targetArgmax[i]!, bonus: false };
  }
  return { accepted: k, token: targetArgmax[k]!, bonus: true };
}

/**
 * @param drafts shape `[k]`
 * @param draftDists shape `[k]`: the drafter's processed distribution at each draft position
 * @param targetDists shape `[k + 1]`: the target's processed distribution at each position
 */
export function verifyRejection(
  drafts: ArrayLike<number>,
  draftDists: readonly SparseDist[],
  targetDists: readonly SparseDist[],
  rng: Rng,
): VerifyOutcome {
  const k = drafts.length;
  for (let i = 0; i < k; i++) {
    const x = drafts[i]!;
    const p = probOf(targetDists[i]!, x);
    const q = probOf(draftDists[i]!, x);
    // q = 0 cannot happen for a token the drafter sampled; treat it as "always reject" defensively.
    const acceptProb = q > 0 ? Math.min(1, p / q) : 0;
    if (rng.float() < acceptProb) continue;
    return { accepted: i, token: sampleResidual(targetDists[i]!, draftDists[i]!, rng), bonus: false };
  }
  return { accepted: k, token: sample(targetDists[k]!, rng), bonus: true };
}

/** Draws from `norm(max(0, p - q))`; falls back to `p` when the residual has no mass (p ≤ q everywhere). */
export function sampleResidual(p: SparseDist, q: SparseDist, rng: Rng): number {
  const weights = new Float64Array(p.tokens.length);
  let total = 0;
  for (let i = 0; i < p.tokens.length; i++) {
    const r = Math.max(0, p.probs[i]! - probOf(q, p.tokens[i]!));
    weights[i] = r;
    total += r;
  }
  if (total <= 0) return sample(p, rng);
  let u = rng.float() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u < 0) return p.tokens[i]!;
  }
  for (let i = weights.length - 1; i >= 0; i--) if (weights[i]! > 0) return p.tokens[i]!;
  return p.tokens[0]!;
}
