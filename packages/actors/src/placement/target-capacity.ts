/**
 * The verifiers' free capacity as their heartbeats report it (verifier/capacity-report.ts), read the
 * same way by the batcher (where may a DSI parallel task run at once?) and by sessions (what does
 * speculation cost the target now? core's `chooseRound`).
 *
 * A task runs at once on a verifier when nothing waits there for a slot and, for a batching target,
 * its next pass has room below the knee for the task's positions (which join it at almost no cost),
 * or no session uses it at all (one that merely sits between two passes of its sessions is not free:
 * they come back within a round trip, and a long task would hold them up). A target that runs each
 * task alone counts as free only when idle: its slots say how many tasks it admits, not how many its
 * hardware runs side by side. A verifier that does not hold the session's prefix must evaluate all
 * of it: callers count those positions too.
 */
import type { BatchCostProfile, TargetView } from '@specmesh/core';
import type { BodyOf } from '@specmesh/protocol';
import type { Member } from '@specmesh/runtime';
import { metaNumber } from './placement.js';

/**
 * How long a verifier counts a session among its sessions after its last task, at most, ms (the
 * verifier's report and the session's reading of it agree on it).
 */
export const ACTIVE_WINDOW_MS = 1000;

/**
 * Tokens a task makes a verifier evaluate: on one that holds the session, the context it lacks and the
 * drafts (their outputs include the bonus position); on another, the whole prefix too.
 */
export function taskPositions(task: BodyOf<'verify.task'>, holdsSession: boolean): number {
  return Math.max(1, (holdsSession ? 0 : task.basePos) + task.context.length + task.drafts.length);
}

/** One verifier's capacity figures. */
export interface VerifierCapacity {
  readonly id: string;
  /** Pass cost of a batching target; undefined for one that runs each task alone. */
  readonly batchCost: BatchCostProfile | undefined;
  /** Positions inside its model now. */
  readonly positions: number;
  /** Sessions with work there recently. */
  readonly sessions: number;
  /** A task's model time, ms (smoothed), when reported. */
  readonly stepMs: number | undefined;
  readonly inflight: number;
  readonly queued: number;
  /** Tasks it runs at once (its slots). */
  readonly slots: number;
}

export function capacityOf(m: Member): VerifierCapacity {
  const knee = metaNumber(m, 'kneePositions');
  const base = metaNumber(m, 'costBaseMs');
  const per = metaNumber(m, 'costPerPositionMs');
  const l = m.heartbeat.load;
  return {
    id: m.id,
    batchCost:
      knee !== undefined && base !== undefined && per !== undefined
        ? { kneePositions: knee, baseMs: base, perPositionMs: per }
        : undefined,
    positions: metaNumber(m, 'positions') ?? 0,
    sessions: metaNumber(m, 'sessions') ?? l.inflight + l.queued,
    stepMs: metaNumber(m, 'stepMs'),
    inflight: l.inflight,
    queued: l.queued,
    slots: Math.max(1, l.capacity),
  };
}

/**
 * Whether `c` runs a task of `positions` at once, with `extra` positions and tasks already sent there
 * since its heartbeat; `askerThere`: the asking session is among the sessions `c` reports.
 */
export function runsAtOnce(
  c: VerifierCapacity,
  positions: number,
  extra: { positions: number; tasks: number } = { positions: 0, tasks: 0 },
  askerThere = false,
): boolean {
  if (c.queued > 0) return false;
  const idle = c.inflight + extra.tasks === 0;
  if (!c.batchCost) return idle;
  const fits = c.positions + extra.positions + positions <= c.batchCost.kneePositions;
  return fits || (idle && c.sessions - (askerThere ? 1 : 0) <= 0);
}

