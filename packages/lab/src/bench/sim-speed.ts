/**
 * Speed of the discrete-event simulator on a scenario, by default the DSD setting scaled to 100
 * drafters, 20 targets and 10,000 requests (packages/sim/scenarios/dsd-100x20-10k.yaml): wall time,
 * CPU time and events/s of each run and their median, the process's peak memory, and the machine's
 * load average (the figures of a shared machine mean little without it). An odd number of runs, so
 * the median is one of them.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@specmesh/protocol';
import { runScenario, type Scenario, type SimReport } from '@specmesh/sim';
import { median } from '../median.js';

/** The scaled DSD scenario shipped with the simulator. */
export const SIM_SPEED_SCENARIO = fileURLToPath(
  new URL('../../../sim/scenarios/dsd-100x20-10k.yaml', import.meta.url),
);

export interface SimSpeedRun {
  readonly wallMs: number;
  /** CPU time of the process during the run (user + system), ms: steadier than wall time under load. */
  readonly cpuMs: number;
  /** Peak resident memory of the process so far, MiB. */
  readonly peakRssMiB: number;
  /** 1-minute load average of the machine when the run ended. */
  readonly loadAverage: number;
  readonly events: number;
  readonly eventsPerSecond: number;
  readonly completed: number;
  readonly tokens: number;
}

export interface SimSpeedReport {
  readonly scenario: string;
  readonly drafters: number;
  readonly targets: number;
  readonly requests: number;
  readonly runs: readonly SimSpeedRun[];
  readonly medianWallMs: number;
  readonly medianEventsPerSecond: number;
  /** Median CPU time of a run, ms, and events per CPU second at that median. */
  readonly medianCpuMs: number;
  readonly medianEventsPerCpuSecond: number;
  readonly virtualMs: number;
  /** The last run's report (every run simulates the same thing). */
  readonly report: SimReport;
}

/** Runs `scenario` `runs` times (odd), telling `onRun` about each as it ends. */
export function runSimSpeed(
  scenario: Scenario,
  runs: number,
  onRun: (run: SimSpeedRun, index: number) => void = () => undefined,
): SimSpeedReport {
  if (!(Number.isInteger(runs) && runs >= 1 && runs % 2 === 1))
    throw new ConfigError(
      `--runs must be an odd positive integer (the median is then one run), got ${runs}`,
      {
        context: { option: 'runs' },
      },
    );
  const done: SimSpeedRun[] = [];
  let report: SimReport | undefined;
  for (let i = 0; i < runs; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    report = runScenario(scenario);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const run = {
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      loadAverage: loadavg()[0]!,
      events: report.events,
      eventsPerSecond: report.events / (wallMs / 1000),
      completed: report.completed,
      tokens: report.tokens,
    };
    done.push(run);
    onRun(run, i);
  }
  const medianWallMs = median(done.map((r) => r.wallMs));
  const medianCpuMs = median(done.map((r) => r.cpuMs));
  return {
    scenario: scenario.name,
    drafters: scenario.drafters.reduce((s, g) => s + g.count, 0),
    targets: scenario.targets.count,
    requests: scenario.workload.requests,
    runs: done,
    medianWallMs,
    medianEventsPerSecond: report!.events / (medianWallMs / 1000),
    medianCpuMs,
    medianEventsPerCpuSecond: report!.events / (medianCpuMs / 1000),
    virtualMs: report!.makespanMs,
    report: report!,
  };
}

const s2 = (ms: number) => (ms / 1000).toFixed(2);
const count = (n: number) => Math.round(n).toLocaleString('en');

export function formatSimSpeedRun(r: SimSpeedRun, index: number): string {
  return `run ${index + 1}: ${s2(r.wallMs)} s wall, ${s2(r.cpuMs)} s CPU, ${r.events} events, ${count(r.eventsPerSecond)} events/s, ${r.completed} requests, ${r.tokens} tokens; peak RSS ${r.peakRssMiB.toFixed(0)} MiB, load average ${r.loadAverage.toFixed(2)}`;
}

export function formatSimSpeed(r: SimSpeedReport): string {
  const m = r.report;
  return [
    `${r.scenario}: ${r.drafters} drafters, ${r.targets} targets, ${r.requests} requests; median of ${r.runs.length} ${s2(r.medianWallMs)} s, ${count(r.medianEventsPerSecond)} events/s (CPU ${s2(r.medianCpuMs)} s, ${count(r.medianEventsPerCpuSecond)} events per CPU second); ${(r.virtualMs / 1000).toFixed(1)} s of virtual time (${(r.virtualMs / r.medianWallMs).toFixed(0)}x real time)`,
    `metrics: throughput ${m.throughputTokPerSec.toFixed(0)} tok/s, TTFT mean ${m.ttftMs.mean.toFixed(1)} ms, TPOT mean ${m.tpotMs.mean.toFixed(2)} ms, acceptance ${m.acceptance.toFixed(3)}, target utilisation ${(m.targetUtilisation.mean * 100).toFixed(1)}%`,
  ].join('\n');
}
