/** Counters of one target (target-server.ts). */

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
  /** Positions evaluated by passes (batching targets; 0 otherwise). */
  positions: number;
}

/** Counters at zero. */
export function newTargetStats(): TargetStats {
  return {
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
    positions: 0,
  };
}
