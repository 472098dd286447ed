/**
 * The `auto` mode's decision: for the next round of one session, no speculation (non-SI), classic
 * speculation (SI, one task in flight) or DSI (several), with which window, by the expected time per
 * committed token on the target as it is loaded now. Pure: the cluster feeds it heartbeats and the
 * session's own measurements, the simulator feeds it its virtual state.
 *
 * The estimate takes the session's view of its target: `sessions` other sessions share it, and all of
 * them are assumed to choose as this one does (they see the same target and run the same rule), so
 * the choice is the symmetric one. For a window `k` (0: a plain step) a session commits on average
 * `E(k) = (1 - a^(k+1)) / (1 - a)` tokens per round (`a` the per-draft acceptance) and puts `k + 1`
 * positions into the target's pass. Time per committed token is the larger of two bounds:
 *
 * - **latency**: `(k·draftMs + rttMs + step) / E(k)`, where `step` is the pass the round joins:
 *   with a batching target `batchStepMs(P)` over the positions of every session waiting at that
 *   moment (a fixed point: sessions away drafting are not in the pass); with a target that runs each
 *   task alone (`lanes` tasks at once), the task's own step;
 * - **throughput**: the target's capacity shared by every session: a batching target evaluates at
 *   most `knee / step(knee)` positions per ms, so each of `n` sessions gets a token no faster than
 *   every `n · (k+1)/E(k) · step(knee)/knee` ms; a lanes target, every `n · step / (lanes · E(k))`.
 *
 * An idle target makes the latency bound decide, and speculation (deeper with better acceptance)
 * wins; a target past its knee makes the throughput bound decide, where every draft position costs
 * compute and `(k+1)/E(k) > 1` makes plain decoding (`k = 0`) win: the cluster converges to batched
 * non-SI under saturation. DSI is chosen only with targets free to run its parallel tasks at once
 * (`freeTargets`); its estimate overlaps drafting with verification and charges the tasks a rejection
 * preempts to the throughput bound.
 *
 * @example
 *   chooseRound({ acceptance: 0.8, draftMsPerToken: 2, rttMs: 1,
 *                 target: { batchCost: TARGET_70B_PROFILE, stepMs: 30, lanes: 1, sessions: 0 }, freeTargets: 1 })
 *   // → { k: 8, sp: 1 }-ish: an idle target, speculation pays
 *   chooseRound({ ...same, target: { ...same.target, sessions: 63 } })
 *   // → { k: 0, sp: 1 }: 64 sessions keep the target compute-bound, plain decoding wins
 */
import { type BatchCostProfile, batchStepMs } from '../batch-cost.js';

/** One session's next round: `k` drafts per task (0: a plain target step), `sp` tasks in flight at most. */
export interface RoundPlan {
  readonly k: number;
  /** Speculation parallelism (DSI's SP degree): 1 is SI (or non-SI when `k` is 0). */
  readonly sp: number;
}

/** What the session knows of the target its tasks go to. */
export interface TargetView {
  /** The pass cost of a batching target; absent for a target that runs each task alone. */
  readonly batchCost?: BatchCostProfile;
  /** A task's step when it runs alone, ms (measured, or the profile's base). */
  readonly stepMs: number;
  /** Tasks a non-batching target runs at once (its slots); ignored with `batchCost`. */
  readonly lanes: number;
  /** Other sessions sharing the target now. */
  readonly sessions: number;
}

/** The state a round is chosen from. */
export interface RoundView {
  /** Recent per-draft acceptance, 0..1. */
  readonly acceptance: number;
  /** The drafter's time per draft token, ms. */
  readonly draftMsPerToken: number;
  /** A round's time on the network between drafter and target, ms (0 in-process). */
  readonly rttMs: number;
  readonly target: TargetView;
  /** Targets that would run a task of this session at once, its own included (≥ 1). */
  readonly freeTargets: number;
}

export interface RoundChoiceOptions {
  /** Windows to consider for speculative rounds. Defaults to {@link AUTO_WINDOWS}. */
  readonly windows?: readonly number[];
  /** Largest SP degree to consider. Defaults to 4. */
  readonly maxSp?: number;
  /**
   * A speculative plan must beat plain decoding by this factor to be chosen (estimates are rough,
   * and a wrong speculative choice under load costs more than a wrong plain one). Defaults to 1.03.
   */
  readonly margin?: number;
}

