/**
 * What a session of the `auto` mode sees before a round, in the simulator: the view a cluster session
 * builds from its verifiers' heartbeats (actors/src/placement/target-capacity.ts `poolView`), read
 * off the virtual state instead, for core's `chooseRound`.
 *
 * - `acceptance`: the session's per-draft acceptance (core's `AcceptanceTally`, as in the cluster);
 * - `draftMsPerToken`, `rttMs`: the drafter's time per token and the link's nominal round trip (two
 *   one-way delays and the round's three broker hops), from the scenario;
 * - `target`: the session's target (where it sticks, else where the router would place it): its pass
 *   cost, or its solo step (`tpotMs`) and slots; `sessions` is the number of OTHER sessions sharing
 *   it (`TargetServer.sessions`): on a batching target the distinct sessions with a job in its last
 *   two passes or waiting for the next, a figure a verifier can report from its own passes. (The
 *   cluster's verifiers report sessions with a task in the last second, which also counts sessions
 *   that ended or sent a single DSI parallel task there within it, so it overstates the load
 *   under a closed loop and with DSI.) Elsewhere, the sessions it holds (not ended);
 * - `freeTargets`: 1 + the other targets the round may plan on: those that would run a task of the
 *   session's next round at once (`TargetServer.runsAtOnce`, the rule by which its parallel tasks are
 *   routed or declined), and those whose work is only the session's own (a task of it in flight, a
 *   pass it cancelled running to its end), as the cluster's sessions count them. The round's
 *   parallel tasks still go out only where one runs at once (the orchestrator's `parallelism`).
 */
import type { RoundView } from '@specmesh/core';
import type { TargetRouter } from '../target-router.js';

/** What the scenario tells a session about its drafter and link. */
export interface AutoFacts {
  /** The drafter's time per draft token, ms (fused: the server's). */
  readonly draftMsPerToken: number;
  /** A round's time on the network, ms (0 when fused). */
  readonly rttMs: number;
}

/**
 * The round view of session `sessionId` now. `positions` is what a parallel task of its next round
 * makes another target evaluate: the session's whole sequence and the window (that target does not
 * hold the session).
 */
export function simRoundView(
  router: TargetRouter,
  sessionId: number,
  acceptance: number,
  facts: AutoFacts,
  positions: number,
): RoundView {
  const own = router.targetFor(sessionId);
  return {
    acceptance,
    draftMsPerToken: facts.draftMsPerToken,
    rttMs: facts.rttMs,
    target: {
      ...(own.batchCost ? { batchCost: own.batchCost } : {}),
      stepMs: own.soloStepMs,
      lanes: own.lanes,
      sessions: own.sessions(sessionId),
    },
    freeTargets: 1 + router.plannableFor(sessionId, positions, own).length,
  };
}
