/**
 * A live session's round plans: the `auto` mode's choice of non-SI, SI or DSI (with window and SP
 * degree) before each round, and the SP degree a DSI session may use, both from what the session
 * measured and what the pool's heartbeats say (window-measures.ts, placement/target-capacity.ts).
 * Before the session has drafted, its host's draft speed stands in for its own.
 * The decision itself is core's `chooseRound`, the same one the simulator runs.
 *
 * Acceptance is the session's per-draft rate (core's `AcceptanceTally`, a prior before any draft is
 * verified, as in the simulator); before it has measured a round trip, the host's figure (pings)
 * stands in, and a host that verifies in-process has none. Greedy output does not depend on any of this: plans change only how fast the target's
 * tokens come.
 */
import { chooseRound, type RoundPlan, type RoundView } from '@specmesh/core';
import type { PoolView } from '../placement/target-capacity.js';
import type { HostSurroundings, LiveWindowMeasures, SessionMeasurements } from './window-measures.js';

export class SessionRoundPlanner {
  constructor(
    private readonly pool: string,
    private readonly measures: LiveWindowMeasures,
    /** The session's per-draft acceptance so far. */
    private readonly acceptance: () => number,
    private readonly around: HostSurroundings | undefined,
    /** Tasks in flight at most (live verifiers of the pool). */
    private readonly maxSp: () => number,
    /**
     * Positions a parallel task makes another target evaluate (the session's context and a window of
     * drafts: that target does not hold the session), to judge where one runs at once.
     */
    private readonly taskPositions: () => number,
    /** The session's verify tasks in flight now. */
    private readonly inFlight: () => number,
  ) {}

  /** The pool as a round of this session meets it now, with the session's measurements `m`. */
  private view(m: SessionMeasurements): PoolView {
    return (
      this.around?.pool?.(
        this.pool,
        m.verifierId,
        this.taskPositions(),
        m.tpotMs,
        m.servedBy,
        this.inFlight(),
      ) ?? {
        target: { stepMs: m.tpotMs ?? 0, lanes: 1, sessions: 0 },
        freeTargets: 1,
        planTargets: 1,
      }
    );
  }

  /** What `chooseRound` decides from now: also what load-aware window policies (AWC) read. */
  roundView(): RoundView {
    const m = this.measures.current();
    const pool = this.view(m);
    const rttMs = this.around?.local ? 0 : (m.rttMs ?? this.around?.edgeRttMs() ?? 0);
    return {
      acceptance: this.acceptance(),
      // Before its first draft, the host's figure (its sessions' draft speed): 0 would make every
      // window look free, and the first round would draft the longest one.
      draftMsPerToken: m.draftMsPerToken ?? this.around?.edgeDraftMsPerToken?.() ?? 0,
      rttMs,
      target: pool.target,
      // The targets the round may use: its parallel tasks go out one by one as `parallelism` says.
      freeTargets: pool.planTargets,
    };
  }

  /** The `auto` mode's plan of the next round. */
  next(): RoundPlan {
    return chooseRound(this.roundView(), { maxSp: this.maxSp() });
  }

  /**
   * Whether the session's target batches and serves other sessions now (DSI runs SI's rounds there:
   * core's `sharedTarget`). Asked at a round boundary, which a verdict makes: the count that verdict
   * carried (protocol 2.4) is of that moment, where a heartbeat may be a second old and still show
   * a session that has since ended. From an older verifier, the heartbeat's.
   */
  sharedTarget(): boolean {
    const m = this.measures.current();
    const { target } = this.view(m);
    if (target.batchCost === undefined) return false;
    return (m.otherSessions ?? target.sessions) > 0;
  }

  /**
   * The SP degree now (DSI, and `auto`'s DSI rounds): the targets that would run a task of this
   * session at once.
   */
  parallelism(): number {
    return Math.min(this.maxSp(), this.view(this.measures.current()).freeTargets);
  }
}
