/**
 * One target instance: a batcher in front of a model server with `slots` batches in flight. Jobs wait
 * in two queues, prefill (the session's first job on this target) and verify; a batch takes jobs from
 * one queue and leaves when it holds `maxJobs` jobs or its first job has waited `windowMs`. Of the two
 * queues, the one whose oldest job is older goes first.
 *
 * A job the target drafts itself (a fused round charged to the target, `TargetJob.serverDraftMs`) makes
 * its batch start with a drafting phase as long as the longest such job's drafting: the draft model
 * shares the target's accelerator, so the whole batch, other sessions' jobs included, waits for it.
 *
 * Cancelling a queued job drops it; cancelling a running one wastes its share of the batch, and when
 * every job of a running batch is cancelled the batch stops at once (preemption) and frees its slot.
 * A batching target's pass runs to its end whatever is cancelled in it, as an accelerator's does.
 *
 * With `batchCost` the target batches like an accelerator instead: one pass at a time holding every
 * job waiting when it starts, priced by core's roofline (see batch-pass.ts).
 */
import { type BatchCostProfile, batchStepMs, validateBatchCost } from '@specmesh/core';
import { ConfigError } from '@specmesh/protocol';
import { collectPass, PassLedger } from './batch-pass.js';
import { JobQueue } from './job-queue.js';
import { prefillBatchMs, type TargetLatency, verifyBatchMs } from './latency-model.js';
import type { Simulation } from './simulation.js';
import { type CacheModel, heldOf, jobPositions, prefixCharge } from './target-cache.js';
import type { TargetJob } from './target-job.js';
import { newTargetStats, type TargetStats } from './target-stats.js';

export type { TargetStats } from './target-stats.js';

export interface TargetServerOptions {
  readonly index: number;
  readonly latency: TargetLatency;
  /** Batches in flight at once. Defaults to 1. */
  readonly slots?: number;
  /** Longest wait of a batch's first job for company, ms. Defaults to 0. */
  readonly windowMs?: number;
  /** Most jobs per batch. Defaults to 1. */
  readonly maxJobs?: number;
  /** `session` (prompt once per session) or `prefix` (per-session token cache). Defaults to `session`. */
  readonly cache?: CacheModel;
  /**
   * Batch at pass granularity with this pass cost (batch-pass.ts) instead of `latency`, `windowMs` and
   * `maxJobs`; `slots` must be 1. Defaults to none.
   */
  readonly batchCost?: BatchCostProfile;
}

interface Batch {
  readonly jobs: TargetJob[];
  readonly startedAt: number;
  readonly cost: number;
  /** A pass's positions (batching targets): cancelled jobs waste their share by positions. */
  readonly positions?: number;
  live: number;
  stopped: boolean;
}

export class TargetServer {
  readonly index: number;
  readonly stats: TargetStats = newTargetStats();
  /** Called when a slot frees while nothing is queued here (a shared pool may hand over work). */
  onIdle: ((target: TargetServer) => void) | undefined;
  /** Called after `load` may have changed (a router keeping the least loaded target). */
  onLoad: ((target: TargetServer) => void) | undefined;
  private readonly sim: Simulation;
  private readonly latency: TargetLatency;
  private readonly slots: number;
  private readonly windowMs: number;
  private readonly maxJobs: number;
  private readonly prefillQ = new JobQueue();
  private readonly verifyQ = new JobQueue();
  private readonly held = new Set<number>();
  private readonly cache: CacheModel;
  /** Pass cost of a batching target; undefined for one serving batches by `latency`. */
  readonly batchCost: BatchCostProfile | undefined;
  private readonly passes: PassLedger | undefined;
  /** `cache: prefix`: the tokens each session's last job left in this target's cache. */
  private readonly cached = new Map<number, Uint32Array>();
  private readonly running = new Set<Batch>();
  /** Live jobs of the running batches (kept as they change: `load` is read per routing decision). */
  private runningLive = 0;
  private timerAt = Number.POSITIVE_INFINITY;
  private lastChange = 0;

