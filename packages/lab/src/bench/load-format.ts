/** `bench load`'s text: the machine, one table per cell as it completes, and the grid's summary. */

import type { LoadCosts } from './load-costs.js';
import type { LoadBenchReport, MachineInfo } from './load-grid.js';
import type { LoadCellReport } from './load-summary.js';

const f = (x: number | undefined | null, w: number, d = 1) =>
  (x === undefined || x === null || !Number.isFinite(x) ? '-' : x.toFixed(d)).padStart(w);

const loads = (l: readonly number[]) => l.map((x) => x.toFixed(2)).join(' ');

/** The machine line printed before the grid starts. */
export function formatMachineStart(
  node: string,
  cpus: number,
  cpuModel: string,
  loadAverage: readonly number[],
) {
  return `node ${node}; ${cpus} CPUs (${cpuModel}), shared by every role process, both nats-servers, the delay proxy and the clients; load average ${loads(loadAverage)} (1/5/15 min)`;
}

export function formatMachineEnd(m: MachineInfo): string {
  return `load average at start ${loads(m.loadAverageStart)}, at end ${loads(m.loadAverageEnd)} (1/5/15 min; ${m.cpus} CPUs)`;
}

/** The costs a cluster adds, as the simulator takes them. */
export function formatLoadCosts(rttMs: number, c: LoadCosts): string {
  return `measured costs at RTT ${rttMs} ms (medians of ${c.samples}, idle cluster; the simulator's inputs): broker hop ${c.hopMs.toFixed(3)} ms, edge link one way ${c.linkOneWayMs.toFixed(3)} ms beside its hop, target step +${c.stepOverheadMs.toFixed(2)} ms, drafted token +${c.draftTokenOverheadMs.toFixed(2)} ms`;
}

export function formatLoadCell(c: LoadCellReport, tokens: number): string {
  const lines = [
    `concurrency ${c.concurrency}, RTT ${c.rttMs} ms: ${c.requests} requests per mode in each of ${c.rounds} round(s), ${tokens} tokens each, prompts ${c.promptTokens.toFixed(0)} tokens`,
    'mode      tok/s  sim tok/s  meas/sim  TTFT p50  TTFT p99  TPOT p50  TPOT p99  sim TPOT p50  compute ms/tok  sim compute  drafted',
  ];
  for (const m of c.modes) {
    const s = c.sim[m.mode];
    lines.push(
      `${m.mode.padEnd(6)} ${f(m.tokensPerSec, 8)} ${f(s?.tokensPerSec, 10)} ${f(s?.ratio, 9, 3)} ${f(m.ttftMs.p50, 9)} ${f(m.ttftMs.p99, 9)} ${f(m.tpotMs.p50, 9)} ${f(m.tpotMs.p99, 9)} ${f(s?.tpotP50Ms, 13)} ${f(m.targetComputeMsPerToken, 15, 2)} ${f(s?.targetComputeMsPerToken, 12, 2)} ${f(100 * m.draftedShare, 7, 0)}%${m.moves > 0 ? `  (${m.moves} moved)` : ''}${m.failures.length > 0 ? `  (${m.failures.length} FAILED)` : ''}`,
    );
  }
  const r = c.ratios;
  const parts: string[] = [];
  if (r.autoVsBestFixed !== undefined)
    parts.push(`auto/best fixed (${r.bestFixed}) ${r.autoVsBestFixed.toFixed(3)}`);
  if (r.dsiVsSi !== undefined) parts.push(`DSI/SI ${r.dsiVsSi.toFixed(3)}`);
  if (r.siVsNonsi !== undefined) parts.push(`SI/non-SI ${r.siVsNonsi.toFixed(3)}`);
  const autoSim = c.sim.auto?.rounds;
  if (autoSim)
    parts.push(
      `sim auto rounds non-SI/SI/DSI ${(100 * autoSim.nonsi).toFixed(0)}/${(100 * autoSim.si).toFixed(0)}/${(100 * autoSim.dsi).toFixed(0)}%`,
    );
  lines.push(parts.join(' · '));
  const o = c.outputs;
  lines.push(
    `outputs: ${o.mismatches === 0 ? 'identical' : `${o.mismatches} MISMATCHES`} across modes for ${o.prompts} prompts (reference ${o.reference})${o.uncompared > 0 ? `; ${o.uncompared} pairs not compared (failed requests)` : ''}`,
  );
  for (const m of c.modes)
    for (const x of m.failures.slice(0, 3))
      lines.push(`failed: ${m.mode} ${x.requestId}${x.host ? ` on ${x.host}` : ''}: ${x.error}`);
  return lines.join('\n');
}

/** The whole grid as one table (docs/benchmarks/load.md shows it). */
export function formatLoadGrid(r: LoadBenchReport): string {
  const lines = [
    '   c  RTT  mode      tok/s  sim tok/s  meas/sim  TTFT p50/p99 ms  TPOT p50/p99 ms  compute ms/tok  drafted  auto/best  DSI/SI  SI/non',
  ];
  for (const c of r.cells) {
    for (const [i, m] of c.modes.entries()) {
      const s = c.sim[m.mode];
      const first = i === 0;
      lines.push(
        `${String(c.concurrency).padStart(4)} ${String(c.rttMs).padStart(4)}  ${m.mode.padEnd(6)} ${f(m.tokensPerSec, 8)} ${f(s?.tokensPerSec, 10)} ${f(s?.ratio, 9, 3)} ${`${f(m.ttftMs.p50, 6, 0)}/${f(m.ttftMs.p99, 0, 0)}`.padEnd(16)} ${`${f(m.tpotMs.p50, 6)}/${f(m.tpotMs.p99, 0)}`.padEnd(16)} ${f(m.targetComputeMsPerToken, 15, 2)} ${f(100 * m.draftedShare, 7, 0)}% ${first ? f(c.ratios.autoVsBestFixed, 10, 3) : ''.padStart(10)} ${first ? f(c.ratios.dsiVsSi, 7, 3) : ''.padStart(7)} ${first ? f(c.ratios.siVsNonsi, 7, 3) : ''.padStart(7)}`,
      );
    }
  }
  return lines.join('\n');
}

export function formatLoadSummary(r: LoadBenchReport): string {
  const lines = [...r.costs.map((x) => formatLoadCosts(x.rttMs, x.costs)), 'goals:'];
  for (const g of r.summary.goals) {
    const misses = g.misses.map((m) => `${m.cell} ${m.value.toFixed(3)}`).join(', ');
    lines.push(
      `  ${g.goal}: ${g.checked === 0 ? 'not checked' : `${g.met}/${g.checked}`}${misses ? `; misses: ${misses}` : ''}`,
    );
  }
  lines.push(
    r.summary.mismatches === 0
      ? 'greedy outputs identical across modes for every prompt'
      : `greedy outputs differ: ${r.summary.mismatches} (prompt, mode) mismatches`,
  );
  if (r.summary.failures > 0) lines.push(`${r.summary.failures} request(s) FAILED (see the cells)`);
  if (r.crashes > 0) lines.push(`${r.crashes} role process(es) exited unexpectedly during the grid`);
  lines.push(formatMachineEnd(r.machine));
  return lines.join('\n');
}
