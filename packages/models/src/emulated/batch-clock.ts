/**
 * The timing of a batching accelerator: continuous batching at pass granularity, with the cost of a
 * pass from `batchStepMs` (the one roofline the simulator and the planner read too).
 *
 * Rule: when no pass runs and steps wait, a pass starts holding every waiting step; it lasts
 * `batchStepMs(profile, Σ positions)` (times a jitter factor) and all its steps end together when it
 * ends. Steps that arrive during a pass wait for the next one. A pass starts at the end of the current
 * event-loop turn (`setImmediate`), so steps issued together (one `Promise.all`, worker messages
 * delivered together) share it. Waiting is a timer, never a busy loop.
 *
 * Gathering: while fewer steps wait than the last pass held, the next pass waits for the rest, at
 * most twice the spread in which they came back lately (smoothed), within [`gatherMs`, a quarter of a
 * pass]. The sessions of a pass get their results together and come back a round trip later, a
 * little apart; without it the first back would start a pass alone and the others wait a whole pass
 * for the next, so sessions that should share every pass alternate and each pays two.
 *
 * @example
 *   // profile { baseMs: 30, perPositionMs: 0.15, kneePositions: 32 }
 *   // t = 0:  A (1 position) and B (5 positions, a verification of 4 drafts) arrive
 *   //         → pass 1 holds A and B: 6 positions, 30 + 0.15 × 5 = 30.75 ms
 *   // t = 10: C (1 position) arrives and waits
 *   // t = 30.75: A and B resolve; pass 2 starts with C: 30 ms, C resolves at 60.75
 */

import { performance } from 'node:perf_hooks';
import { type BatchCostProfile, batchStepMs, validateBatchCost } from '@specmesh/core';
import { CancelledError } from '@specmesh/protocol';

/** Counters since the clock was made. */
export interface PassStats {
  /** Passes run. */
  readonly passes: number;
  /** Positions evaluated, summed over passes. */
  readonly positions: number;
  /** Steps served by a pass (including steps aborted while their pass ran). */
  readonly steps: number;
}

interface Waiting {
  readonly positions: number;
  resolve(): void;
  detach(): void;
}

export class BatchClock {
  private waiting: Waiting[] = [];
  private busy = false;
  private scheduled = false;
  private passes = 0;
  private positions = 0;
  private steps = 0;
  /** Steps the last pass held: how many are expected back. */
  private lastPassSteps = 0;
  private gathering: NodeJS.Timeout | undefined;
  /** When the first step waiting for the next pass arrived (while gathering). */
  private firstWaitingAt = 0;
  /** Smoothed spread in which the steps of a pass came back, ms. */
  private spreadMs = 0;

  /**
   * `factor` draws the jitter factor of each pass (1 for none). `gatherMs`: the shortest longest-wait
   * for the steps of the last pass to come back; defaults to 5% of a pass at most 2 ms (0 turns
   * gathering off).
   */
  constructor(
    readonly profile: BatchCostProfile,
    private readonly factor: () => number = () => 1,
    readonly gatherMs: number = Math.min(2, 0.05 * profile.baseMs),
  ) {
    validateBatchCost(profile);
  }

  get stats(): PassStats {
    return { passes: this.passes, positions: this.positions, steps: this.steps };
  }

  /**
   * Resolves when the pass holding this step of `positions` ends. An abort while waiting takes the
   * step out of the queue (it costs nothing); an abort during its pass rejects at once, and the pass
   * runs on for the other steps. Either rejects with `CancelledError`.
   */
  step(positions: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new CancelledError('evaluation cancelled'));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiting.indexOf(w);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new CancelledError('evaluation cancelled'));
      };
      const w: Waiting = {
        positions: Math.max(1, positions),
        resolve,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(w);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.busy || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.busy || this.waiting.length === 0) return;
      if (this.waiting.length >= this.lastPassSteps || this.gatherMs <= 0) {
        // Everyone is back: how far apart they came tells how long to wait for them next time.
        if (this.gathering) this.observeSpread(performance.now() - this.firstWaitingAt);
        this.startPass();
      } else if (!this.gathering) {
        this.firstWaitingAt = performance.now();
        const limit = Math.max(this.gatherMs, Math.min(this.profile.baseMs / 4, 2 * this.spreadMs));
        this.gathering = setTimeout(() => {
          this.gathering = undefined;
          // Not all back in time: they may come back farther apart than measured (or have ended).
          this.observeSpread(1.5 * limit);
          this.startPass();
        }, limit);
      }
    });
  }

  private observeSpread(ms: number): void {
    this.spreadMs += (ms - this.spreadMs) / 4;
  }

  private startPass(): void {
    if (this.gathering) clearTimeout(this.gathering);
    this.gathering = undefined;
    if (this.busy || this.waiting.length === 0) return;
    const pass = this.waiting;
    this.lastPassSteps = pass.length;
    this.waiting = [];
    this.busy = true;
    const positions = pass.reduce((s, w) => s + w.positions, 0);
    this.passes++;
    this.positions += positions;
    this.steps += pass.length;
    const ms = batchStepMs(this.profile, positions) * this.factor();
    setTimeout(() => {
      this.busy = false;
      // A step aborted during the pass has rejected already; resolving it again is a no-op.
      for (const w of pass) {
        w.detach();
        w.resolve();
      }
      this.schedule();
    }, ms);
  }
}