  constructor(sim: Simulation, o: TargetServerOptions) {
    this.sim = sim;
    this.index = o.index;
    this.latency = o.latency;
    this.slots = o.slots ?? 1;
    this.windowMs = o.windowMs ?? 0;
    this.maxJobs = o.maxJobs ?? 1;
    this.cache = o.cache ?? 'session';
    this.batchCost = o.batchCost ? validateBatchCost(o.batchCost) : undefined;
    this.passes = this.batchCost ? new PassLedger(this.batchCost) : undefined;
    if (this.batchCost && this.slots !== 1)
      throw new ConfigError(`a batching target runs one pass at a time: slots must be 1, got ${this.slots}`);
  }

  /** Batches run at once (a batching target: 1 pass). */
  get lanes(): number {
    return this.slots;
  }

  /** A verification step alone, ms: the profile's base for a batching target, else `tpotMs`. */
  get soloStepMs(): number {
    return this.batchCost ? this.batchCost.baseMs : this.latency.tpotMs;
  }

  /**
   * Sessions sharing it, `except` not counted: on a batching target the distinct sessions with a job
   * in its last two passes or waiting for the next (a verifier can report as much from its passes);
   * elsewhere the sessions it holds (a job queued, running or done here, not ended).
   */
  sessions(except?: number): number {
    // Sessions that ended (released) are not coming back, whatever passes they were in.
    if (this.passes)
      return this.passes.sessions([this.prefillQ, this.verifyQ], except, (id) => this.held.has(id));
    return this.held.size - (except !== undefined && this.held.has(except) ? 1 : 0);
  }

  /** Batching targets: positions of the pass under way (live jobs) and of the jobs waiting for the next. */
  get positions(): number {
    return this.passes?.positions ?? 0;
  }

  /**
   * True when a task of `positions` runs at once here, the cluster's rule (actors/src/placement/
   * target-capacity.ts): a batching target with room for it below the knee beside the pass under way
   * (which predicts the next one's company) and the jobs waiting; else a free slot and no queue.
   */
  runsAtOnce(positions: number, asking?: number): boolean {
    // As the cluster's verifiers judge it (actors' placement/target-capacity.ts): a batching target
    // runs what fits below its knee, anything when no session uses it (one that merely sits between
    // two passes of its sessions is not free: they come back within a round trip); another, when idle.
    if (!this.passes) return this.idle;
    return this.passes.hasRoom(positions) || (this.idle && this.sessions(asking) === 0);
  }

  /** Jobs waiting here. */
  get queued(): number {
    return this.prefillQ.live + this.verifyQ.live;
  }

  /** Draft tokens waiting here (verify work not started yet). */
  get queuedDrafts(): number {
    return this.prefillQ.drafts() + this.verifyQ.drafts();
  }

  /** Jobs waiting or running here: the join-shortest-queue load. */
  get load(): number {
    return this.queued + this.runningLive;
  }

  /** True when a slot is free and nothing waits: a new job would start without queueing. */
  get idle(): boolean {
    return this.running.size < this.slots && this.queued === 0;
  }

  /** Forgets a finished session's cache. */
  release(sessionId: number): void {
    this.held.delete(sessionId);
    this.cached.delete(sessionId);
  }

  /** True when this target has seen the session (a job of it queued, running or done here). */
  holds(sessionId: number): boolean {
    return this.held.has(sessionId);
  }

