/**
 * Oracle labelling of AWC decisions by deterministic counterfactual replay. For each condition of the
 * sweep and each of a series of seeds:
 *
 * 1. a base run of the (resized) scenario, per-round fused mode on, records every window decision;
 * 2. a sparse set of those decisions is chosen (`chooseDecisionPoints`);
 * 3. one replay per action forces all chosen points to that action for `horizonTokens` tokens,
 *    every other decision following the behaviour policy; the simulator being deterministic for its
 *    seed, each replay is the base run up to its first forced point;
 * 4. a point is kept when every replay reached it in exactly the base run's state (time, target,
 *    feature vector): the state an earlier point's forced action had disturbed would compare the
 *    actions from different starting points;
 * 5. the kept points get their per-action costs and the best action under both objectives.
 *
 * Cost: (actions + 1) runs per seed, each labelling dozens of points at once.
 *
 * @example
 *   const { header, samples } = labelAwc({ scenario, samples: 2000, seed: 1 });
 */
import { AWC_ALLOWED_WINDOWS, AWC_FEATURES, type AwcWeights, Rng } from '@specmesh/core';
import { ConfigError } from '@specmesh/protocol';
import type { Scenario } from '../scenario-schema.js';
import {
  AWC_TRAINING_LOAD_SCALES,
  AWC_TRAINING_RTT_SCALES,
  type AwcCondition,
  adaptiveScenario,
  conditionGrid,
  conditionScenario,
  resizeScenario,
} from './awc-conditions.js';
import {
  AWC_DATASET_FORMAT,
  type AwcConditionSummary,
  type AwcDataset,
  type AwcSample,
} from './awc-dataset.js';
import { chooseDecisionPoints } from './decision-points.js';
import { explorePolicy } from './explore-policy.js';
import { type AwcObjective, actionCosts, bestActionIndex, type SloOptions } from './oracle-costs.js';
import {
  type BaseDecision,
  type PointMeasure,
  type ReplayOptions,
  recordDecisions,
  replayForced,
} from './oracle-replay.js';

/** Behaviour policies: `explore` (see explore-policy.ts) or a window policy of the scenario schema. */
export type AwcBehaviour = 'explore' | 'static' | 'backoff' | 'threshold' | 'awc';

export interface AwcLabelOptions {
  /** The scenario to label (e.g. dsd-gsm8k); its window settings are replaced. */
  readonly scenario: Scenario;
  /** Samples to keep in all, spread evenly over the conditions. Defaults to 2000. */
  readonly samples?: number;
  /** Defaults to the reference sweep (RTT × 0.5 … 20, load × 0.6, 1, 1.3). */
  readonly conditions?: readonly AwcCondition[];
  /** Share of drafters, targets and requests simulated (`resizeScenario`). Defaults to 0.25. */
  readonly size?: number;
  /** Actions compared. Defaults to [1, 2, 3, 4, 6, 8] (1 = a fused round). */
  readonly actions?: readonly number[];
  /** Output tokens a forced action lasts. Defaults to 32. */
  readonly horizonTokens?: number;
  /**
   * Width of the slice of virtual time whose decisions one set of replays labels, ms; at least one
   * mean round trip of the condition (fewer decisions fall in a slice when rounds are long).
   * Defaults to 60.
   */
  readonly sliceMs?: number;
  /**
   * Slices start uniformly in [from, to) ms of virtual time. The default, [3000, 8000], lies in the
   * DSD scenario's steady state (its closed loop fills up in about 2 s) and early, because every
   * replay repeats the run up to its slice.
   */
  readonly sliceStarts?: readonly [number, number];
  /** Defaults to `explore`. */
  readonly behaviour?: AwcBehaviour;
  /** Weights for `behaviour: awc`. Defaults to the shipped weights. */
  readonly awcWeights?: AwcWeights;
  /** Defaults to TPOT 50 ms, TTFT 1000 ms. */
  readonly slo?: SloOptions;
  /** Recorded in the header as the objective the caller reports first. Defaults to `throughput`. */
  readonly objective?: AwcObjective;
  /** Seeds every run and choice. Defaults to 1. */
  readonly seed?: number;
  /**
   * Base runs per condition at most, in case points keep being disturbed. Defaults to the condition's
   * share of the samples (a run labels several points, so a sound condition never reaches it).
   */
  readonly maxRunsPerCondition?: number;
  /** Called after each base run's replays with the samples kept so far. */
  readonly onProgress?: (samples: number, total: number) => void;
}

/** The window the behaviour policy starts sessions with, and the γ_default of AWC. */
const K_DEFAULT = 4;

