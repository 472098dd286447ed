/**
 * Acceptance models: the probability that the target accepts the draft at window position `pos`
 * (0 = first draft of a round), given every earlier draft of the round was accepted.
 *
 * - `iid`: the same `a` at every position (the DSI paper's model: accepted drafts per round are
 *   `min(Geometric(1 - a) - 1, k)`);
 * - `decaying`: `base * decay^pos` (the DSD reference: 0.93 * 0.97^pos, about 78% of a γ = 4 window).
 *
 * @example
 *   const m = createAcceptanceModel({ model: 'decaying', base: 0.93, decay: 0.97 });
 *   m.probability(2); // 0.93 * 0.97² ≈ 0.875
 */
import { ConfigError } from '@specmesh/protocol';
import type { SimRandom } from './sim-random.js';

export type AcceptanceSpec =
  | { readonly model: 'iid'; readonly a: number }
  | { readonly model: 'decaying'; readonly base: number; readonly decay: number };

export interface AcceptanceModel {
  readonly name: string;
  /** Probability of accepting the draft at window position `pos`. */
  probability(pos: number): number;
}

export function createAcceptanceModel(spec: AcceptanceSpec): AcceptanceModel {
  const unit = (field: string, v: number) => {
    if (!(v >= 0 && v <= 1)) throw new ConfigError(`acceptance.${field} must be in [0, 1], got ${v}`);
  };
  if (spec.model === 'iid') {
    unit('a', spec.a);
    return { name: `iid a=${spec.a}`, probability: () => spec.a };
  }
  if (spec.model === 'decaying') {
    unit('base', spec.base);
    unit('decay', spec.decay);
    return {
      name: `decaying ${spec.base}*${spec.decay}^pos`,
      probability: (pos) => spec.base * spec.decay ** pos,
    };
  }
  throw new ConfigError(`acceptance.model must be iid or decaying, got ${(spec as { model: string }).model}`);
}

/**
 * Accepted drafts of a round of `n` drafts: draws position by position and stops at the first
 * rejection. `fromPos` is the window position of the first draft checked (DSI tasks continue a window).
 */
export function sampleAccepted(model: AcceptanceModel, rng: SimRandom, n: number, fromPos = 0): number {
  let accepted = 0;
  while (accepted < n && rng.bernoulli(model.probability(fromPos + accepted))) accepted++;
  return accepted;
}

/** Expected accepted drafts of a round of `n` (Σ over positions of the product of probabilities). */
export function expectedAccepted(model: AcceptanceModel, n: number): number {
  let p = 1;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    p *= model.probability(i);
    sum += p;
  }
  return sum;
}
