/**
 * The features of DSD's adaptive window controller (AWC), computed the same way wherever a decision
 * is taken (simulator or live drafter): a fixed-length vector of normalised figures about the target's
 * queue, the network, the target's speed, the drafter and the request.
 *
 * | i | feature | from |
 * |---|---|---|
 * | 0 | queue_util = queue length / batch size | the target pool's load |
 * | 1 | queue_trend = queue_util − mean of the previous 3 | history |
 * | 2 | pending_norm = pending verify tokens / (batch size · γ_default), clipped to [0, 2] | the target pool's load |
 * | 3 | rtt_avg_norm = mean of the last 3 RTTs / 30 ms | measured round trips |
 * | 4 | rtt_delta = (last − previous RTT) / 30 ms | history |
 * | 5 | tpot_avg_norm = mean of the last 3 TPOTs / 15 ms | measured time per output token |
 * | 6 | tpot_delta = (last − previous TPOT) / 15 ms | history |
 * | 7 | drafter_capability (0..1, the drafter's relative speed) | configuration |
 * | 8 | acceptance_recent (0..1) | the orchestrator's acceptance EMA |
 * | 9 | last_gamma / γ_max | the last decision |
 * | 10 | context = prompt length / 2048 | the request |
 * | 11 | speculation_gain (awc-load-features.ts) | the target's load through the auto mode's cost model |
 * | 12 | compute_bound | the same |
 * | 13 | batch_fill | the target's heartbeat |
 *
 * One tracker per drafter-target pair keeps the short histories; it writes into a caller-owned
 * Float64Array, so a decision allocates nothing.
 */

import type { RoundView } from '../auto/round-choice.js';
import { AWC_LOAD_FEATURES, writeLoadFeatures } from './awc-load-features.js';

/** Features of DSD's reference (queue, network, speed, acceptance, request). */
const DSD_FEATURES = 11;

/** Number of AWC features: DSD's and the load features. */
export const AWC_FEATURES = DSD_FEATURES + AWC_LOAD_FEATURES;

/** What a decision point measures (raw units). */
export interface AwcObservation {
  /** Verification jobs queued at the target pool. */
  readonly queueLength: number;
  /** Verify tokens waiting at the target pool. */
  readonly pendingVerifyTokens: number;
  /** Last measured round trip drafter → target → drafter, ms. */
  readonly rttMs: number;
  /** Last measured target time per output token, ms. */
  readonly tpotMs: number;
  /** The drafter's relative speed, 0..1. */
  readonly drafterCapability: number;
  /** Recent per-draft acceptance, 0..1. */
  readonly acceptance: number;
  /** The window chosen last. */
  readonly lastGamma: number;
  /** Prompt length, tokens. */
  readonly promptTokens: number;
  /** The target's load as the `auto` mode sees it; undefined when unknown (load features read 0). */
  readonly round?: RoundView;
}

/** Normalisation constants of the reference (dsd.json). */
export interface AwcScales {
  /** Target batch size (jobs). Defaults to 12. */
  readonly batchSize?: number;
  /** Default window. Defaults to 4. */
  readonly gammaDefault?: number;
  /** Largest window. Defaults to 8. */
  readonly gammaMax?: number;
}

const HISTORY = 3;

/** Short histories of one drafter-target pair, and the feature computation. */
export class AwcFeatureTracker {
  private readonly batch: number;
  private readonly gammaDefault: number;
  private readonly gammaMax: number;
  // Ring buffers of the last HISTORY values (queue utilisation, RTT, TPOT).
  private readonly queue = new Float64Array(HISTORY);
  private readonly rtt = new Float64Array(HISTORY);
  private readonly tpot = new Float64Array(HISTORY);
  private seen = 0;

  constructor(scales: AwcScales = {}) {
    this.batch = scales.batchSize ?? 12;
    this.gammaDefault = scales.gammaDefault ?? 4;
    this.gammaMax = scales.gammaMax ?? 8;
  }

  /**
   * Writes the features of `o` into `out[0, AWC_FEATURES)` and records `o` in the histories.
   * Trends and deltas are 0 until there is a previous observation.
   */
  observe(o: AwcObservation, out: Float64Array): Float64Array {
    const queueUtil = o.queueLength / this.batch;
    const n = Math.min(this.seen, HISTORY);
    const slot = this.seen % HISTORY;
    const prev = (this.seen + HISTORY - 1) % HISTORY;
    let queueMean = 0;
    for (let i = 0; i < n; i++) queueMean += this.queue[i]!;
    queueMean = n > 0 ? queueMean / n : queueUtil;
    const prevRtt = n > 0 ? this.rtt[prev]! : o.rttMs;
    const prevTpot = n > 0 ? this.tpot[prev]! : o.tpotMs;
    this.queue[slot] = queueUtil;
    this.rtt[slot] = o.rttMs;
    this.tpot[slot] = o.tpotMs;
    this.seen++;
    const m = Math.min(this.seen, HISTORY);
    let rttMean = 0;
    let tpotMean = 0;
    for (let i = 0; i < m; i++) {
      rttMean += this.rtt[i]!;
      tpotMean += this.tpot[i]!;
    }
    out[0] = queueUtil;
    out[1] = queueUtil - queueMean;
    out[2] = Math.min(2, Math.max(0, o.pendingVerifyTokens / (this.batch * this.gammaDefault)));
    out[3] = rttMean / m / 30;
    out[4] = (o.rttMs - prevRtt) / 30;
    out[5] = tpotMean / m / 15;
    out[6] = (o.tpotMs - prevTpot) / 15;
    out[7] = o.drafterCapability;
    out[8] = o.acceptance;
    out[9] = o.lastGamma / this.gammaMax;
    out[10] = o.promptTokens / 2048;
    writeLoadFeatures(o.round, out, DSD_FEATURES);
    return out;
  }
}
