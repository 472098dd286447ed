/**
 * The load view of AWC's first decision, taken by the scheduler before a request has a session: the
 * `RoundView` a session would build from the same heartbeats (target-capacity.ts `poolView`: the least
 * loaded verifier of the pool, its pass cost and sessions), with what the scheduler knows of the
 * request: the edge drafter's reported round trip and, for acceptance, the prior a session's tally
 * starts from, and the drafter's draft speed from its heartbeat (`draftMsPerToken`, what its sessions
 * measured; 0 before it reports one).
 */
import { PRIOR_ACCEPTANCE, type RoundView } from '@specmesh/core';
import type { Member } from '@specmesh/runtime';
import { poolView } from './target-capacity.js';

export function placementRoundView(
  verifiers: readonly Member[],
  rttMs: number | undefined,
  positions: number,
  draftMsPerToken: number | undefined,
): RoundView {
  const pool = poolView(verifiers, undefined, positions, undefined);
  return {
    acceptance: PRIOR_ACCEPTANCE,
    draftMsPerToken: draftMsPerToken ?? 0,
    rttMs: rttMs ?? 0,
    target: pool.target,
    freeTargets: pool.freeTargets,
  };
}
