/**
 * One drafter: a device running the draft model for the sessions routed to it, `slots` draft jobs at a
 * time, first come first served. A job drafts `n` tokens in a row; a session's first token costs
 * `ttftMs` (its prefill), later ones `tpotMs`.
 *
 * A job can be cancelled (DSI: a rejection kills the draft in progress that extends the rejected
 * token): a queued one is dropped, a running one stops at once and frees its slot, so the session's
 * draft from the corrected prefix does not wait behind a dead one.
 */
import type { DrafterLatency } from './latency-model.js';
import type { Simulation } from './simulation.js';

export type DraftJobState = 'queued' | 'running' | 'done' | 'cancelled';

export interface DraftJob {
  readonly sessionId: number;
  readonly n: number;
  readonly onDone: () => void;
  state: DraftJobState;
  /** The slot running it (running jobs). */
  slot: number;
  /** Drafting time it was charged when it started, and when that was (running jobs). */
  cost: number;
  startedAt: number;
}

export class DrafterServer {
  readonly index: number;
  /** Called when `sessions` changes (a scheduler keeping the least loaded drafter). */
  onSessions: ((drafter: DrafterServer) => void) | undefined;
  private openSessions = 0;
  /** Draft time spent, ms. */
  busyMs = 0;
  private readonly sim: Simulation;
  private readonly latency: DrafterLatency;
  private readonly slots: number;
  /** Jobs waiting, oldest first from `head` (cancelled ones are skipped when reached). */
  private queue: DraftJob[] = [];
  private head = 0;
  private busy = 0;
  /** Sessions prefilled: on the device, or per slot (see the constructor). */
  private readonly started: Set<number>[];
  /** The job on each slot, if any. */
  private readonly onSlot: (DraftJob | undefined)[];

  /**
   * @param prefillPerSlot each slot holds sessions' prefixes of its own (instances, as pre-drafters
   * are: a session's first job on each prefills it), not one cache for the device.
   */
  constructor(sim: Simulation, index: number, latency: DrafterLatency, slots = 1, prefillPerSlot = false) {
    this.sim = sim;
    this.index = index;
    this.latency = latency;
    this.slots = slots;
    this.started = Array.from({ length: prefillPerSlot ? slots : 1 }, () => new Set<number>());
    this.onSlot = new Array<DraftJob | undefined>(slots).fill(undefined);
  }

  /** Sessions routed here and not finished (the scheduler's join-shortest-queue load). */
  get sessions(): number {
    return this.openSessions;
  }

  /** A session starts here. */
  open(): void {
    this.openSessions++;
    this.onSessions?.(this);
  }

  /** A session routed here ended. */
  close(): void {
    this.openSessions--;
    this.onSessions?.(this);
  }

  /** Drafts `n` tokens for a session; `onDone` runs when they are ready, unless the job is cancelled. */
  draft(sessionId: number, n: number, onDone: () => void): DraftJob {
    const job: DraftJob = { sessionId, n, onDone, state: 'queued', slot: 0, cost: 0, startedAt: 0 };
    this.queue.push(job);
    this.pump();
    return job;
  }

  /** Drops a queued job, or stops a running one now (its slot frees, the unspent time is not charged). */
  cancel(job: DraftJob): void {
    if (job.state === 'queued') {
      job.state = 'cancelled';
      return;
    }
    if (job.state !== 'running') return;
    job.state = 'cancelled';
    this.busyMs -= job.cost - (this.sim.now - job.startedAt);
    this.busy--;
    this.onSlot[job.slot] = undefined;
    this.pump();
  }

  /** The session ended: its next draft is a fresh prefill. */
  forget(sessionId: number): void {
    for (const s of this.started) s.delete(sessionId);
  }

  /** A job's drafting time is up (one handler for every job: no closure per draft). */
  private readonly finished = (job: DraftJob) => {
    if (job.state !== 'running') return; // cancelled: its slot was freed then
    job.state = 'done';
    this.busy--;
    this.onSlot[job.slot] = undefined;
    job.onDone();
    this.pump();
  };

  private pump() {
    while (this.busy < this.slots && this.head < this.queue.length) {
      const job = this.queue[this.head++]!;
      if (job.state !== 'queued') continue;
      // The lowest free slot (the virtual runner's rule for pre-drafter instances).
      const slot = this.onSlot.indexOf(undefined);
      const started = this.started[this.started.length > 1 ? slot : 0]!;
      let cost = 0;
      for (let i = 0; i < job.n; i++) {
        const first = !started.has(job.sessionId);
        if (first) started.add(job.sessionId);
        cost += first ? this.latency.ttftMs : this.latency.tpotMs;
      }
      job.slot = slot;
      this.onSlot[slot] = job;
      job.state = 'running';
      job.cost = cost;
      job.startedAt = this.sim.now;
      this.busy++;
      this.busyMs += cost;
      this.sim.after(cost, this.finished, job);
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
