/**
 * Batching targets (`targets.batchCost`): continuous batching at pass granularity, the rule of the
 * cluster's emulated batching target (models/src/emulated/batch-clock.ts) in virtual time.
 *
 * One pass runs at a time. When none runs and jobs wait, a pass starts holding every waiting job,
 * prefills and verifications alike (no window, no job cap), at the end of the instant (the emulated
 * clock's `setImmediate`: jobs arriving at the same virtual time share it). It lasts
 * `batchStepMs(profile, Σ positions)` (core's roofline) after the fused drafting phase, if any of its
 * jobs drafts on the target (see target-server.ts), and all its jobs end together. Jobs arriving
 * during a pass wait for the next one. Each job counts the positions its target's cache lacks
 * (target-cache.ts `jobPositions`: a verification of d drafts on a warm cache is d + 1).
 *
 * A pass runs to its end even when every job in it is cancelled, as an accelerator's forward pass
 * (and the emulated target's) does: the target stays busy until then. A cancelled job wastes its share
 * of the pass, in proportion to its positions, and leaves the pass's positions at once (a task placed
 * meanwhile judges the room by what is still alive).
 *
 * @example
 *   // profile { baseMs: 30, perPositionMs: 0.15, kneePositions: 32 }, every session warm
 *   // t = 0:  A (plain step, 1 position) and B (4 drafts, 5 positions) arrive
 *   //         → pass 1 holds A and B: 6 positions, 30 + 0.15 × 5 = 30.75 ms
 *   // t = 10: C (1 position) arrives and waits
 *   // t = 30.75: A and B end; pass 2 starts with C: 30 ms, C ends at 60.75
 */
import type { BatchCostProfile } from '@specmesh/core';
import type { JobQueue } from './job-queue.js';
import { type CacheModel, jobPositions, trimCache } from './target-cache.js';
import type { TargetJob } from './target-job.js';

/** The jobs of a pass about to start and what it evaluates. */
export interface PassJobs {
  readonly jobs: TargetJob[];
  readonly positions: number;
  /** The fused drafting phase before the pass, ms: its longest `serverDraftMs`. */
  readonly draftPhase: number;
  readonly prefills: number;
}

/**
 * Takes every job waiting in `queues` into a pass starting `now`, and prices each by what the cache
 * lacks (exactly now: an earlier job of the session in the same pass may have trimmed a stale one).
 */
export function collectPass(
  queues: readonly JobQueue[],
  now: number,
  cache: CacheModel,
  cached: Map<number, Uint32Array>,
): PassJobs {
  const jobs: TargetJob[] = [];
  let positions = 0;
  let draftPhase = 0;
  let prefills = 0;
  for (const q of queues) {
    for (let job = q.shift(); job; job = q.shift()) {
      job.state = 'running';
      job.startedAt = now;
      job.positions = jobPositions(job, job.prefill, cache, cache === 'prefix' ? trimCache(cached, job) : 0);
      jobs.push(job);
      positions += job.positions;
      draftPhase = Math.max(draftPhase, job.serverDraftMs);
      if (job.prefill) prefills++;
    }
  }
  return { jobs, positions, draftPhase, prefills };
}

/**
 * A batching target's running figures: positions in its model (the pass under way, the jobs waiting
 * for the next), the sessions of its recent passes, and whether a pass start is due this instant.
 */
export class PassLedger {
  private running = 0;
  private waiting = 0;
  /** The jobs of the last two passes started. */
  private recent: readonly TargetJob[][] = [];
  /** A pass start is scheduled for the end of this instant. */
  due = false;
  /** Jobs the last pass held: how many are expected back. */
  lastPassJobs = 0;
  /** Bumped by every pass start, so a gathering timer set before it is known to be stale. */
  generation = 0;
  /** A gathering timer is set (for `generation`). */
  gathering = false;
  /**
   * The longest wait for the jobs of the last pass to come back before a pass starts with fewer:
   * the emulated batching target's rule (models/src/emulated/batch-clock.ts), 5% of a pass at most
   * 2 ms.
   */
  readonly gatherMs: number;

  constructor(readonly profile: BatchCostProfile) {
    this.gatherMs = Math.min(2, 0.05 * profile.baseMs);
  }

  /** Positions of the pass under way (live jobs) and of the jobs waiting for the next. */
  get positions(): number {
    return this.running + this.waiting;
  }

  /** Room for a task of `positions` below the knee, beside what the model holds. */
  hasRoom(positions: number): boolean {
    return this.positions + positions <= this.profile.kneePositions;
  }

  /** A job joined the queue, or left it unserved (cancelled). */
  queued(job: TargetJob, sign: 1 | -1): void {
    this.waiting += sign * job.positions;
  }

  /** A job of the pass under way was cancelled: the next pass will not hold it. */
  cancelledRunning(job: TargetJob): void {
    this.running -= job.positions;
  }

  started(pass: PassJobs): void {
    this.lastPassJobs = pass.jobs.length;
    this.generation++;
    this.gathering = false;
    this.waiting = 0;
    this.running = pass.positions;
    this.recent = [this.recent.at(-1) ?? [], pass.jobs];
  }

  ended(): void {
    this.running = 0;
  }

  /** Distinct sessions with a job in the last two passes or in `queues`, `except` not counted. */
  sessions(queues: readonly JobQueue[], except?: number, live: (id: number) => boolean = () => true): number {
    const ids = new Set<number>();
    const add = (job: TargetJob) => {
      if (live(job.sessionId)) ids.add(job.sessionId);
    };
    for (const pass of this.recent) pass.forEach(add);
    for (const q of queues) q.forEach(add);
    if (except !== undefined) ids.delete(except);
    return ids.size;
  }
}
