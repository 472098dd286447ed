/**
 * One drafter: a device running the draft model for the sessions routed to it, `slots` draft jobs at a
 * time, first come first served. A job drafts `n` tokens in a row; a session's first token costs
 * `ttftMs` (its prefill), later ones `tpotMs`.
 */
import type { DrafterLatency } from './latency-model.js';
import type { Simulation } from './simulation.js';

interface DraftJob {
  readonly sessionId: number;
  readonly n: number;
  readonly onDone: () => void;
}

export class DrafterServer {
  readonly index: number;
  /** Sessions routed here and not finished (the scheduler's join-shortest-queue load). */
  sessions = 0;
  /** Draft time spent, ms. */
  busyMs = 0;
  private readonly sim: Simulation;
  private readonly latency: DrafterLatency;
  private readonly slots: number;
  private readonly queue: DraftJob[] = [];
  private busy = 0;
  private readonly started = new Set<number>();

  constructor(sim: Simulation, index: number, latency: DrafterLatency, slots = 1) {
    this.sim = sim;
    this.index = index;
    this.latency = latency;
    this.slots = slots;
  }

  /** Drafts `n` tokens for a session; `onDone` runs when they are ready. */
  draft(sessionId: number, n: number, onDone: () => void): void {
    this.queue.push({ sessionId, n, onDone });
    this.pump();
  }

  /** The session ended: its next draft is a fresh prefill. */
  forget(sessionId: number): void {
    this.started.delete(sessionId);
  }

  private pump() {
    while (this.busy < this.slots && this.queue.length > 0) {
      const job = this.queue.shift()!;
      let cost = 0;
      for (let i = 0; i < job.n; i++) {
        const first = !this.started.has(job.sessionId);
        if (first) this.started.add(job.sessionId);
        cost += first ? this.latency.ttftMs : this.latency.tpotMs;
      }
      this.busy++;
      this.busyMs += cost;
      this.sim.after(cost, () => {
        this.busy--;
        job.onDone();
        this.pump();
      });
    }
  }
}
