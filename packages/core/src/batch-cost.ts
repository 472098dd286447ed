/**
 * What one forward pass of a batching target costs: the roofline of an accelerator decoding many
 * sequences at once. The emulated batching target (models), the simulator's batching targets (sim)
 * and the `auto` mode's round choice (core) all read this one function, so the cluster, the simulator
 * and the planner agree on when speculation stops paying.
 *
 * Below the knee a pass is memory-bound: the weights stream once whatever the batch holds, so the cost
 * is a base plus a small per-position term (KV cache reads, activations). Past the knee it is
 * compute-bound: cost grows in proportion to the positions evaluated. The two meet at the knee:
 *
 *   step(P) = max(baseMs + perPositionMs * (P - 1),  P * step(knee) / knee)
 *
 * A position is one token evaluated: a plain decode step is 1, a verification of k drafts is k + 1,
 * a prefill of n prompt tokens is n.
 *
 * @example
 *   const h100_70b = { baseMs: 30, perPositionMs: 0.15, kneePositions: 32 };
 *   batchStepMs(h100_70b, 1);   // 30
 *   batchStepMs(h100_70b, 32);  // 34.65 (the knee)
 *   batchStepMs(h100_70b, 64);  // 69.3  (compute-bound: twice the knee's positions, twice its time)
 */
import { ConfigError } from '@specmesh/protocol';

export interface BatchCostProfile {
  /** A pass over one position, ms (the weights streamed once). */
  readonly baseMs: number;
  /** Each further position below the knee, ms. */
  readonly perPositionMs: number;
  /** Positions at which a pass turns compute-bound; past it the cost is proportional to positions. */
  readonly kneePositions: number;
}

/**
 * A 70B-class target on one H100-class accelerator: about 30 ms per decode step at batch 1
 * (70 GB of 8-bit weights over about 3 TB/s, plus overheads), about 15% more at the knee near
 * 32 positions (where vLLM users report speculation losing to plain decoding, vllm#17984), then
 * linear. See docs/models.md for the sources.
 */
export const TARGET_70B_PROFILE: BatchCostProfile = Object.freeze({
  baseMs: 30,
  perPositionMs: 0.15,
  kneePositions: 32,
});

/** Checks a profile; the error names the field at fault (message and `context.field`). */
export function validateBatchCost(p: BatchCostProfile): BatchCostProfile {
  const bad = (field: keyof BatchCostProfile, rule: string) => {
    throw new ConfigError(`batch cost ${field} must be ${rule}, got ${p[field]}`, { context: { field } });
  };
  if (!(Number.isFinite(p.baseMs) && p.baseMs >= 0)) bad('baseMs', '>= 0');
  if (!(Number.isFinite(p.perPositionMs) && p.perPositionMs >= 0)) bad('perPositionMs', '>= 0');
  if (!(Number.isInteger(p.kneePositions) && p.kneePositions >= 1)) bad('kneePositions', 'an integer >= 1');
  return p;
}

/** Time of one pass evaluating `positions` tokens (across every sequence in it), ms; 0 for none. */
export function batchStepMs(p: BatchCostProfile, positions: number): number {
  if (positions <= 0) return 0;
  const memory = p.baseMs + p.perPositionMs * (positions - 1);
  const atKnee = p.baseMs + p.perPositionMs * (p.kneePositions - 1);
  return Math.max(memory, (positions * atKnee) / p.kneePositions);
}

/** Positions a pass holding `positions` may still take before it turns compute-bound (0 at or past the knee). */
export function positionsBeforeKnee(p: BatchCostProfile, positions: number): number {
  return Math.max(0, p.kneePositions - positions);
}
