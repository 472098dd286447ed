/**
 * The one mapping from what any window policy is handed (`WindowFeatures`: the simulator and the live
 * drafter fill the same record) to AWC's raw observation, and a feature source that applies it and
 * keeps the drafter-target pair's histories. The AWC policy decides from this source and the oracle
 * labeller records from it, so a trained network sees in use exactly the features it was trained on.
 *
 * @example
 *   const src = new AwcFeatureSource();
 *   src.observe({ acceptance: 0.8, lastAcceptance: 1, lastWindow: 4, queueUtil: 0.5, rttMs: 20 })
 *   // → Float64Array(14) [0.5, 0, 0, 0.667, 0, 0, 0, 1, 0.8, 0.5, 0, 0, 0, 0]
 */
import type { WindowFeatures } from '../window-features.js';
import { AWC_FEATURES, AwcFeatureTracker, type AwcObservation, type AwcScales } from './awc-features.js';

/**
 * The raw observation behind `f`. Fields a caller leaves out read as 0, except the drafter's
 * capability, which reads as 1 (a drafter nothing is known about is taken as a full-speed one).
 */
export function awcObservationOf(f: WindowFeatures, batchSize = 12): AwcObservation {
  return {
    queueLength: (f.queueUtil ?? 0) * batchSize,
    pendingVerifyTokens: f.pendingVerifyTokens ?? 0,
    rttMs: f.rttMs ?? 0,
    tpotMs: f.tpotMs ?? 0,
    drafterCapability: f.drafterCapability ?? 1,
    acceptance: f.acceptance,
    lastGamma: f.lastWindow,
    promptTokens: f.contextTokens ?? 0,
    ...(f.round ? { round: f.round } : {}),
  };
}

/** `WindowFeatures` → AWC feature vector, with the histories of one drafter-target pair. */
export class AwcFeatureSource {
  private readonly batch: number;
  private readonly tracker: AwcFeatureTracker;

  constructor(scales: AwcScales = {}) {
    this.batch = scales.batchSize ?? 12;
    this.tracker = new AwcFeatureTracker(scales);
  }

  /**
   * The features of this decision (shape `[AWC_FEATURES]`), written into `out` when given; records
   * the observation in the histories, so call it exactly once per decision.
   */
  observe(f: WindowFeatures, out: Float64Array = new Float64Array(AWC_FEATURES)): Float64Array {
    return this.tracker.observe(awcObservationOf(f, this.batch), out);
  }
}
