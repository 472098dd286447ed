/** The validation report as text: setup, measured costs, then simulated vs measured, metric by metric. */
import type { ValidationReport } from './validate-run.js';

const num = (x: number, unit: string) =>
  unit === '' ? `${(x * 100).toFixed(1)}%` : x >= 100 ? x.toFixed(1) : x.toFixed(2);

export function formatValidation(r: ValidationReport): string {
  const p = r.plan;
  const cost = (name: string, c: ValidationReport['profile']['idle']) =>
    `  ${name.padEnd(10)} target call +${c.targetCallOverheadMs.toFixed(2)} ms, drafted token +${c.draftTokenOverheadMs.toFixed(2)} ms, broker hop ${c.hopMs.toFixed(3)} ms, proxy one-way ${c.proxyOneWayMs.toFixed(2)} ms (${c.samples} samples)`;
  const lines = [
    `scenario ${p.name}: ${p.mode.toUpperCase()}, k ${p.k}, ${p.drafters} drafters behind ${p.oneWayMs} ms (±${(p.jitter * 100).toFixed(0)}%) proxies, ${p.verifiers} verifiers`,
    `  workload: ${p.requests} requests, ${p.clients} closed-loop clients (think ${p.thinkMs} ms), prompt ${p.promptTokens} tokens, output ${p.outputTokens} tokens`,
    `  emulated target: first call ${p.target.ttftMs} ms, later ${p.target.tpotMs} ms, +${p.target.perTokenMs} ms per extra position; drafter: ${p.drafter.ttftMs} ms first token, ${p.drafter.tpotMs} ms later; agreement ${p.agreement}`,
    `  simulator acceptance: ${r.acceptanceModel === 'oracle' ? "the emulated pair's own tokens (oracle)" : `i.i.d. a = ${p.agreement}`}`,
    'measured costs (means):',
    cost('idle', r.profile.idle),
    cost('under load', r.profile.loaded),
    '',
    `${'metric'.padEnd(22)}${'simulated'.padStart(12)}${'measured'.padStart(12)}${'error'.padStart(10)}${'sim (idle costs)'.padStart(19)}${'error'.padStart(10)}`,
  ];
  const pct = (e: number) => (Number.isFinite(e) ? `${e >= 0 ? '+' : ''}${(e * 100).toFixed(1)}%` : 'n/a');
  for (const row of r.rows) {
    const label = row.unit ? `${row.label} (${row.unit})` : row.label;
    lines.push(
      `${label.padEnd(22)}${num(row.sim, row.unit).padStart(12)}${num(row.real, row.unit).padStart(12)}${pct(row.error).padStart(10)}${num(row.simIdle, row.unit).padStart(19)}${pct(row.errorIdle).padStart(10)}`,
    );
  }
  lines.push('');
  lines.push(
    `completed: simulated ${r.sim.requests}/${p.requests}, measured ${r.real.requests}/${p.requests}; ` +
      (r.outputs.compared > 0
        ? `greedy outputs equal on ${r.outputs.equal}/${r.outputs.compared} requests`
        : 'outputs not compared (i.i.d. acceptance has no real tokens)'),
  );
  lines.push(
    `wall time: cluster ${(r.wallMs.real / 1000).toFixed(1)} s (start-up, profiles and run), simulator ${r.wallMs.sim.toFixed(0)} ms`,
  );
  return lines.join('\n');
}
