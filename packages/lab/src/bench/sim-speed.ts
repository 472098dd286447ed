/**
 * Speed of the discrete-event simulator on a scenario, by default the DSD setting scaled to 100
 * drafters, 20 targets and 10,000 requests (packages/sim/scenarios/dsd-100x20-10k.yaml), or the scale
 * goal's (dsd-10kx1k-1m.yaml): wall time, CPU time and events/s of each run and their median, each
 * run's peak memory, and the machine's load average (the figures of a shared machine mean little
 * without it). An odd number of runs, so the median is one of them. Each run is a process of its own
 * (sim-speed-run.ts). With a baseline (another build of @specmesh/sim) both run interleaved, and the
 * report says whether their reports are identical.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ConfigError, InternalError } from '@specmesh/protocol';
import { loadScenario, type Scenario, type SimReport } from '@specmesh/sim';
import { median } from '../median.js';
import type { SimSpeedChildInput, SimSpeedChildOutput } from './sim-speed-run.js';

/** The scaled DSD scenario shipped with the simulator. */
export const SIM_SPEED_SCENARIO = fileURLToPath(
  new URL('../../../sim/scenarios/dsd-100x20-10k.yaml', import.meta.url),
);

/** The scale goal's scenario: 10,000 drafters, 1,000 targets, 1,000,000 requests (`--scale`). */
export const SIM_SPEED_SCALE_SCENARIO = fileURLToPath(
  new URL('../../../sim/scenarios/dsd-10kx1k-1m.yaml', import.meta.url),
);

/** Young-generation semi-space of each run's process, MiB, unless told otherwise (see `semiSpaceMiB`). */
export const SIM_SPEED_SEMI_SPACE_MIB = 64;

/**
 * The scenario a sim-speed command runs: `file`, else the scale scenario with `scale`, else the
 * default one; `requests` overrides its request count.
 */
export function simSpeedScenario(o: { file?: string; scale?: boolean; requests?: number }): Scenario {
  const loaded = loadScenario(o.file ?? (o.scale ? SIM_SPEED_SCALE_SCENARIO : SIM_SPEED_SCENARIO));
  const { requests } = o;
  if (requests === undefined) return loaded;
  if (!(Number.isInteger(requests) && requests >= 1))
    throw new ConfigError(`--requests must be a positive integer, got ${requests}`, {
      context: { option: 'requests' },
    });
  return { ...loaded, workload: { ...loaded.workload, requests } };
}

const RUNNER = fileURLToPath(new URL('./sim-speed-run.js', import.meta.url));

export interface SimSpeedOptions {
  /** Runs of each engine, an odd number (the median is then one of them). */
  readonly runs: number;
  /**
   * V8's `--max-semi-space-size` for each run's process, MiB; 0 leaves V8's default (16). At 10,000
   * sessions in flight a round's objects outlive a default young generation and get promoted, and the
   * collector then takes a quarter of the time: 64 MiB roughly halves that. Defaults to 64.
   */
  readonly semiSpaceMiB?: number;
  /** The `index.js` of another build of @specmesh/sim: run as the baseline, interleaved with this one. */
  readonly baseline?: string;
}

export interface SimSpeedRun {
  readonly engine: 'current' | 'baseline';
  readonly wallMs: number;
  /** CPU time of the run's process (user + system, the collector's threads included), ms. */
  readonly cpuMs: number;
  /** Peak resident memory of the run's process, MiB. */
  readonly peakRssMiB: number;
  /** 1-minute load average of the machine when the run ended. */
  readonly loadAverage: number;
  readonly events: number;
  readonly eventsPerSecond: number;
  readonly eventsPerCpuSecond: number;
  readonly completed: number;
  readonly tokens: number;
}

/** One engine's runs and their medians. */
export interface SimSpeedSide {
  readonly runs: readonly SimSpeedRun[];
  /** Events of a run (every run of an engine simulates the same thing). */
  readonly events: number;
  readonly medianWallMs: number;
  readonly medianEventsPerSecond: number;
  /** Median CPU time of a run, ms, and events per CPU second at that median. */
  readonly medianCpuMs: number;
  readonly medianEventsPerCpuSecond: number;
  /** Largest peak resident memory of a run, MiB. */
  readonly peakRssMiB: number;
}

