/**
 * One run of the sim-speed benchmark, in a process of its own (sim-speed.ts starts it): reads
 * `{ engine, scenario }` as JSON on stdin, runs the scenario on that engine (`@specmesh/sim`, or the
 * `index.js` of another build of it, a baseline) and prints one JSON line: wall and CPU time, the
 * process's peak resident memory, and the report. A process per run gives each run its own peak
 * memory and the young-generation size the parent chose (a V8 flag, fixed when a process starts).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Scenario, SimReport } from '@specmesh/sim';

export interface SimSpeedChildInput {
  /** Path of another build's `index.js`; the installed `@specmesh/sim` when absent. */
  readonly engine?: string;
  readonly scenario: Scenario;
}

export interface SimSpeedChildOutput {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly peakRssMiB: number;
  readonly report: SimReport;
}

const input = JSON.parse(readFileSync(0, 'utf8')) as SimSpeedChildInput;
const sim = (await import(
  input.engine ? pathToFileURL(input.engine).href : '@specmesh/sim'
)) as typeof import('@specmesh/sim');
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const report = sim.runScenario(input.scenario);
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const out: SimSpeedChildOutput = {
  wallMs,
  cpuMs: (cpu.user + cpu.system) / 1000,
  peakRssMiB: process.resourceUsage().maxRSS / 1024,
  report,
};
process.stdout.write(`${JSON.stringify(out)}\n`);
