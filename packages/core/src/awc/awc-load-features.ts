/**
 * AWC's load features: what the target's load does to speculation, read through the `auto` mode's
 * cost model (core's `estimateRound` over the roofline `batchStepMs`) from the view a session builds
 * out of heartbeats (queue, sessions sharing the target, its pass cost) and its own measurements
 * (acceptance, draft speed, round trip). One model of "what a draft position costs now" serves the
 * auto mode and AWC, so a network trained in the simulator and a live session read load the same way.
 *
 * | i | feature | meaning |
 * |---|---|---|
 * | 0 | speculation_gain = log2(plain step at the target ÷ best speculative round over the link), clipped to [−3, 3] | > 0: speculation pays even with the round trip; < 0: plain decoding at the target wins (a busy batching target, or a slow link) |
 * | 1 | compute_bound = a plain step's throughput bound ÷ its latency bound, clipped to [0, 4] | ≥ 1: the target is past its knee, every extra position costs a token's compute |
 * | 2 | batch_fill = sessions sharing the target ÷ its knee (batching) or slots, clipped to [0, 4] | how full a plain-decoding pass already is |
 *
 * All three are 0 without a view (nothing known of the target's load).
 */
import { estimateRound, type RoundView } from '../auto/round-choice.js';

/** Number of load features. */
export const AWC_LOAD_FEATURES = 3;

/** Speculative windows the gain compares plain decoding with (DSD's distributed windows). */
const EDGE_WINDOWS = [2, 3, 4, 6, 8];

const clip = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** Writes the load features of `view` into `out[at, at + AWC_LOAD_FEATURES)`. */
export function writeLoadFeatures(view: RoundView | undefined, out: Float64Array, at: number): void {
  if (!view) {
    out.fill(0, at, at + AWC_LOAD_FEATURES);
    return;
  }
  // Plain decoding at the target itself: no drafts, no link (DSD's fused host, or target-only).
  const local: RoundView = { ...view, rttMs: 0 };
  const plain = estimateRound(local, { k: 0, sp: 1 });
  let best = Number.POSITIVE_INFINITY;
  for (const k of EDGE_WINDOWS) best = Math.min(best, estimateRound(view, { k, sp: 1 }).msPerToken);
  const gain = plain.msPerToken > 0 && best > 0 ? Math.log2(plain.msPerToken / best) : 0;
  out[at] = clip(Number.isFinite(gain) ? gain : 0, -3, 3);
  out[at + 1] = plain.latencyMs > 0 ? clip(plain.throughputMs / plain.latencyMs, 0, 4) : 0;
  const t = view.target;
  const capacity = t.batchCost ? t.batchCost.kneePositions : Math.max(1, t.lanes);
  out[at + 2] = clip((t.sessions + 1) / capacity, 0, 4);
}