export interface SimSpeedReport extends SimSpeedSide {
  readonly scenario: string;
  readonly drafters: number;
  readonly targets: number;
  readonly requests: number;
  /** V8 semi-space of the runs, MiB (0: V8's default). */
  readonly semiSpaceMiB: number;
  readonly virtualMs: number;
  /** The last run's report (every run simulates the same thing). */
  readonly report: SimReport;
  /** The baseline build's runs, when one was given. */
  readonly baseline?: SimSpeedSide & {
    /** Its report equals this engine's, field for field (same seed, same metrics). */
    readonly identical: boolean;
    /** Baseline median CPU time over this engine's: the speed-up. */
    readonly cpuRatio: number;
  };
}

/** Runs `scenario` on `engine` (a build's index.js; undefined: @specmesh/sim) in a process of its own. */
function runOnce(
  scenario: Scenario,
  engine: string | undefined,
  semiSpaceMiB: number,
): { run: Omit<SimSpeedRun, 'engine'>; report: SimReport } {
  const input: SimSpeedChildInput = { scenario, ...(engine ? { engine } : {}) };
  const flags = semiSpaceMiB > 0 ? [`--max-semi-space-size=${semiSpaceMiB}`] : [];
  const child = spawnSync(process.execPath, [...flags, RUNNER], {
    input: JSON.stringify(input),
    stdio: ['pipe', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0)
    throw new InternalError(
      `sim-speed run failed (${engine ?? '@specmesh/sim'}): exit ${child.status ?? child.signal}`,
    );
  const out = JSON.parse(child.stdout.toString('utf8')) as SimSpeedChildOutput;
  const { report } = out;
  return {
    report,
    run: {
      wallMs: out.wallMs,
      cpuMs: out.cpuMs,
      peakRssMiB: out.peakRssMiB,
      loadAverage: loadavg()[0]!,
      events: report.events,
      eventsPerSecond: report.events / (out.wallMs / 1000),
      eventsPerCpuSecond: report.events / (out.cpuMs / 1000),
      completed: report.completed,
      tokens: report.tokens,
    },
  };
}

function side(runs: readonly SimSpeedRun[], events: number): SimSpeedSide {
  const medianWallMs = median(runs.map((r) => r.wallMs));
  const medianCpuMs = median(runs.map((r) => r.cpuMs));
  return {
    runs,
    events,
    medianWallMs,
    medianEventsPerSecond: events / (medianWallMs / 1000),
    medianCpuMs,
    medianEventsPerCpuSecond: events / (medianCpuMs / 1000),
    peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)),
  };
}

/**
 * Runs `scenario` `options.runs` times (odd), each in a fresh process, and as often on the baseline
 * build when given, alternating which goes first; `onRun` hears of each run as it ends.
 */
