/**
 * The labelling runs' default behaviour policy: it keeps the window it used last and, at a share of
 * decisions, jumps to a random allowed window. Windows then persist for a few rounds, as AWC's
 * smoothed choices do, while every window (fused included) is visited in every kind of state, so the
 * labelled decisions cover the states AWC itself will meet. The choice is a hash of (seed, request,
 * decision index): the same decision gets the same window in every replay.
 */
import { hashTokens } from '@specmesh/core';
import type { WindowDecision } from './window-observation.js';

export interface ExplorePolicyOptions {
  /** Share of decisions that jump. Defaults to 0.3. */
  readonly jump?: number;
  readonly allowed: readonly number[];
  readonly seed: number;
}

export function explorePolicy(o: ExplorePolicyOptions): (d: WindowDecision) => number {
  const jump = o.jump ?? 0.3;
  const key = new Uint32Array(3);
  return (d) => {
    key[0] = d.requestId;
    key[1] = d.index;
    key[2] = 1;
    if (hashTokens(key, 3, 3, o.seed) / 4294967296 >= jump) return d.features.lastWindow;
    key[2] = 2;
    return o.allowed[hashTokens(key, 3, 3, o.seed) % o.allowed.length]!;
  };
}