  submit(job: TargetJob): void {
    this.account();
    job.target = this.index;
    job.enqueuedAt = this.sim.now;
    job.state = 'queued';
    // The first job of a session here carries the prompt: it is the prefill.
    job.prefill = !this.held.has(job.sessionId);
    this.held.add(job.sessionId);
    if (this.passes) {
      const held = this.cache === 'prefix' ? heldOf(this.cached, job) : 0;
      job.positions = jobPositions(job, job.prefill, this.cache, held);
      this.passes.queued(job, 1);
    }
    (job.prefill ? this.prefillQ : this.verifyQ).push(job);
    this.stats.maxQueue = Math.max(this.stats.maxQueue, this.queued);
    this.pump();
    this.onLoad?.(this);
  }

  cancel(job: TargetJob): void {
    if (job.state === 'queued') {
      this.account();
      job.state = 'cancelled';
      (job.prefill ? this.prefillQ : this.verifyQ).live--;
      this.passes?.queued(job, -1);
      this.stats.cancelledQueued++;
      // A cancelled prefill leaves no cache behind.
      if (job.prefill) this.held.delete(job.sessionId);
      this.onLoad?.(this);
      return;
    }
    if (job.state !== 'running') return;
    job.state = 'cancelled';
    this.stats.cancelledRunning++;
    this.passes?.cancelledRunning(job);
    for (const b of this.running) {
      if (!b.jobs.includes(job)) continue;
      b.live--;
      this.runningLive--;
      // A window batch stops once every job in it is dead; an accelerator's pass cannot be stopped
      // (the emulated batching target runs it to its end too), so the target stays busy until then.
      if (b.live === 0 && b.positions === undefined) this.stop(b);
      break;
    }
    this.onLoad?.(this);
  }

  /** Closes the queue-depth integral at `now` (call before reading `stats`). */
  account(): void {
    const now = this.sim.now;
    this.stats.queueArea += this.queued * (now - this.lastChange);
    this.lastChange = now;
  }

  /** Starts batches while a slot is free and a batch is due. */
  pump(): void {
    const { passes } = this;
    if (passes) {
      // The pass starts at the end of this instant, so jobs arriving together share it; while fewer
      // wait than the last pass held, it waits up to `gatherMs` for the rest (see batch-pass.ts).
      if (this.running.size === 0 && this.queued > 0 && !passes.due) {
        passes.due = true;
        this.sim.after(0, () => {
          passes.due = false;
          if (this.running.size > 0 || this.queued === 0) return;
          if (this.queued >= passes.lastPassJobs || passes.gatherMs <= 0) this.startPass(passes);
          else if (!passes.gathering) {
            passes.gathering = true;
            const generation = passes.generation;
            this.sim.after(passes.gatherMs, () => {
              if (passes.generation !== generation) return;
              passes.gathering = false;
              if (this.running.size === 0 && this.queued > 0) this.startPass(passes);
            });
          }
        });
      }
      return;
    }
    while (this.running.size < this.slots) {
      const p = this.prefillQ.peek();
      const v = this.verifyQ.peek();
      if (!p && !v) return;
      const q = !v || (p && p.enqueuedAt <= v.enqueuedAt) ? this.prefillQ : this.verifyQ;
      const first = (q === this.prefillQ ? p : v)!;
      const due = first.enqueuedAt + this.windowMs;
      if (q.live < this.maxJobs && due > this.sim.now) {
        // The older queue waits for company; the other may already hold a full batch.
        const other = q === this.prefillQ ? this.verifyQ : this.prefillQ;
        if (other.live >= this.maxJobs) {
          this.start(other);
          continue;
        }
        if (due < this.timerAt) {
          this.timerAt = due;
          this.sim.at(due, this.windowDue, due);
        }
        return;
      }
      this.start(q);
    }
  }

  /** A batching window set for `due` is up (one handler per target: no closure per window). */
  private readonly windowDue = (due: number) => {
    if (this.timerAt === due) this.timerAt = Number.POSITIVE_INFINITY;
    this.pump();
  };

  /** A batch's service time is up. */
  private readonly batchDone = (b: Batch) => this.complete(b);

