/**
 * What the AWC benchmark concludes from its cells: per condition the best static window and every
 * policy's throughput relative to it; across the conditions the single static window with the highest
 * geometric-mean throughput, and AWC's geometric-mean gain over it. The goals (DSD's claim): at least
 * +10% over that single best static window, and never more than 2% below the best static window of
 * any condition.
 */

import type { AwcBenchCell } from './awc-bench.js';
import type { AwcCondition } from './awc-conditions.js';

export const AWC_GOAL_SWEEP_GAIN = 0.1;
export const AWC_GOAL_WORST_CASE = -0.02;

export interface AwcConditionSummaryRow {
  readonly condition: AwcCondition;
  readonly bestStatic: string;
  readonly bestStaticTokPerSec: number;
  /** Per policy: throughput / the condition's best static throughput. */
  readonly relative: Readonly<Record<string, number>>;
}

export interface AwcBenchSummary {
  readonly rows: readonly AwcConditionSummaryRow[];
  /** The static window best across the conditions (highest geometric-mean throughput). */
  readonly bestSingleStatic: string;
  /** AWC over that window: geometric mean of the per-condition ratios, minus 1. */
  readonly awcVsBestSingleStatic: number;
  /** AWC over each condition's best static window: mean and worst, minus 1. */
  readonly awcVsBestStaticMean: number;
  readonly awcVsBestStaticWorst: number;
  readonly meetsSweepGoal: boolean;
  readonly meetsWorstCaseGoal: boolean;
}

const keyOf = (c: AwcCondition) => `${c.rttScale}/${c.loadScale}`;

export function summarizeAwcBench(cells: readonly AwcBenchCell[]): AwcBenchSummary {
  const byCondition = new Map<string, AwcBenchCell[]>();
  for (const c of cells) {
    const list = byCondition.get(keyOf(c.condition)) ?? [];
    list.push(c);
    byCondition.set(keyOf(c.condition), list);
  }
  const statics = [...new Set(cells.filter((c) => c.policy.startsWith('static')).map((c) => c.policy))];
  const rows: AwcConditionSummaryRow[] = [];
  const logStatic = new Map<string, number>();
  let logAwcOverSingle = 0;
  const awcVsBest: number[] = [];
  for (const list of byCondition.values()) {
    let best: AwcBenchCell | undefined;
    for (const c of list)
      if (c.policy.startsWith('static') && (!best || c.throughputTokPerSec > best.throughputTokPerSec))
        best = c;
    if (!best) continue;
    const relative: Record<string, number> = {};
    for (const c of list) relative[c.policy] = c.throughputTokPerSec / best.throughputTokPerSec;
    for (const p of statics) logStatic.set(p, (logStatic.get(p) ?? 0) + Math.log(relative[p] ?? 0));
    if (relative.awc !== undefined) awcVsBest.push(relative.awc - 1);
    rows.push({
      condition: list[0]!.condition,
      bestStatic: best.policy,
      bestStaticTokPerSec: best.throughputTokPerSec,
      relative,
    });
  }
  let bestSingle = statics[0] ?? '';
  for (const p of statics)
    if ((logStatic.get(p) ?? -Infinity) > (logStatic.get(bestSingle) ?? -Infinity)) bestSingle = p;
  for (const r of rows) logAwcOverSingle += Math.log((r.relative.awc ?? 0) / (r.relative[bestSingle] ?? 1));
  const n = Math.max(1, rows.length);
  const awcVsBestSingleStatic = Math.exp(logAwcOverSingle / n) - 1;
  const mean = awcVsBest.reduce((a, b) => a + b, 0) / Math.max(1, awcVsBest.length);
  const worst = awcVsBest.length > 0 ? Math.min(...awcVsBest) : Number.NaN;
  return {
    rows,
    bestSingleStatic: bestSingle,
    awcVsBestSingleStatic,
    awcVsBestStaticMean: mean,
    awcVsBestStaticWorst: worst,
    meetsSweepGoal: awcVsBestSingleStatic >= AWC_GOAL_SWEEP_GAIN,
    meetsWorstCaseGoal: worst >= AWC_GOAL_WORST_CASE,
  };
}
