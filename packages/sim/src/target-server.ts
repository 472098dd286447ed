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
 */
import { prefillBatchMs, type TargetLatency, verifyBatchMs } from './latency-model.js';
import type { Simulation } from './simulation.js';
import type { TargetJob } from './target-job.js';

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
  readonly cache?: 'session' | 'prefix';
}

interface Batch {
  readonly jobs: TargetJob[];
  readonly startedAt: number;
  readonly cost: number;
  live: number;
  stopped: boolean;
}

/** Counters of one target. */
export interface TargetStats {
  batches: number;
  jobs: number;
  prefills: number;
  /** Slot-time spent serving batches, ms. */
  busyMs: number;
  /** Part of `busyMs` spent on jobs that were cancelled (preempted work), ms. */
  wastedMs: number;
  /** Part of `busyMs` spent drafting for fused rounds (`TargetJob.serverDraftMs`), ms. */
  draftMs: number;
  cancelledQueued: number;
  cancelledRunning: number;
  /** ∫ queued jobs dt, for the time-averaged queue depth. */
  queueArea: number;
  maxQueue: number;
}

class JobQueue {
  private items: TargetJob[] = [];
  private head = 0;
  live = 0;

  push(job: TargetJob) {
    this.items.push(job);
    this.live++;
  }

  /** Oldest job still queued, skipping cancelled ones. */
  peek(): TargetJob | undefined {
    while (this.head < this.items.length && this.items[this.head]!.state !== 'queued') this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return this.items[this.head];
  }

  /** Draft tokens of the jobs still queued. */
  drafts(): number {
    let n = 0;
    for (let i = this.head; i < this.items.length; i++)
      if (this.items[i]!.state === 'queued') n += this.items[i]!.drafts;
    return n;
  }

  shift(): TargetJob | undefined {
    const job = this.peek();
    if (job) {
      this.head++;
      this.live--;
    }
    return job;
  }
}

export class TargetServer {
  readonly index: number;
  readonly stats: TargetStats = {
    batches: 0,
    jobs: 0,
    prefills: 0,
    busyMs: 0,
    wastedMs: 0,
    draftMs: 0,
    cancelledQueued: 0,
    cancelledRunning: 0,
    queueArea: 0,
    maxQueue: 0,
  };
  /** Called when a slot frees while nothing is queued here (a shared pool may hand over work). */
  onIdle: ((target: TargetServer) => void) | undefined;
  private readonly sim: Simulation;
  private readonly latency: TargetLatency;
  private readonly slots: number;
  private readonly windowMs: number;
  private readonly maxJobs: number;
  private readonly prefillQ = new JobQueue();
  private readonly verifyQ = new JobQueue();
  private readonly held = new Set<number>();
  private readonly cache: 'session' | 'prefix';
  /** `cache: prefix`: the tokens each session's last job left in this target's cache. */
  private readonly cached = new Map<number, Uint32Array>();
  private readonly running = new Set<Batch>();
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
    let running = 0;
    for (const b of this.running) running += b.live;
    return this.queued + running;
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
    (job.prefill ? this.prefillQ : this.verifyQ).push(job);
    this.stats.maxQueue = Math.max(this.stats.maxQueue, this.queued);
    this.pump();
  }

  cancel(job: TargetJob): void {
    if (job.state === 'queued') {
      this.account();
      job.state = 'cancelled';
      (job.prefill ? this.prefillQ : this.verifyQ).live--;
      this.stats.cancelledQueued++;
      // A cancelled prefill leaves no cache behind.
      if (job.prefill) this.held.delete(job.sessionId);
      return;
    }
    if (job.state !== 'running') return;
    job.state = 'cancelled';
    this.stats.cancelledRunning++;
    for (const b of this.running) {
      if (!b.jobs.includes(job)) continue;
      b.live--;
      if (b.live === 0) this.stop(b);
      break;
    }
  }

  /** Closes the queue-depth integral at `now` (call before reading `stats`). */
  account(): void {
    const now = this.sim.now;
    this.stats.queueArea += this.queued * (now - this.lastChange);
    this.lastChange = now;
  }

  /** Starts batches while a slot is free and a batch is due. */
  pump(): void {
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
          this.sim.at(due, () => {
            if (this.timerAt === due) this.timerAt = Number.POSITIVE_INFINITY;
            this.pump();
          });
        }
        return;
      }
      this.start(q);
    }
  }

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
    if (this.cache === 'prefix') {
      // Charge what the cache lacks: a cold job evaluates its whole prefix (prefill) and its drafts; a
      // warm one its fresh positions, the first at tpotMs, each further one at perTokenMs. The cache
      // keeps the common prefix now (a diverging tail is dropped) and the whole sequence once done.
      prompt = 0;
      drafts = 0;
      for (const job of jobs) {
        if (!job.tokens) throw new Error(`job ${job.taskId} carries no tokens for a prefix cache`);
        const held = this.cached.get(job.sessionId);
        let common = 0;
        if (held)
          while (common < held.length && common < job.tokens.length && held[common] === job.tokens[common])
            common++;
        if (held) this.cached.set(job.sessionId, held.subarray(0, common));
        if (prefill) {
          prompt += job.tokens.length - job.drafts - Math.min(common, job.tokens.length - job.drafts);
          drafts += job.drafts;
        } else drafts += Math.max(1, job.tokens.length - common) - 1;
      }
    }
    const cost =
      draftPhase +
      (prefill
        ? prefillBatchMs(this.latency, jobs.length, prompt, drafts)
        : verifyBatchMs(this.latency, jobs.length, drafts));
    this.stats.draftMs += draftPhase;
    const batch: Batch = { jobs, startedAt: this.sim.now, cost, live: jobs.length, stopped: false };
    this.running.add(batch);
    this.stats.batches++;
    if (prefill) this.stats.prefills += jobs.length;
    this.sim.after(cost, () => this.complete(batch));
  }

  private complete(b: Batch) {
    if (b.stopped) return;
    this.running.delete(b);
    this.stats.busyMs += b.cost;
    const dead = b.jobs.length - b.live;
    this.stats.wastedMs += (b.cost * dead) / b.jobs.length;
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
    // A prefill stopped halfway leaves no cache behind, as a cancelled queued one does not.
    for (const job of b.jobs) if (job.prefill) this.held.delete(job.sessionId);
    const spent = this.sim.now - b.startedAt;
    this.stats.busyMs += spent;
    this.stats.wastedMs += spent;
    this.freed();
  }

  private freed() {
    this.pump();
    if (this.idle) this.onIdle?.(this);
  }
}
