/**
 * What a window policy is handed before each round, and the policy interface itself. Kept apart from
 * window-policy.ts (which builds policies, AWC among them) so that AWC's own modules can name these
 * types without importing the module that imports them.
 */
import type { RoundView } from './auto/round-choice.js';

/** What a policy may look at. Fields follow DSD's AWC features; unknown ones are 0. */
export interface WindowFeatures {
  /** Recent per-draft acceptance (EMA), 0..1. */
  readonly acceptance: number;
  /** Acceptance of the last round alone. */
  readonly lastAcceptance: number;
  /** The window used last (0: the last round was a plain step). */
  readonly lastWindow: number;
  /** Target queue length over batch size. */
  readonly queueUtil?: number;
  /** Round-trip time to the target, ms. */
  readonly rttMs?: number;
  /** Target time per output token, ms. */
  readonly tpotMs?: number;
  /** Prompt length in tokens. */
  readonly contextTokens?: number;
  /** Verify tokens waiting at the target pool. */
  readonly pendingVerifyTokens?: number;
  /** The drafter's relative speed, 0..1. */
  readonly drafterCapability?: number;
  /**
   * The target as the `auto` mode sees it (heartbeats in the cluster, virtual state in the simulator):
   * its pass cost or solo step, the sessions sharing it, the session's acceptance, draft speed and
   * round trip. Load-aware policies (AWC's load features) read the roofline from it.
   */
  readonly round?: RoundView;
  /** The decision's time, ms (wall clock in the cluster, virtual in the simulator). */
  readonly nowMs?: number;
  /** Output tokens the session has committed so far. */
  readonly committed?: number;
}

export interface WindowPolicy {
  readonly name: string;
  /** The next round's window: 0 is a plain target step (no speculation), 1 or more drafts otherwise. */
  nextWindow(features: WindowFeatures): number;
}
