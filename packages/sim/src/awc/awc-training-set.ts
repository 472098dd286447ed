/**
 * From labelled decisions to what the trainer regresses on, and how good a window choice is on them.
 *
 * Each decision's costs are one realisation: the forced session's acceptances and the moment its
 * neighbours' chunks land make one window look best by a few percent where another would be on
 * another day. What a policy can act on is the expected cost given the features, so the target of a
 * sample is the action with the best mean value over its `neighbours` nearest samples in feature
 * space (itself included), values taken relative to each sample's own best action (`actionValue`).
 * Regressing straight on the per-sample best instead averages windows that are good for opposite
 * reasons (fused 1 and distributed 6 average to 3, which neither state wants). Neighbours are sought
 * among the samples of the same condition (the same network and load, which the features tell apart
 * anyway), on features scaled to unit variance: O(n²/conditions) work.
 *
 * Loss weight: how far that best mean value stands above the mean over all actions, over 5%, clipped
 * to [0.05, 1]. Where every window does about as well, the target is a coin toss between near-equals
 * and should not pull the regression as hard as a state where a wrong window costs 20%.
 */
import { AWC_FEATURES, type AwcTrainingSet } from '@specmesh/core';
import type { AwcDataset, AwcSample } from './awc-dataset.js';
import type { AwcObjective } from './oracle-costs.js';

/**
 * Value of action index `a` at sample `s` relative to the oracle's best there, in (0, 1]: tokens per
 * second over the best's (throughput), or the best's time per token over its own (latency).
 */
export function actionValue(
  s: AwcSample,
  a: number,
  objective: AwcObjective,
  actions: readonly number[],
): number {
  const b = actions.indexOf(s.best[objective]);
  if (objective === 'throughput') {
    const best = s.costs.targetTokPerSec[b]!;
    return best > 0 ? s.costs.targetTokPerSec[a]! / best : 1;
  }
  const own = s.costs.latencyMsPerToken[a]!;
  return own > 0 ? s.costs.latencyMsPerToken[b]! / own : 1;
}

export interface AwcTrainingSetOptions {
  readonly objective: AwcObjective;
  /** Samples whose values set each target. Defaults to 64. */
  readonly neighbours?: number;
}

export function awcTrainingSet(d: AwcDataset, o: AwcTrainingSetOptions): AwcTrainingSet {
  const { samples, header } = d;
  const actions = header.actions;
  const A = actions.length;
  const F = AWC_FEATURES;
  const n = samples.length;
  const k = Math.max(1, o.neighbours ?? 64);
  // Shape [n × F]: features scaled to zero mean and unit variance, for the distances.
  const z = new Float64Array(n * F);
  const mean = new Float64Array(F);
  const sd = new Float64Array(F);
  samples.forEach((s) => {
    for (let j = 0; j < F; j++) mean[j]! += s.features[j]! / n;
  });
  samples.forEach((s) => {
    for (let j = 0; j < F; j++) sd[j]! += (s.features[j]! - mean[j]!) ** 2 / n;
  });
  samples.forEach((s, i) => {
    for (let j = 0; j < F; j++)
      z[i * F + j] = sd[j]! > 0 ? (s.features[j]! - mean[j]!) / Math.sqrt(sd[j]!) : 0;
  });
  // Shape [n × A]: each sample's value of each action.
  const value = new Float64Array(n * A);
  samples.forEach((s, i) => {
    for (let a = 0; a < A; a++) value[i * A + a] = actionValue(s, a, o.objective, actions);
  });
  const byCondition = new Map<number, number[]>();
  samples.forEach((s, i) => {
    const list = byCondition.get(s.condition) ?? [];
    list.push(i);
    byCondition.set(s.condition, list);
  });

  const features = new Float64Array(n * F);
  const targets = new Float64Array(n);
  const weights = new Float64Array(n);
  const sum = new Float64Array(A);
  for (const members of byCondition.values()) {
    const dist = new Float64Array(members.length);
    const order = new Uint32Array(members.length);
    for (const i of members) {
      members.forEach((j, m) => {
        let q = 0;
        for (let f = 0; f < F; f++) q += (z[i * F + f]! - z[j * F + f]!) ** 2;
        dist[m] = q;
        order[m] = m;
      });
      order.sort((x, y) => dist[x]! - dist[y]! || x - y);
      sum.fill(0);
      const take = Math.min(k, members.length);
      for (let m = 0; m < take; m++) {
        const j = members[order[m]!]!;
        for (let a = 0; a < A; a++) sum[a]! += value[j * A + a]!;
      }
      let best = 0;
      let total = 0;
      for (let a = 0; a < A; a++) {
        total += sum[a]!;
        if (sum[a]! > sum[best]!) best = a;
      }
      features.set(samples[i]!.features, i * F);
      targets[i] = actions[best]!;
      weights[i] = Math.min(1, Math.max(0.05, (sum[best]! / (total / A) - 1) / 0.05));
    }
  }
  return { inputs: F, features, targets, weights };
}

/** Mean value (`actionValue`) of choosing `choose(features)` at the samples `indices`. */
export function policyValue(
  d: AwcDataset,
  indices: ArrayLike<number>,
  choose: (features: readonly number[]) => number,
  objective: AwcObjective,
): number {
  const actions = d.header.actions;
  let v = 0;
  for (let i = 0; i < indices.length; i++) {
    const s = d.samples[indices[i]!]!;
    const a = actions.indexOf(choose(s.features));
    v += a < 0 ? 0 : actionValue(s, a, objective, actions);
  }
  return indices.length > 0 ? v / indices.length : 0;
}
