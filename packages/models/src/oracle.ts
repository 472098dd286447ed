/**
 * Bridges emulated models to `@specmesh/core`: a token oracle for the virtual-time runner, and the
 * acceptance estimator of the DSI paper (target decodes greedily; the drafter predicts each next token
 * from the target's prefix; `m` = mean run length of consecutive matches, last run dropped;
 * `a = m / (1 + m)`).
 */
import type { TokenOracle } from '@specmesh/core';
import type { EmulatedModel } from './emulated/emulated-model.js';

export function oracleOf(target: EmulatedModel, drafter: EmulatedModel): TokenOracle {
  return {
    target: (ctx) => target.argmax(ctx),
    draft: (ctx) => drafter.argmax(ctx),
    // The drafter's runner-ups with its probabilities: what pre-drafting guesses from, in the cluster too.
    alternatives: (ctx, m) => drafter.alternatives(ctx, m),
  };
}

/** Estimates per-token acceptance of `drafter` against `target` over `tokens` greedy positions. */
export function estimateAcceptance(
  target: EmulatedModel,
  drafter: EmulatedModel,
  prompt: number[],
  tokens: number,
): number {
  const ctx = [...prompt];
  const runs: number[] = [];
  let run = 0;
  for (let i = 0; i < tokens; i++) {
    const t = target.argmax(ctx);
    if (drafter.argmax(ctx) === t) run++;
    else {
      runs.push(run);
      run = 0;
    }
    ctx.push(t);
  }
  // The last run is cut off by the end of the text, not by a mismatch: drop it.
  if (runs.length === 0) return 1;
  const m = runs.reduce((s, r) => s + r, 0) / runs.length;
  return m / (1 + m);
}
