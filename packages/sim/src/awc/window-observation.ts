/**
 * The one mapping from simulator state to what a window policy is handed (`WindowFeatures`), the
 * record the live drafter fills from its own measurements. AWC turns it into its raw observation
 * inside core (`awcObservationOf`), so the simulator, the labeller and a real drafter share that path.
 *
 * | field | simulator source | a live drafter's source |
 * |---|---|---|
 * | queueUtil | jobs queued at the session's target / batch size (maxJobs) | the target's heartbeat |
 * | pendingVerifyTokens | draft tokens of those jobs | the target's heartbeat |
 * | rttMs | the last distributed round's two link delays (before one: 2 × the link's base delay) | send → result minus the target's reported time |
 * | tpotMs | service time of the batch that verified the last round (before one: the target's tpotMs) | the verifier's reported step time |
 * | drafterCapability | tpot_target / (tpot_target + tpot_drafter): 0.5 when the drafter is as slow as a target step | the same, from the profiles |
 * | acceptance, lastAcceptance, lastWindow | the orchestrator's window statistics | the same |
 * | contextTokens | prompt length | the same |
 * | round | the `auto` mode's view of the session's target (auto/sim-round-view.ts) | the session's round planner, from heartbeats |
 * | lastWindow | the window the last round ran (0: a plain step) | the same |
 * | nowMs, committed | virtual time, output tokens committed | wall clock, the same |
 */
import type { WindowFeatures, WindowStats } from '@specmesh/core';
import type { RoundMeasures } from '../session-driver.js';

/** What does not change during a session. */
export interface SessionFacts {
  readonly promptTokens: number;
  /** Jobs per target batch (the queue's unit). */
  readonly batchSize: number;
  /** RTT reported before the session has measured one, ms. */
  readonly nominalRttMs: number;
  /** Target step reported before the session has measured one, ms. */
  readonly nominalStepMs: number;
  readonly drafterCapability: number;
}

/** The drafter's relative speed: tpot_target / (tpot_target + tpot_drafter), 1 for a free drafter. */
export function drafterCapability(targetTpotMs: number, drafterTpotMs: number): number {
  return targetTpotMs + drafterTpotMs > 0 ? targetTpotMs / (targetTpotMs + drafterTpotMs) : 1;
}

export function simWindowFeatures(
  stats: WindowStats,
  round: RoundMeasures,
  facts: SessionFacts,
  nowMs: number,
): WindowFeatures {
  const t = round.target;
  return {
    acceptance: stats.acceptance,
    lastAcceptance: stats.lastLength > 0 ? stats.lastAccepted / stats.lastLength : 1,
    lastWindow: round.lastWindow,
    queueUtil: t ? t.queued / facts.batchSize : 0,
    pendingVerifyTokens: t ? t.queuedDrafts : 0,
    rttMs: round.rttMs ?? facts.nominalRttMs,
    tpotMs: round.targetStepMs ?? facts.nominalStepMs,
    drafterCapability: facts.drafterCapability,
    contextTokens: facts.promptTokens,
    ...(round.view ? { round: round.view } : {}),
    nowMs,
    committed: stats.committed,
  };
}

/** A window decision as `runScenario`'s `windowOverride` sees it. */
export interface WindowDecision {
  readonly requestId: number;
  /** Decisions the request took before this one (0 at its first). */
  readonly index: number;
  /** Virtual time, ms. */
  readonly at: number;
  /** Index of the session's target, -1 before it has one. */
  readonly target: number;
  /** Output tokens committed so far. */
  readonly committed: number;
  /** What the policy is handed. */
  readonly features: WindowFeatures;
}
