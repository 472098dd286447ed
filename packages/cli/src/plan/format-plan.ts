/**
 * The report `specmesh plan` prints: the recommendation with its predicted figures, a bar chart of the
 * SLO percentile of TPOT against the target count, the simulator's measured error (a `sim validate`
 * record), the check at the neighbouring sizes, and what the search concluded about every
 * configuration.
 */
import { formatValidatedError, type ValidationRecord } from '@specmesh/lab';
import type { LatencySummary, PlanPoint, PlanResult } from '@specmesh/sim';

const ms = (x: number) => x.toFixed(1).padStart(8);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function percentileOf(l: LatencySummary, p: number): number {
  return p <= 50 ? l.p50 : p <= 90 ? l.p90 : p <= 95 ? l.p95 : l.p99;
}

/** TPOT at the SLO percentile as bars, with the SLO marked `┆` inside each bar's scale. */
export function tpotChart(points: readonly PlanPoint[], r: PlanResult, width = 40): string[] {
  const { sloTpotMs, sloPercentile } = r.config;
  const values = points.map((p) => percentileOf(p.tpotMs, sloPercentile));
  // Bars longer than three SLOs are cut: past that the exact length says nothing useful.
  const scale = Math.max(sloTpotMs * 1.25, Math.min(Math.max(...values), sloTpotMs * 3));
  const mark = Math.min(width - 1, Math.round((sloTpotMs / scale) * width));
  return points.map((p, i) => {
    const v = values[i]!;
    const n = Math.min(width, Math.round((v / scale) * width));
    // The SLO mark shows through a bar too, so every row can be read against it.
    const cells: string[] = Array.from({ length: width }, (_, c) => (c === mark ? '┆' : c < n ? '█' : ' '));
    if (v > scale) cells[width - 1] = '▶';
    const tag = p.targets === r.recommendation?.size.targets ? '  ◀ recommended' : '';
    return `  ${String(p.targets).padStart(3)} │${cells.join('')}│ ${v.toFixed(1).padStart(7)} ms ${p.meets ? 'meets' : 'misses'}${tag}`;
  });
}

function sloText(r: PlanResult): string {
  const c = r.config;
  const parts = [`TPOT ≤ ${c.sloTpotMs} ms`];
  if (c.sloTtftMs !== undefined) parts.push(`TTFT ≤ ${c.sloTtftMs} ms`);
  return `${parts.join(' and ')} for ${c.sloPercentile}% of requests`;
}

/** How far the simulator's predictions are from a measured cluster, or how to find out. */
function validatedErrorText(validation: ValidationRecord | null): string {
  return validation
    ? `Simulator error: ${formatValidatedError(validation)}.`
    : 'Simulator error: not validated here; `specmesh sim validate --save validation.json` measures it, `--validation validation.json` prints it here.';
}

export function formatPlan(
  r: PlanResult,
  wallMs: number,
  validation: ValidationRecord | null = null,
): string {
  const c = r.config;
  const out = [
    `specmesh plan: ${c.rps} req/s (Poisson), RTT ${c.rttMs} ms, SLO ${sloText(r)}`,
    `  target  ${c.target.name}: ${c.target.source}`,
    `  drafter ${c.drafter.name}: ${c.drafter.source}`,
    '',
  ];
  const rec = r.recommendation;
  if (!rec) {
    out.push(
      `No configuration meets the SLO within ${c.maxInstances} instances${r.budgetExhausted ? ' (the simulation budget ran out before every configuration was searched)' : ''}.`,
    );
  } else {
    const p = rec.point;
    const k =
      rec.candidate.mode === 'nonsi'
        ? ''
        : rec.candidate.execution === 'fused'
          ? ', window k = 1 (fused: one draft per round, beside the target)'
          : `, window k = ${rec.candidate.k}`;
    const predrafters =
      rec.candidate.mode === 'ssd'
        ? ` + ${rec.size.drafters * c.predrafters} pre-drafters (${c.predrafters} beside each drafter)`
        : '';
    out.push(
      `Recommendation: ${rec.size.drafters} drafter${rec.size.drafters === 1 ? '' : 's'}${predrafters} + ${rec.size.targets} target${rec.size.targets === 1 ? '' : 's'} = ${rec.total} instances, mode ${rec.candidate.mode}, execution ${rec.candidate.execution}${k}`,
      `  predicted (seed ${p.seed}, ${p.requests} requests measured after a warm-up):`,
      `    throughput      ${p.throughputTokPerSec.toFixed(0)} tok/s; targets busy ${pct(p.targetUtilisation)}`,
      '    latency, ms          p50      p90      p99',
      `    TTFT            ${ms(p.ttftMs.p50)} ${ms(p.ttftMs.p90)} ${ms(p.ttftMs.p99)}`,
      `    TPOT            ${ms(p.tpotMs.p50)} ${ms(p.tpotMs.p90)} ${ms(p.tpotMs.p99)}`,
      `    SLO attainment  ${pct(p.attainment)} of requests within the SLO (${c.sloPercentile}% needed); projected p${c.sloPercentile} TPOT ${p.projectedTpotMs.toFixed(1)} ms`,
      `  ${validatedErrorText(validation)}`,
      '',
      `p${c.sloPercentile} TPOT against targets (${rec.label}, ${rec.size.drafters} drafters; ┆ = SLO ${c.sloTpotMs} ms):`,
      ...tpotChart(r.curve, r),
      '',
    );
    if (r.check) {
      out.push(`Check with another seed (${r.check.seed}, ${r.check.requests} requests):`);
      for (const row of r.check.rows) {
        const q = row.point;
        out.push(
          `  ${row.label.padEnd(18)} ${String(q.drafters).padStart(3)} drafter${q.drafters === 1 ? ' ' : 's'} ${String(q.targets).padStart(3)} target${q.targets === 1 ? ' ' : 's'}  p${c.sloPercentile} TPOT ${ms(percentileOf(q.tpotMs, c.sloPercentile))} ms  ${pct(q.attainment).padStart(6)} within  ${q.meets ? 'meets' : 'misses'}`,
        );
      }
      out.push(
        r.check.confirmed
          ? '  confirmed: the recommendation meets the SLO and one target fewer does not'
          : '  not confirmed:',
      );
      for (const n of r.check.notes) out.push(`  - ${n}`);
      out.push('');
    }
  }
  out.push(`Configurations (search: seed ${c.seed}, ${c.requests} requests per simulation):`);
  for (const o of r.candidates) {
    const size = o.size ? ` ${o.size.drafters}d + ${o.size.targets}t` : '';
    out.push(`  ${o.label.padEnd(20)} ${o.outcome.padEnd(10)}${size.padEnd(10)} ${o.note}`);
  }
  out.push(`${r.simulations} simulations in ${(wallMs / 1000).toFixed(1)} s`);
  return out.join('\n');
}