export function runSimSpeed(
  scenario: Scenario,
  options: SimSpeedOptions,
  onRun: (run: SimSpeedRun, index: number) => void = () => undefined,
): SimSpeedReport {
  const { runs, baseline } = options;
  const semiSpaceMiB = options.semiSpaceMiB ?? SIM_SPEED_SEMI_SPACE_MIB;
  if (!(Number.isInteger(runs) && runs >= 1 && runs % 2 === 1))
    throw new ConfigError(
      `--runs must be an odd positive integer (the median is then one run), got ${runs}`,
      {
        context: { option: 'runs' },
      },
    );
  if (!(Number.isInteger(semiSpaceMiB) && semiSpaceMiB >= 0))
    throw new ConfigError(
      `--semi-space must be a whole number of MiB (0: V8's default), got ${semiSpaceMiB}`,
      {
        context: { option: 'semi-space' },
      },
    );
  const current: SimSpeedRun[] = [];
  const base: SimSpeedRun[] = [];
  let report: SimReport | undefined;
  let baseReport: SimReport | undefined;
  for (let i = 0; i < runs; i++) {
    const order: ('current' | 'baseline')[] = !baseline
      ? ['current']
      : i % 2 === 0
        ? ['baseline', 'current']
        : ['current', 'baseline'];
    for (const engine of order) {
      const r = runOnce(scenario, engine === 'baseline' ? baseline : undefined, semiSpaceMiB);
      const run = { engine, ...r.run };
      if (engine === 'baseline') {
        baseReport = r.report;
        base.push(run);
      } else {
        report = r.report;
        current.push(run);
      }
      onRun(run, i);
    }
  }
  const now = side(current, report!.events);
  const before = baseReport ? side(base, baseReport.events) : undefined;
  return {
    scenario: scenario.name,
    drafters: scenario.drafters.reduce((s, g) => s + g.count, 0),
    targets: scenario.targets.count,
    requests: scenario.workload.requests,
    semiSpaceMiB,
    ...now,
    virtualMs: report!.makespanMs,
    report: report!,
    ...(before
      ? {
          baseline: {
            ...before,
            identical: JSON.stringify(baseReport) === JSON.stringify(report),
            cpuRatio: before.medianCpuMs / now.medianCpuMs,
          },
        }
      : {}),
  };
}

const s2 = (ms: number) => (ms / 1000).toFixed(2);
const count = (n: number) => Math.round(n).toLocaleString('en');

export function formatSimSpeedRun(r: SimSpeedRun, index: number): string {
  return `run ${index + 1}${r.engine === 'baseline' ? ' (baseline)' : ''}: ${s2(r.wallMs)} s wall, ${s2(r.cpuMs)} s CPU, ${r.events} events, ${count(r.eventsPerSecond)} events/s (${count(r.eventsPerCpuSecond)} per CPU second), ${r.completed} requests, ${r.tokens} tokens; peak RSS ${r.peakRssMiB.toFixed(0)} MiB, load average ${r.loadAverage.toFixed(2)}`;
}

function formatSide(name: string, x: SimSpeedSide): string {
  return `${name}: median of ${x.runs.length} ${s2(x.medianWallMs)} s, ${count(x.medianEventsPerSecond)} events/s (CPU ${s2(x.medianCpuMs)} s, ${count(x.medianEventsPerCpuSecond)} events per CPU second), ${x.events} events; peak RSS ${x.peakRssMiB.toFixed(0)} MiB`;
}

export function formatSimSpeed(r: SimSpeedReport): string {
  const m = r.report;
  const loads = [...r.runs, ...(r.baseline?.runs ?? [])].map((x) => x.loadAverage);
  const lines = [
    `${r.scenario}: ${r.drafters} drafters, ${r.targets} targets, ${r.requests} requests; ${(r.virtualMs / 1000).toFixed(1)} s of virtual time (${(r.virtualMs / r.medianWallMs).toPrecision(2)}x real time); semi-space ${r.semiSpaceMiB > 0 ? `${r.semiSpaceMiB} MiB` : "V8's default"}; load average ${Math.min(...loads).toFixed(2)} to ${Math.max(...loads).toFixed(2)}`,
    formatSide('this build', r),
  ];
  if (r.baseline)
    lines.push(
      formatSide('baseline', r.baseline),
      `speed-up (baseline CPU / this build's CPU): ${r.baseline.cpuRatio.toFixed(2)}x; reports ${r.baseline.identical ? 'identical' : 'DIFFER'}`,
    );
  lines.push(
    `metrics: throughput ${m.throughputTokPerSec.toFixed(0)} tok/s, TTFT mean ${m.ttftMs.mean.toFixed(1)} ms, TPOT mean ${m.tpotMs.mean.toFixed(2)} ms, acceptance ${m.acceptance.toFixed(3)}, target utilisation ${(m.targetUtilisation.mean * 100).toFixed(1)}%`,
  );
  return lines.join('\n');
}
