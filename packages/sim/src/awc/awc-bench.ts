/**
 * The AWC benchmark in the simulator: every policy under every condition, each run on its own with
 * per-round fused mode available (a window of 1 is a fused round) and windows up to 8. Policies: AWC,
 * static γ ∈ {1 (every round fused), 2, 3, 4, 6, 8}, acceptance back-off and the SpecDec++-style
 * threshold. Every (condition, policy) pair runs the same seeds, so the policies meet the same users,
 * lengths and network draws.
 */
import type { AwcWeights } from '@specmesh/core';
import { runScenario } from '../run-scenario.js';
import type { Scenario } from '../scenario-schema.js';
import { type AwcCondition, adaptiveScenario, conditionScenario } from './awc-conditions.js';

export interface BenchPolicy {
  /** Row label, e.g. `static 4`. */
  readonly label: string;
  readonly policy: Scenario['speculation']['window']['policy'];
  readonly k: number;
}

/** AWC, the six static windows, the two adaptive baselines of the DSD reference and the bandit. */
export const AWC_BENCH_POLICIES: readonly BenchPolicy[] = [
  { label: 'awc', policy: 'awc', k: 4 },
  ...[1, 2, 3, 4, 6, 8].map((k) => ({ label: `static ${k}`, policy: 'static' as const, k })),
  { label: 'backoff', policy: 'backoff', k: 4 },
  { label: 'threshold', policy: 'threshold', k: 4 },
  { label: 'bandit', policy: 'bandit', k: 4 },
];

export interface AwcBenchOptions {
  readonly scenario: Scenario;
  readonly conditions: readonly AwcCondition[];
  /** Defaults to `AWC_BENCH_POLICIES`. */
  readonly policies?: readonly BenchPolicy[];
  /** Scenario seeds each pair runs; figures are their means. Defaults to [1]. */
  readonly seeds?: readonly number[];
  /** AWC's weights. Defaults to the shipped weights. */
  readonly awcWeights?: AwcWeights;
  /** AWC's rounding set (`window.awcWindows`). Defaults to AWC's own: DSD's [1, 2, 3, 4, 6, 8] and 0. */
  readonly awcWindows?: readonly number[];
  /** Called after each run. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface AwcBenchCell {
  readonly condition: AwcCondition;
  readonly policy: string;
  /** Means over the seeds. */
  readonly throughputTokPerSec: number;
  readonly tpotMs: number;
  readonly ttftMs: number;
  readonly e2eMs: number;
  /** Share of window decisions per window (1 = fused), over the seeds. */
  readonly windows: Readonly<Record<string, number>>;
}

export function runAwcBench(o: AwcBenchOptions): AwcBenchCell[] {
  const policies = o.policies ?? AWC_BENCH_POLICIES;
  const seeds = o.seeds ?? [1];
  const total = o.conditions.length * policies.length * seeds.length;
  let done = 0;
  const cells: AwcBenchCell[] = [];
  for (const condition of o.conditions) {
    const scenario = conditionScenario(o.scenario, condition);
    for (const p of policies) {
      let thr = 0;
      let tpot = 0;
      let ttft = 0;
      let e2e = 0;
      const counts = new Map<number, number>();
      let decisions = 0;
      for (const seed of seeds) {
        const a = adaptiveScenario(scenario, p.policy, p.k);
        const s: Scenario = {
          ...a,
          seed,
          ...(p.policy === 'awc' && o.awcWindows
            ? {
                speculation: {
                  ...a.speculation,
                  window: { ...a.speculation.window, awcWindows: [...o.awcWindows] },
                },
              }
            : {}),
        };
        const r = runScenario(s, {
          ...(o.awcWeights ? { awcWeights: o.awcWeights } : {}),
          // Only counts the windows: every decision is the policy's own.
          windowOverride: (_d, proposed) => {
            const w = Math.max(1, Math.min(8, Math.round(proposed)));
            counts.set(w, (counts.get(w) ?? 0) + 1);
            decisions++;
            return proposed;
          },
        });
        thr += r.throughputTokPerSec;
        tpot += r.tpotMs.mean;
        ttft += r.ttftMs.mean;
        e2e += r.e2eMs.mean;
        o.onProgress?.(++done, total);
      }
      const n = seeds.length;
      const windows: Record<string, number> = {};
      for (const [w, c] of [...counts].sort((a, b) => a[0] - b[0])) windows[String(w)] = c / decisions;
      cells.push({
        condition,
        policy: p.label,
        throughputTokPerSec: thr / n,
        tpotMs: tpot / n,
        ttftMs: ttft / n,
        e2eMs: e2e / n,
        windows,
      });
    }
  }
  return cells;
}
