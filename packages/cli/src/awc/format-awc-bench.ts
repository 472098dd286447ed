/** The tables `specmesh awc bench` prints. */
import type { AwcBenchCell, AwcBenchSummary } from '@specmesh/sim';
import { AWC_GOAL_SWEEP_GAIN, AWC_GOAL_WORST_CASE } from '@specmesh/sim';

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;

export function formatAwcBench(
  cells: readonly AwcBenchCell[],
  summary: AwcBenchSummary,
  header: string,
  wallMs: number,
): string {
  const policies = [...new Set(cells.map((c) => c.policy))];
  const lines = [
    header,
    '  throughput relative to the best static window of the condition (tok/s of that window in brackets)',
    `  RTT×  load×  best static        ${policies.map((p) => p.padStart(10)).join('')}`,
  ];
  for (const r of summary.rows)
    lines.push(
      `  ${String(r.condition.rttScale).padStart(4)} ${String(r.condition.loadScale).padStart(5)}  ${`${r.bestStatic} (${r.bestStaticTokPerSec.toFixed(0)})`.padEnd(18)}${policies.map((p) => (r.relative[p] ?? Number.NaN).toFixed(3).padStart(10)).join('')}`,
    );
  lines.push('  mean TPOT, ms');
  for (const r of summary.rows) {
    const of = (p: string) =>
      cells.find(
        (c) =>
          c.policy === p &&
          c.condition.rttScale === r.condition.rttScale &&
          c.condition.loadScale === r.condition.loadScale,
      );
    lines.push(
      `  ${String(r.condition.rttScale).padStart(4)} ${String(r.condition.loadScale).padStart(5)}  ${''.padEnd(18)}${policies.map((p) => (of(p)?.tpotMs ?? Number.NaN).toFixed(2).padStart(10)).join('')}`,
    );
  }
  lines.push('  AWC windows (share of decisions; 1 = fused round)');
  for (const c of cells.filter((x) => x.policy === 'awc'))
    lines.push(
      `  ${String(c.condition.rttScale).padStart(4)} ${String(c.condition.loadScale).padStart(5)}  ${Object.entries(
        c.windows,
      )
        .filter(([, v]) => v >= 0.005)
        .map(([w, v]) => `γ=${w} ${(100 * v).toFixed(0)}%`)
        .join(', ')}`,
    );
  lines.push(
    `AWC vs the best single static window across these conditions (${summary.bestSingleStatic}): ${pct(summary.awcVsBestSingleStatic)} (geometric mean; goal ${pct(AWC_GOAL_SWEEP_GAIN)}: ${summary.meetsSweepGoal ? 'met' : 'missed'})`,
    `AWC vs each condition's best static window: mean ${pct(summary.awcVsBestStaticMean)}, worst ${pct(summary.awcVsBestStaticWorst)} (goal ≥ ${pct(AWC_GOAL_WORST_CASE)}: ${summary.meetsWorstCaseGoal ? 'met' : 'missed'})`,
    `${(wallMs / 1000).toFixed(1)} s wall`,
  );
  return lines.join('\n');
}