/**
 * Whether `c` may hold nothing but the asking session's work: no session there but at most one and
 * nothing waiting. With the asker among its sessions (`askerThere`) that one is the asker; otherwise
 * it can be, when at most one task runs there and the asker has a task in flight whose target it has
 * not heard from yet. A batching target in that state too: a heartbeat sent during the asker's own
 * pass there shows positions past its knee for the whole interval, which held a lone DSI session on
 * batching targets at SP degree 1 most of the time.
 */
function mayBeAskersAlone(c: VerifierCapacity, askerThere: boolean): boolean {
  return c.queued === 0 && c.sessions <= 1 && (askerThere || c.inflight <= 1);
}

/** What a session sees of the pool before a round: its target and how many targets are free for it. */
export interface PoolView {
  readonly target: TargetView;
  /**
   * Targets that would run a task of the session at once, its own included (≥ 1), and those of one
   * task at a time that run only the session's own tasks.
   */
  readonly freeTargets: number;
  /**
   * Targets a round may plan on: the free ones, and those whose work is only the session's own
   * whatever its tasks in flight (one it answered from lately, reporting no other session: a parallel
   * task the session just cancelled keeps its pass running to the end). A round planned at a commit
   * sees that target busy; counting it free only then held `auto` to SI for the whole round on an idle
   * pool, half its rounds. The round's parallel tasks still go out task by task as `freeTargets` allows.
   */
  readonly planTargets: number;
}

/**
 * The pool as session `sessionTarget`'s next round would meet it: the verifier that served it last
 * (else the least loaded), with the session itself not counted among its sessions, and the others
 * free to run a parallel task of `positions` at once (the whole prefix and the drafts: they do not
 * hold the session). `measuredStepMs` (the session's own last verification) stands for a target
 * without a cost profile.
 *
 * Targets that run only the session's own tasks count as free too (batching or not): those tasks
 * are among the `inFlight` the session has, so its SP degree is the targets it may keep busy, not only
 * those idle between its results (counting only those held DSI near SI on an idle pool, as every
 * heartbeat shows the targets that run its tasks busy). Those that answered it lately (`servedBy`) and
 * report no other session are its own; a busy one it has not heard from counts only while the session
 * has more tasks in flight than the targets it knows to be running them.
 */
export function poolView(
  verifiers: readonly Member[],
  sessionTarget: string | undefined,
  positions: number,
  measuredStepMs: number | undefined,
  /** Verifiers that served the session lately (it is among the sessions they report). */
  servedBy: ReadonlySet<string> = new Set(),
  /** The session's verify tasks in flight. */
  inFlight = 0,
): PoolView {
  const caps = verifiers.map(capacityOf);
  let own = sessionTarget !== undefined ? caps.find((c) => c.id === sessionTarget) : undefined;
  const served = own !== undefined;
  if (!own) {
    for (const c of caps) if (!own || c.inflight + c.queued < own.inflight + own.queued) own = c;
  }
  let unheard = inFlight;
  for (const c of caps) if (servedBy.has(c.id) && c.inflight > 0) unheard--;
  // No more busy targets are the session's own than it has tasks in flight (a verifier may forget it
  // sooner than it forgets the verifier, and then report another session's task as its only one).
  let mine = inFlight;
  let free = 1;
  let plan = 1;
  for (const c of caps) {
    if (c === own) continue;
    const there = servedBy.has(c.id);
    const isFree =
      runsAtOnce(c, positions, undefined, there) ||
      (mayBeAskersAlone(c, there) && (there || unheard-- > 0) && mine-- > 0);
    if (isFree) free++;
    if (isFree || (there && mayBeAskersAlone(c, true))) plan++;
  }
  const stepMs = measuredStepMs ?? own?.stepMs ?? own?.batchCost?.baseMs ?? 0;
  const target: TargetView = {
    ...(own?.batchCost ? { batchCost: own.batchCost } : {}),
    stepMs,
    lanes: own?.slots ?? 1,
    sessions: Math.max(0, (own?.sessions ?? 0) - (served ? 1 : 0)),
  };
  return { target, freeTargets: free, planTargets: plan };
}
