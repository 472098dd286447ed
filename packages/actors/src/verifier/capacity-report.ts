/**
 * What a verifier tells the cluster about its free capacity, in its heartbeat's `meta`: the figures
 * by which batchers send a DSI parallel task only where it runs at once, and by which sessions in the
 * `auto` mode estimate what speculation costs the target now (core's `chooseRound`).
 *
 * | meta key | meaning |
 * |---|---|
 * | `positions` | tokens the tasks inside the model evaluate now (the pass under way and the next) |
 * | `sessions` | sessions with a task here in the last {@link ACTIVE_WINDOW_MS} |
 * | `stepMs` | a task's model time, smoothed (EWMA α 1/4) |
 * | `kneePositions`, `costBaseMs`, `costPerPositionMs` | the target's pass cost (batching targets only) |
 * | `busyMs` | time with any task inside the model since start, ms: the target compute spent (a batching target is busy while anything is in it) |
 *
 * A position is one token evaluated: a task of `d` drafts is `d + 1`, plus the context it brings.
 */
import type { BatchCostProfile } from '@specmesh/core';

/** Sessions count as active this long after their last task, ms: a few rounds of a busy target. */
export const ACTIVE_WINDOW_MS = 1000;

export class CapacityReport {
  private positions = 0;
  private inside = 0;
  private busySince = 0;
  private busyMs = 0;
  private stepMs: number | undefined;
  private readonly lastSeen = new Map<string, number>();

  constructor(private readonly batchCost: BatchCostProfile | undefined) {}

  /** A task of `positions` tokens enters the model. */
  entered(sessionId: string, positions: number, now: number): void {
    if (this.inside++ === 0) this.busySince = now;
    this.positions += positions;
    this.lastSeen.set(sessionId, now);
  }

  /** The task left the model at `now` after `ms` of model time (undefined: cancelled, no sample). */
  left(positions: number, ms: number | undefined, now: number): void {
    if (--this.inside === 0) this.busyMs += now - this.busySince;
    this.positions = Math.max(0, this.positions - positions);
    if (ms === undefined) return;
    this.stepMs = this.stepMs === undefined ? ms : this.stepMs + (ms - this.stepMs) / 4;
  }

  /** Sessions with a task in the last window (and forgets older ones). */
  activeSessions(now: number): number {
    for (const [id, at] of this.lastSeen) if (now - at > ACTIVE_WINDOW_MS) this.lastSeen.delete(id);
    return this.lastSeen.size;
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
