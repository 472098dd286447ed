import { TARGET_70B_PROFILE } from '@specmesh/core';
import { describe, expect, it } from 'vitest';
import { ACTIVE_WINDOW_MS, capacityOf, poolView, runsAtOnce } from '../src/placement/target-capacity.js';
import { CapacityReport } from '../src/verifier/capacity-report.js';
import { verifierMember } from './verifier-member.js';

const verifier = verifierMember;

const batching = (id: string, positions: number, sessions: number, queued = 0) => {
  const report = new CapacityReport(TARGET_70B_PROFILE);
  for (let i = 0; i < sessions; i++) report.entered(`s${i}`, positions / sessions, 0);
  return verifier(id, { inflight: sessions, queued, capacity: 256 }, report.meta(0));
};

describe('capacity in heartbeats', () => {
  it('a verifier reports what its model holds, its recent sessions and its cost profile', () => {
    const r = new CapacityReport(TARGET_70B_PROFILE);
    r.entered('a', 5, 0);
    r.entered('b', 3, 10);
    expect(r.meta(20)).toEqual({
      positions: 8,
      sessions: 2,
      busyMs: 20,
      kneePositions: 32,
      costBaseMs: 30,
      costPerPositionMs: 0.15,
    });
    r.left('a', 5, 30, 30);
    r.left('b', 3, 34, 44);
    // A session seen once stays counted for a few steps after its task left (100 ms here); then not.
    expect(r.meta(135)).toMatchObject({ positions: 0, sessions: 1, stepMs: 31, busyMs: 44 });
    expect(r.meta(500)).toMatchObject({ sessions: 0 });
    // One that comes back every 40 ms counts until twice that has passed since its last task left.
    for (const t of [1000, 1040, 1080]) {
      r.entered('c', 1, t);
      r.left('c', 1, 5, t + 5);
    }
    expect(r.meta(1160)).toMatchObject({ sessions: 1 });
    expect(r.meta(1170)).toMatchObject({ sessions: 0 });
    // One whose task stays inside longer than any window (a long prefill, a pass far past the knee)
    // counts for as long as it is there: the target is not idle.
    r.entered('d', 400, 2000);
    expect(r.meta(2000 + 5 * ACTIVE_WINDOW_MS)).toMatchObject({ sessions: 1, positions: 400 });
    r.left('d', 400, 5 * ACTIVE_WINDOW_MS, 2000 + 5 * ACTIVE_WINDOW_MS);
    expect(r.meta(2000 + 5 * ACTIVE_WINDOW_MS + 500)).toMatchObject({ sessions: 1, positions: 0 });
    expect(r.meta(2000 + 7 * ACTIVE_WINDOW_MS)).toMatchObject({ sessions: 0 });
    // A target without a profile reports none.
    expect(new CapacityReport(undefined).meta(0)).toEqual({ positions: 0, sessions: 0, busyMs: 0 });
  });

  it('a task runs at once below the knee or on an idle verifier, never where work queues', () => {
    const cap = capacityOf(batching('v1', 20, 4));
    expect(runsAtOnce(cap, 12)).toBe(true);
    expect(runsAtOnce(cap, 13)).toBe(false);
    expect(runsAtOnce(cap, 5, { positions: 8, tasks: 1 })).toBe(false);
    expect(runsAtOnce(capacityOf(batching('v2', 0, 0)), 500)).toBe(true);
    expect(runsAtOnce(capacityOf(batching('v3', 4, 1, 1)), 1)).toBe(false);
    // A target that runs each task alone: free only when idle.
    const lanes = (inflight: number) => capacityOf(verifier('v', { inflight, queued: 0, capacity: 8 }, {}));
    expect(runsAtOnce(lanes(0), 50)).toBe(true);
    expect(runsAtOnce(lanes(1), 1)).toBe(false);
  });

  it('a session sees its own target without itself, and the others free for a parallel task', () => {
    const pool = [batching('v1', 30, 6), batching('v2', 4, 1), batching('v3', 31, 5)];
    const view = poolView(pool, 'v1', 12, 33);
    expect(view.target).toEqual({ batchCost: TARGET_70B_PROFILE, stepMs: 33, lanes: 256, sessions: 5 });
    expect(view.freeTargets).toBe(2); // its own, and v2 (v3 has no room for 12 positions)
    // Before any answer: the least loaded verifier, with every session there counted.
    expect(poolView(pool, undefined, 12, undefined).target).toMatchObject({ sessions: 1, stepMs: 30 });
  });

  it('a DSI session keeps its SP degree on an idle pool of one-task targets: those running its own tasks are its own', () => {
    // Four targets that run each task alone, as heartbeats show them while one DSI session keeps a
    // task on each: every one busy with one task of one session.
    const alone = (id: string, inflight: number, sessions: number, queued = 0) =>
      verifier(id, { inflight, queued, capacity: 1 }, { positions: 0, sessions, stepMs: 100 });
    const busy = ['v0', 'v1', 'v2', 'v3'].map((id) => alone(id, 1, 1));
    // It heard from v0, v1 and v2 lately; v3 runs its fourth task, not answered yet.
    expect(poolView(busy, 'v2', 60, 100, new Set(['v0', 'v1', 'v2']), 4).freeTargets).toBe(4);
    // Before any answer, its three tasks in flight explain the three busy targets.
    const first = [alone('v0', 1, 1), alone('v1', 1, 1), alone('v2', 1, 1), alone('v3', 0, 0)];
    expect(poolView(first, undefined, 60, undefined, new Set(), 3).freeTargets).toBe(4);
    // A heartbeat sent before its task came back still shows the target busy: still its own.
    const back = [alone('v0', 1, 1), alone('v1', 1, 1), alone('v2', 0, 0), alone('v3', 0, 0)];
    expect(poolView(back, 'v1', 60, 100, new Set(['v0', 'v1']), 1).freeTargets).toBe(4);
    // No more busy targets are its own than it has tasks in flight.
    expect(poolView(busy, 'v2', 60, 100, new Set(['v0', 'v1', 'v2', 'v3']), 1).freeTargets).toBe(2);
    // Load-aware still: a target another session uses (v0) is not free, nor one where work waits
    // (v3), nor a busy one it has not heard from (v1) unless a task in flight is still unaccounted.
    const shared = [alone('v0', 1, 2), alone('v1', 1, 1), alone('v2', 1, 1), alone('v3', 1, 1, 1)];
    expect(poolView(shared, 'v2', 60, 100, new Set(['v0', 'v2']), 2).freeTargets).toBe(1);
    expect(poolView(shared, 'v2', 60, 100, new Set(['v0', 'v2']), 3).freeTargets).toBe(2);
  });

  it('a lone DSI session on batching targets keeps its SP degree while a heartbeat shows its own pass', () => {
    // v2's heartbeat was sent during a parallel task of 74 positions there (past the knee: the whole
    // prefix), with `sessions` sessions and `inflight` tasks inside.
    const midPass = (sessions: number, inflight: number) =>
      verifier(
        'v2',
        { inflight, queued: 0, capacity: 256 },
        { ...batching('x', 0, 0).heartbeat.meta, positions: 74, sessions },
      );
    const served = new Set(['v1', 'v2']);
    // The only session v2 reports is the asker's, its task there came back since or still runs.
    expect(poolView([batching('v1', 5, 1), midPass(1, 1)], 'v1', 74, 31, served, 1).freeTargets).toBe(2);
    // Another session there too: not the session's to count.
    expect(poolView([batching('v1', 5, 1), midPass(2, 2)], 'v1', 74, 31, served, 1).freeTargets).toBe(1);
    // Nor when the session has no task in flight to explain it (a task it cancelled, whose pass runs
    // to its end): not free for a task now, but a round may plan on it; never on one another session uses.
    const cancelled = poolView([batching('v1', 5, 1), midPass(1, 1)], 'v1', 74, 31, served, 0);
    expect(cancelled).toMatchObject({ freeTargets: 1, planTargets: 2 });
    expect(poolView([batching('v1', 5, 1), midPass(2, 1)], 'v1', 74, 31, served, 0).planTargets).toBe(1);
    // Nor on one that never served the session.
    expect(
      poolView([batching('v1', 5, 1), midPass(1, 1)], 'v1', 74, 31, new Set(['v1']), 0).planTargets,
    ).toBe(1);
  });
});
