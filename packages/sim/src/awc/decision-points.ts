/**
 * Chooses the decisions of a base run to label together in one set of replays: the first decision on
 * each target within a short slice of virtual time [from, to). Forcing a point changes its target's
 * queue at once, but reaches another target only through what happens later (a new request placed
 * differently, a client returning sooner), so points decided within a few milliseconds of each other
 * on different targets are each met in their base-run state. The replays check that they were.
 */
import type { BaseDecision } from './oracle-replay.js';

export interface Slice {
  /** Virtual time the slice starts, ms. */
  readonly from: number;
  /** Virtual time it ends (exclusive), ms. */
  readonly to: number;
}

export function chooseDecisionPoints(decisions: readonly BaseDecision[], slice: Slice): BaseDecision[] {
  const taken = new Set<number>();
  const chosen: BaseDecision[] = [];
  for (const d of decisions) {
    if (d.at < slice.from || d.at >= slice.to || d.target < 0 || taken.has(d.target)) continue;
    taken.add(d.target);
    chosen.push(d);
  }
  return chosen;
}