/** Mean over drafters of twice the mean one-way delay, ms. */
function meanRoundTripMs(s: Scenario): number {
  let sum = 0;
  let n = 0;
  for (const g of s.drafters) {
    const oneWay = Array.isArray(g.oneWayMs) ? (g.oneWayMs[0] + g.oneWayMs[1]) / 2 : g.oneWayMs;
    sum += 2 * oneWay * g.count;
    n += g.count;
  }
  return n > 0 ? sum / n : 0;
}

function sameState(base: BaseDecision, m: PointMeasure | undefined): boolean {
  if (!m || m.at !== base.at || m.target !== base.target) return false;
  for (let i = 0; i < AWC_FEATURES; i++) if (m.features[i] !== base.features[i]) return false;
  return true;
}

export function labelAwc(o: AwcLabelOptions): AwcDataset {
  const total = o.samples ?? 2000;
  if (!(Number.isInteger(total) && total >= 1))
    throw new ConfigError(`samples must be a positive integer, got ${total}`, {
      context: { field: 'samples' },
    });
  const conditions = o.conditions ?? conditionGrid(AWC_TRAINING_RTT_SCALES, AWC_TRAINING_LOAD_SCALES);
  if (conditions.length === 0) throw new ConfigError('no labelling conditions');
  const size = o.size ?? 0.25;
  const actions = o.actions ?? AWC_ALLOWED_WINDOWS;
  const horizonTokens = o.horizonTokens ?? 32;
  const sliceMs = o.sliceMs ?? 60;
  const [startFrom, startTo] = o.sliceStarts ?? [3000, 8000];
  const behaviourName = o.behaviour ?? 'explore';
  const slo = o.slo ?? { tpotMs: 50, ttftMs: 1000 };
  const seed = o.seed ?? 1;
  const objective = o.objective ?? 'throughput';
  if (!(Number.isInteger(horizonTokens) && horizonTokens >= 1))
    throw new ConfigError(`horizonTokens must be a positive integer, got ${horizonTokens}`);

  const seeds = new Rng(seed);
  const samples: AwcSample[] = [];
  const summaries: AwcConditionSummary[] = [];
  const quota = (c: number) =>
    Math.floor((total * (c + 1)) / conditions.length) - Math.floor((total * c) / conditions.length);

  conditions.forEach((condition, ci) => {
    const base = adaptiveScenario(
      conditionScenario(resizeScenario(o.scenario, size), condition),
      behaviourName === 'explore' ? 'static' : behaviourName,
      K_DEFAULT,
      actions[actions.length - 1],
    );
    const want = quota(ci);
    const maxRuns = o.maxRunsPerCondition ?? Math.max(10, want);
    const width = Math.max(sliceMs, meanRoundTripMs(base));
    let kept = 0;
    let runs = 0;
    let points = 0;
    let disturbed = 0;
    while (kept < want && runs < maxRuns) {
      const runSeed = seeds.next();
      runs++;
      const s: Scenario = { ...base, seed: runSeed };
      const replay: ReplayOptions = {
        behaviour:
          behaviourName === 'explore'
            ? explorePolicy({ allowed: actions, seed: runSeed })
            : (_d, proposed) => proposed,
        horizonTokens,
        ...(o.awcWeights ? { awcWeights: o.awcWeights } : {}),
      };
      const from = startFrom + (startTo - startFrom) * seeds.float();
      const slice = { from, to: from + width };
      const chosen = chooseDecisionPoints(recordDecisions(s, replay, slice.to), slice);
      points += chosen.length;
      const measured = actions.map((a) => replayForced(s, chosen, a, replay));
      chosen.forEach((p, i) => {
        if (kept >= want) return;
        const ms = measured.map((m) => m[i]);
        if (!ms.every((m) => sameState(p, m))) {
          disturbed++;
          return;
        }
        const costs = actionCosts(ms, slo);
        if (!costs) return; // the request ended with the decision: nothing to compare
        samples.push({
          condition: ci,
          features: Array.from(p.features),
          costs,
          best: {
            latency: actions[bestActionIndex(costs, 'latency')]!,
            throughput: actions[bestActionIndex(costs, 'throughput')]!,
          },
        });
        kept++;
      });
      o.onProgress?.(samples.length, total);
    }
    summaries.push({ ...condition, runs, points, samples: kept, disturbed });
  });

  return {
    header: {
      format: AWC_DATASET_FORMAT,
      version: 1,
      scenario: o.scenario.name,
      size,
      actions: [...actions],
      features: AWC_FEATURES,
      objective,
      behaviour: behaviourName,
      horizonTokens,
      sliceMs,
      slo,
      seed,
      fusedDraftCost: adaptiveScenario(o.scenario, 'static', K_DEFAULT).targets.fusedDraftCost ?? 'free',
      conditions: summaries,
      samples: samples.length,
    },
    samples,
  };
}