  private start(q: JobQueue) {
    this.account();
    const jobs: TargetJob[] = [];
    let drafts = 0;
    let prompt = 0;
    // Drafting for fused rounds, batched over the jobs that need it: one draft-model step per token
    // costs about the same for one sequence as for a dozen (a small model is memory-bound), so the
    // phase lasts as long as the job with the most drafts.
    let draftPhase = 0;
    while (jobs.length < this.maxJobs) {
      const job = q.shift();
      if (!job) break;
      job.state = 'running';
      job.startedAt = this.sim.now;
      jobs.push(job);
      drafts += job.drafts;
      prompt += job.promptTokens;
      draftPhase = Math.max(draftPhase, job.serverDraftMs);
    }
    const prefill = q === this.prefillQ;
    // Charge what the cache lacks: a cold job evaluates its whole prefix (prefill) and its drafts; a
    // warm one its fresh positions, the first at tpotMs, each further one at perTokenMs.
    if (this.cache === 'prefix') ({ prompt, drafts } = prefixCharge(this.cached, jobs, prefill));
    const cost =
      draftPhase +
      (prefill
        ? prefillBatchMs(this.latency, jobs.length, prompt, drafts)
        : verifyBatchMs(this.latency, jobs.length, drafts));
    this.stats.draftMs += draftPhase;
    const batch: Batch = { jobs, startedAt: this.sim.now, cost, live: jobs.length, stopped: false };
    this.running.add(batch);
    this.runningLive += jobs.length;
    this.stats.batches++;
    if (prefill) this.stats.prefills += jobs.length;
    this.sim.after(cost, this.batchDone, batch);
  }

  /** A batching target's pass: every waiting job, priced by the roofline over their positions. */
  private startPass(passes: PassLedger) {
    this.account();
    const p = collectPass([this.prefillQ, this.verifyQ], this.sim.now, this.cache, this.cached);
    passes.started(p);
    const cost = p.draftPhase + batchStepMs(passes.profile, p.positions);
    this.stats.draftMs += p.draftPhase;
    this.stats.positions += p.positions;
    this.stats.prefills += p.prefills;
    this.stats.batches++;
    const { jobs, positions } = p;
    const batch: Batch = {
      jobs,
      startedAt: this.sim.now,
      cost,
      positions,
      live: jobs.length,
      stopped: false,
    };
    this.running.add(batch);
    this.runningLive += jobs.length;
    this.sim.after(cost, this.batchDone, batch);
  }

  private complete(b: Batch) {
    if (b.stopped) return;
    this.running.delete(b);
    this.runningLive -= b.live;
    this.stats.busyMs += b.cost;
    const dead = b.jobs.length - b.live;
    if (b.positions === undefined) this.stats.wastedMs += (b.cost * dead) / b.jobs.length;
    else {
      this.passes?.ended();
      let lost = 0;
      for (const job of b.jobs) if (job.state !== 'running') lost += job.positions;
      this.stats.wastedMs += (b.cost * lost) / b.positions;
    }
    for (const job of b.jobs) {
      if (job.state !== 'running') continue;
      job.state = 'done';
      this.stats.jobs++;
      if (this.cache === 'prefix' && job.tokens) this.cached.set(job.sessionId, job.tokens);
      job.onDone(job);
    }
    this.freed();
  }

  /** Preemption: every job of the batch is dead, so the slot stops working on it now. */
  private stop(b: Batch) {
    b.stopped = true;
    this.running.delete(b);
    if (b.positions !== undefined) this.passes?.ended();
    // A prefill stopped halfway leaves no cache behind, as a cancelled queued one does not.
    for (const job of b.jobs) if (job.prefill) this.held.delete(job.sessionId);
    const spent = this.sim.now - b.startedAt;
    this.stats.busyMs += spent;
    this.stats.wastedMs += spent;
    this.freed();
  }

  private freed() {
    this.pump();
    this.onLoad?.(this);
    if (this.idle) this.onIdle?.(this);
  }
}