/** An estimate of one plan: ms per committed token, and the two bounds behind it. */
export interface RoundEstimate {
  readonly plan: RoundPlan;
  readonly msPerToken: number;
  readonly latencyMs: number;
  readonly throughputMs: number;
}

/** Windows `auto` chooses among by default: DSD's allowed set. */
export const AUTO_WINDOWS: readonly number[] = [1, 2, 3, 4, 6, 8];

/** Expected tokens committed by a round of `k` drafts: accepted drafts plus the target's own token. */
export function expectedTokens(a: number, k: number): number {
  const p = Math.min(Math.max(a, 0), 1);
  if (p >= 1 - 1e-9) return k + 1;
  return (1 - p ** (k + 1)) / (1 - p);
}

/** Positions per ms a batching target reaches at best (at its knee and past it). */
function peakRate(c: BatchCostProfile): number {
  return c.kneePositions / batchStepMs(c, c.kneePositions);
}

/** The pass a round of `positions` joins when `sessions + 1` sessions cycle every `awayMs + step`. */
function passMs(view: RoundView, positions: number, awayMs: number): number {
  const t = view.target;
  if (!t.batchCost) return t.stepMs;
  const n = t.sessions + 1;
  // Fixed point: the share of sessions in the pass is step / (away + step).
  let step = batchStepMs(t.batchCost, positions);
  for (let i = 0; i < 8; i++) {
    const inPass = Math.max(positions, (n * positions * step) / (awayMs + step));
    step = batchStepMs(t.batchCost, inPass);
  }
  return step;
}

/** Estimated ms per committed token of `plan` in `view`. */
export function estimateRound(view: RoundView, plan: RoundPlan): RoundEstimate {
  const { k, sp } = plan;
  const a = Math.min(Math.max(view.acceptance, 0), 1);
  const t = view.target;
  const n = t.sessions + 1;
  const positions = k + 1;
  const draftMs = k * view.draftMsPerToken;
  const step = passMs(view, positions, draftMs + view.rttMs);
  const verifyMs = view.rttMs + step;
  let latencyMs: number;
  /** Positions the target evaluates per committed token, wasted ones included. */
  let positionsPerToken: number;
  if (sp <= 1 || k === 0) {
    const e = expectedTokens(a, k);
    latencyMs = (draftMs + verifyMs) / e;
    positionsPerToken = positions / e;
  } else {
    // DSI: chunks of k drafts verified sp at a time while drafting goes on. A run of fully accepted
    // chunks (each with probability a^k) ends with a rejecting chunk; the run's first chunk pays
    // drafting and verification, each later one the slower of drafting and verification / sp.
    const full = a ** k;
    const chunks = full >= 1 - 1e-9 ? 64 : 1 / (1 - full);
    const rejecting = full >= 1 - 1e-9 ? k : (expectedTokens(a, k) - full * (k + 1)) / (1 - full);
    const tokens = (chunks - 1) * k + rejecting;
    const time = draftMs + verifyMs + (chunks - 1) * Math.max(draftMs, verifyMs / sp);
    latencyMs = time / tokens;
    // The tasks in flight past a rejection are preempted: up to sp - 1 wasted per run.
    positionsPerToken = ((chunks + sp - 1) * positions) / tokens;
  }
  const throughputMs = t.batchCost
    ? (n * positionsPerToken) / peakRate(t.batchCost)
    : (n * t.stepMs * (positionsPerToken / positions)) / Math.max(1, t.lanes);
  return { plan, msPerToken: Math.max(latencyMs, throughputMs), latencyMs, throughputMs };
}

/** The plan with the least estimated time per committed token (plain decoding unless speculation clearly wins). */
export function chooseRound(view: RoundView, options: RoundChoiceOptions = {}): RoundPlan {
  const windows = options.windows ?? AUTO_WINDOWS;
  const maxSp = Math.max(1, Math.min(options.maxSp ?? 4, Math.floor(view.freeTargets)));
  const margin = options.margin ?? 1.03;
  const plain = estimateRound(view, { k: 0, sp: 1 });
  let best = plain;
  for (const k of windows) {
    for (let sp = 1; sp <= maxSp; sp++) {
      const e = estimateRound(view, { k, sp });
      if (e.msPerToken < best.msPerToken) best = e;
    }
  }
  if (best !== plain && best.msPerToken * margin > plain.msPerToken) return plain.plan;
  return best.plan;
}
