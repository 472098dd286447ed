#!/usr/bin/env node
/**
 * Fidelity of the simulator against the real cluster: the same scenario in virtual time and on a local
 * cluster (emulated models, every role a process, drafters behind delay proxies), compared metric by
 * metric. Same as `specmesh sim validate`; a benchmark, not a test (timings vary with the machine).
 *
 * Usage: node bench/sim-validate.mjs [--scenario file] [--requests 48] [--mode si|dsi]
 *        [--acceptance oracle|iid] [--runs 1] [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_VALIDATE_SCENARIO, formatValidation, runValidation } from '@specmesh/lab';
import { loadScenario } from '@specmesh/sim';

// Role processes run the CLI of this checkout.
const BIN = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const scenario = loadScenario(arg('scenario', DEFAULT_VALIDATE_SCENARIO));
const requests = arg('requests');
const mode = arg('mode');
const runs = Number(arg('runs', 1));
const reports = [];
for (let i = 0; i < runs; i++) {
  const report = await runValidation({
    nodeBin: BIN,
    scenario,
    acceptance: arg('acceptance', 'oracle'),
    ...(mode ? { mode } : {}),
    ...(requests ? { requests: Number(requests) } : {}),
    say: (line) => process.stderr.write(`${line}\n`),
  });
  if (runs > 1) console.log(`\n# run ${i + 1} of ${runs}`);
  console.log(formatValidation(report));
  const { simRecords: _s, realRecords: _r, ...summary } = report;
  reports.push(summary);
}
if (runs > 1) {
  // Mean absolute error per metric over the runs: one run is one draw of a noisy machine.
  console.log(`\nmean |error| over ${runs} runs (costs under load):`);
  for (const [j, row] of reports[0].rows.entries()) {
    const mae = reports.reduce((s, r) => s + Math.abs(r.rows[j].error), 0) / runs;
    console.log(
      `  ${`${row.label}${row.unit ? ` (${row.unit})` : ''}`.padEnd(22)}${(mae * 100).toFixed(1).padStart(6)}%`,
    );
  }
}
const out = arg('json');
if (out) writeFileSync(out, `${JSON.stringify(reports, null, 2)}\n`);
