/**
 * What a verifier tells the cluster about its free capacity, in its heartbeat's `meta`: the figures
 * by which batchers send a DSI parallel task only where it runs at once, and by which sessions in the
 * `auto` mode estimate what speculation costs the target now (core's `chooseRound`).
 *
 * | meta key | meaning |
 * |---|---|
 * | `positions` | tokens the tasks inside the model evaluate now (the pass under way and the next) |
 * | `sessions` | sessions that come back here: each counts while a task of it is inside and until twice its own interval between tasks has passed since its last one left (a session whose host says it ended, `preempt.ended`, drops out as its last task leaves; one that sent a single DSI parallel task here, after about a round) |
 * | `stepMs` | a task's model time, smoothed (EWMA α 1/4) |
 * | `kneePositions`, `costBaseMs`, `costPerPositionMs` | the target's pass cost (batching targets only) |
 * | `busyMs` | time with any task inside the model since start, ms: the target compute spent (a batching target is busy while anything is in it) |
 *
 * A position is one token evaluated: a task of `d` drafts is `d + 1`, plus the context it brings.
 */
import type { BatchCostProfile } from '@specmesh/core';
import { ACTIVE_WINDOW_MS } from '../placement/target-capacity.js';

/** When a session's interval between tasks is not known yet: this many steps, at least 100 ms. */
const FIRST_TASK_STEPS = 3;

interface SessionSeen {
  /** When its last task entered, ms. */
  last: number;
  /** When its last task left, ms (its entry while none has left). */
  lastLeft: number;
  /** Its tasks inside the model now. */
  inside: number;
  /** Smoothed interval between its tasks' entries, ms (undefined after one task). */
  gap: number | undefined;
  /** Its host said it ended: it counts only while a task of it is still inside. */
  ended?: boolean;
}

export class CapacityReport {
  private positions = 0;
  private inside = 0;
  private busySince = 0;
  private busyMs = 0;
  private stepMs: number | undefined;
  private readonly seen = new Map<string, SessionSeen>();

  constructor(private readonly batchCost: BatchCostProfile | undefined) {}

  /** A task of `positions` tokens enters the model. */
  entered(sessionId: string, positions: number, now: number): void {
    if (this.inside++ === 0) this.busySince = now;
    this.positions += positions;
    const s = this.seen.get(sessionId);
    if (!s) this.seen.set(sessionId, { last: now, lastLeft: now, inside: 1, gap: undefined });
    else {
      const gap = now - s.last;
      s.gap = s.gap === undefined ? gap : s.gap + (gap - s.gap) / 4;
      s.last = now;
      s.inside++;
    }
  }

  /**
   * Session `sessionId`'s task of `positions` left the model at `now` after `ms` of model time
   * (undefined: cancelled, no sample).
   */
  left(sessionId: string, positions: number, ms: number | undefined, now: number): void {
    if (--this.inside === 0) this.busyMs += now - this.busySince;
    this.positions = Math.max(0, this.positions - positions);
    const s = this.seen.get(sessionId);
    if (s) {
      s.inside = Math.max(0, s.inside - 1);
      s.lastLeft = now;
    }
    if (ms === undefined) return;
    this.stepMs = this.stepMs === undefined ? ms : this.stepMs + (ms - this.stepMs) / 4;
  }

  /**
   * The figures of this moment, as a heartbeat sent now would carry them, with `sessionId` left out
   * of the sessions: what a parallel task of that session meets here (see placement's `runsAtOnce`).
   */
  now(
    sessionId: string,
    now: number,
  ): {
    readonly batchCost: BatchCostProfile | undefined;
    readonly positions: number;
    readonly sessions: number;
  } {
    const asker = this.seen.get(sessionId);
    const askerActive = asker !== undefined && this.isActive(asker, now) ? 1 : 0;
    return {
      batchCost: this.batchCost,
      positions: this.positions,
      sessions: this.activeSessions(now) - askerActive,
    };
  }

  /** How long after its last task a session still counts as coming back, ms. */
  private windowOf(s: SessionSeen): number {
    const firstWindow = Math.max(100, FIRST_TASK_STEPS * (this.stepMs ?? 0));
    return Math.min(ACTIVE_WINDOW_MS, s.gap === undefined ? firstWindow : Math.max(50, 2 * s.gap));
  }

  /**
   * A session with a task inside counts whatever its passes take: counted from its last entry, every
   * session of a target whose passes outlast the window (long prefills, a crowd past the knee) dropped
   * out mid-pass, the target reported itself idle, and `auto` sessions speculated into it.
   */
  private isActive(s: SessionSeen, now: number): boolean {
    return s.inside > 0 || (!s.ended && now - s.lastLeft <= this.windowOf(s));
  }

  /** Session `sessionId` ended: it will not come back (its tasks inside still leave as they end). */
  forget(sessionId: string): void {
    const s = this.seen.get(sessionId);
    if (s && s.inside === 0) this.seen.delete(sessionId);
    else if (s) s.ended = true;
  }

  /** Sessions still coming back (and forgets the others). */
  activeSessions(now: number): number {
    let n = 0;
    for (const [id, s] of this.seen) {
      if (this.isActive(s, now)) n++;
      else if (now - s.lastLeft > ACTIVE_WINDOW_MS) this.seen.delete(id);
    }
    return n;
  }

  /** The heartbeat's capacity figures. */
  meta(now: number): Record<string, number> {
    const busy = this.busyMs + (this.inside > 0 ? now - this.busySince : 0);
    const m: Record<string, number> = {
      positions: this.positions,
      sessions: this.activeSessions(now),
      busyMs: Math.round(busy),
    };
    if (this.stepMs !== undefined) m['stepMs'] = Math.round(this.stepMs * 100) / 100;
    if (this.batchCost) {
      m['kneePositions'] = this.batchCost.kneePositions;
      m['costBaseMs'] = this.batchCost.baseMs;
      m['costPerPositionMs'] = this.batchCost.perPositionMs;
    }
    return m;
  }
}
