/**
 * `specmesh awc bench`: AWC against static windows (1 = fused, 2, 3, 4, 6, 8), acceptance back-off
 * and the threshold policy in the simulator, on the DSD scenario and on conditions held out of the
 * training sweep (RTT × 0.75, 3, 15; load × 0.8, 1.15), or on the training sweep itself.
 */
import { performance } from 'node:perf_hooks';
import { shippedAwcWeights } from '@specmesh/core';
import {
  AWC_BENCH_POLICIES,
  AWC_HELD_OUT_LOAD_SCALES,
  AWC_HELD_OUT_RTT_SCALES,
  AWC_TRAINING_LOAD_SCALES,
  AWC_TRAINING_RTT_SCALES,
  type AwcBenchCell,
  type AwcCondition,
  conditionGrid,
  loadScenario,
  renderAwcBenchSvg,
  runAwcBench,
  summarizeAwcBench,
} from '@specmesh/sim';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { createProgress } from '../progress.js';
import {
  BATCHING_OPTIONS,
  DEFAULT_AWC_SCENARIO,
  FUSED_DRAFT_COST_OPTION,
  type FusedDraftCost,
  positiveInt,
  positiveList,
  withBatching,
  withFusedDraftCost,
  writeOutput,
} from './awc-files.js';
import { loadAwcWeightsFile } from './awc-weights-file.js';
import { formatAwcBench } from './format-awc-bench.js';

type Sweep = 'held-out' | 'training' | 'all';

interface BenchArgs {
  scenario: string;
  weights?: string;
  seeds: number;
  sweep: Sweep;
  requests?: number;
  svg?: string;
  fusedDraftCost?: FusedDraftCost;
  batchingKnee?: number;
  batchingPerPositionMs: number;
  awcWindows?: number[];
  rttScales?: number[];
  loadScales?: number[];
  json: boolean;
}

/** The DSD scenario itself, then the held-out grid; or the training grid; or both. */
export function benchConditions(sweep: Sweep): AwcCondition[] {
  const heldOut = [
    { rttScale: 1, loadScale: 1 },
    ...conditionGrid(AWC_HELD_OUT_RTT_SCALES, AWC_HELD_OUT_LOAD_SCALES),
  ];
  const training = conditionGrid(AWC_TRAINING_RTT_SCALES, AWC_TRAINING_LOAD_SCALES);
  if (sweep === 'held-out') return heldOut;
  if (sweep === 'training') return training;
  return [...heldOut, ...training.filter((c) => c.rttScale !== 1 || c.loadScale !== 1)];
}

async function runBench(args: ArgumentsCamelCase<BenchArgs>): Promise<void> {
  const base = withBatching(
    withFusedDraftCost(loadScenario(args.scenario), args.fusedDraftCost),
    args.batchingKnee,
    args.batchingPerPositionMs,
  );
  const scenario =
    args.requests !== undefined
      ? { ...base, workload: { ...base.workload, requests: positiveInt('requests', args.requests) } }
      : base;
  const fusedDraftCost = scenario.targets.fusedDraftCost ?? 'target';
  const seedCount = positiveInt('seeds', args.seeds);
  const seeds = Array.from({ length: seedCount }, (_, i) => (base.seed ?? 1) + i);
  // An explicit grid (both axes) replaces the sweep: e.g. the busy conditions of batching targets.
  const conditions =
    args.rttScales && args.loadScales
      ? conditionGrid(
          positiveList('rtt-scales', args.rttScales, []),
          positiveList('load-scales', args.loadScales, []),
        )
      : benchConditions(args.sweep);
  const weights = args.weights ? loadAwcWeightsFile(args.weights) : shippedAwcWeights();
  const progress = createProgress('awc bench', conditions.length * AWC_BENCH_POLICIES.length * seedCount, {
    enabled: !args.json,
  });
  const t0 = performance.now();
  let cells: AwcBenchCell[];
  try {
    cells = runAwcBench({
      scenario,
      conditions,
      seeds,
      awcWeights: weights,
      ...(args.awcWindows ? { awcWindows: positiveList('awc-windows', args.awcWindows, []) } : {}),
      onProgress: (done) => progress.update(done),
    });
  } finally {
    progress.stop();
  }
  const wall = performance.now() - t0;
  const summary = summarizeAwcBench(cells);
  const header = `AWC benchmark: ${scenario.name}, ${scenario.workload.requests} requests × ${seedCount} seeds per cell, per-round fused mode (fused drafting ${fusedDraftCost}), windows up to 8; weights ${args.weights ?? 'shipped'}${args.awcWindows ? `, AWC windows ${args.awcWindows.join(' ')}` : ''}; sweep ${args.rttScales && args.loadScales ? `RTT × ${args.rttScales.join(' ')}, load × ${args.loadScales.join(' ')}` : args.sweep}`;
  if (args.svg)
    writeOutput(
      args.svg,
      await renderAwcBenchSvg(summary, `AWC vs static windows (${scenario.name}, ${args.sweep})`),
    );
  process.stdout.write(
    args.json
      ? `${JSON.stringify({ header, cells, summary, wallMs: wall })}\n`
      : `${formatAwcBench(cells, summary, header, wall)}${args.svg ? `\nwrote ${args.svg}` : ''}\n`,
  );
}

export const awcBenchCommand: CommandModule<object, BenchArgs> = {
  command: 'bench',
  describe: 'AWC vs static windows, back-off, threshold and bandit in the simulator, on held-out conditions',
  builder: (y: Argv) =>
    y
      .option('scenario', {
        type: 'string',
        default: DEFAULT_AWC_SCENARIO,
        describe: 'Scenario file (default: dsd-gsm8k)',
      })
      .option('weights', {
        type: 'string',
        describe: 'WC-DNN weights (default: the weights shipped with @specmesh/core)',
      })
      .option('seeds', {
        type: 'number',
        default: 3,
        describe: 'Seeds per (condition, policy); figures are means',
      })
      .option('sweep', {
        type: 'string',
        choices: ['held-out', 'training', 'all'],
        default: 'held-out',
        describe: 'Conditions: the DSD scenario and held-out ones, the training sweep, or both',
      })
      .option('requests', { type: 'number', describe: "Override the scenario's request count" })
      .option('rtt-scales', {
        type: 'array',
        number: true,
        describe: 'With --load-scales: RTT multipliers of a grid that replaces --sweep',
      })
      .option('load-scales', {
        type: 'array',
        number: true,
        describe: 'With --rtt-scales: load multipliers of a grid that replaces --sweep',
      })
      .option('svg', { type: 'string', describe: 'Write the chart (SVG) here' })
      .option('fused-draft-cost', FUSED_DRAFT_COST_OPTION)
      .options(BATCHING_OPTIONS)
      .option('awc-windows', {
        type: 'array',
        number: true,
        describe:
          "Windows AWC's post-processing rounds to (default DSD's 1 2 3 4 6 8; 1 4 6 8 skips 2 and 3)",
      })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'Print every cell and the summary as JSON',
      })
      .example(
        '$0 awc bench --svg docs/benchmarks/img/awc-held-out.svg',
        'the held-out conditions, with a chart',
      ) as unknown as Argv<BenchArgs>,
  handler: runBench,
};
