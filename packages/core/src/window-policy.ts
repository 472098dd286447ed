/**
 * Window policies pick the draft length `k` (DSD's γ) before each round, behind one interface so that
 * the orchestrator, the simulator and the adaptive controller (AWC) plug in the same way.
 *
 * Baselines from the DSD reference:
 * - `static`: always the same `k`;
 * - `backoff`: `k = 2` after a round with acceptance ≤ 0.25, `8` after ≥ 0.6, else `4`;
 * - `threshold` (SpecDec++-style): the largest `k` in [2, 8] whose probability of at least one
 *   rejection, `1 - a^k` with `a` the recent per-draft acceptance, stays ≤ 0.7;
 * - `awc`: DSD's adaptive window controller, a trained WC-DNN over queue, network, speed,
 *   acceptance and load features with clamping, smoothing, rounding and hysteresis (see awc/);
 *   it may answer 0, a plain target step (no speculation), where a busy target makes drafts cost;
 * - `bandit`: discounted UCB over the windows 0 … 8 on the tokens per ms each round gave
 *   (bandit-policy.ts), a baseline that learns per session without a model.
 *
 * @example
 *   createWindowPolicy({ policy: 'threshold' }).nextWindow({ ...features, acceptance: 0.9 }) // → 8
 */
import { ConfigError } from '@specmesh/protocol';
import type { AwcWeights } from './awc/awc-mlp.js';
import { createAwcPolicy } from './awc/awc-policy.js';
import { shippedAwcWeights } from './awc/shipped-weights.js';
import { createBanditPolicy } from './bandit-policy.js';
import type { WindowPolicy } from './window-features.js';

export type { WindowFeatures, WindowPolicy } from './window-features.js';

export interface WindowPolicySpec {
  /** `static`, `backoff`, `threshold`, `bandit` or `awc`. */
  readonly policy: string;
  /** The static window, and the bounds' default. Defaults to 4. */
  readonly k?: number;
  /** Trained WC-DNN weights, for `awc`. Defaults to the weights shipped with @specmesh/core. */
  readonly weights?: AwcWeights;
}

/** Policies that may answer window 0 (a plain step), so a session must run them in per-round plans. */
export function mayChoosePlainSteps(policy: string): boolean {
  return policy === 'awc' || policy === 'bandit';
}

/** Policies that keep state per session (one instance each); the others may be shared. */
export function isStatefulPolicy(policy: string): boolean {
  return policy === 'awc' || policy === 'bandit';
}

export function createWindowPolicy(spec: WindowPolicySpec): WindowPolicy {
  const k = spec.k ?? 4;
  if (!Number.isInteger(k) || k < 1 || k > 64) throw new ConfigError(`window k must be 1..64, got ${k}`);
  switch (spec.policy) {
    case 'static':
      return { name: 'static', nextWindow: () => k };
    case 'backoff':
      return {
        name: 'backoff',
        nextWindow: (f) => (f.lastAcceptance <= 0.25 ? 2 : f.lastAcceptance >= 0.6 ? 8 : 4),
      };
    case 'threshold':
      return {
        name: 'threshold',
        nextWindow: (f) => {
          const a = Math.min(Math.max(f.acceptance, 0), 1);
          let best = 2;
          for (let g = 2; g <= 8; g++) if (1 - a ** g <= 0.7) best = g;
          return best;
        },
      };
    case 'bandit':
      return createBanditPolicy();
    case 'awc':
      return createAwcPolicy({ weights: spec.weights ?? shippedAwcWeights(), gammaDefault: k });
    default:
      throw new ConfigError(
        `unknown window policy ${spec.policy}; use static, backoff, threshold, bandit or awc`,
      );
  }
}
