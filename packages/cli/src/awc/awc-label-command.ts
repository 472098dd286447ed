/**
 * `specmesh awc label`: oracle labelling of AWC decisions in the simulator (see @specmesh/sim's
 * awc-labeller.ts) over a sweep of network and load conditions, written as a JSON-lines dataset.
 */
import { performance } from 'node:perf_hooks';
import {
  AWC_TRAINING_LOAD_SCALES,
  AWC_TRAINING_RTT_SCALES,
  type AwcBehaviour,
  type AwcDataset,
  type AwcObjective,
  conditionGrid,
  formatAwcDataset,
  labelAwc,
  loadScenario,
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

interface LabelArgs {
  scenario: string;
  out: string;
  samples: number;
  rttScales?: number[];
  loadScales?: number[];
  objective: AwcObjective;
  seed: number;
  size: number;
  horizon: number;
  behaviour: AwcBehaviour;
  weights?: string;
  fusedDraftCost?: FusedDraftCost;
  batchingKnee?: number;
  batchingPerPositionMs: number;
  json: boolean;
}

function labelMix(d: AwcDataset, condition: number, objective: AwcObjective): string {
  const counts = new Map<number, number>();
  let n = 0;
  for (const s of d.samples)
    if (s.condition === condition) {
      counts.set(s.best[objective], (counts.get(s.best[objective]) ?? 0) + 1);
      n++;
    }
  return d.header.actions
    .map((a) => `${Math.round((100 * (counts.get(a) ?? 0)) / Math.max(1, n))}`.padStart(4))
    .join('');
}

export function formatLabelReport(d: AwcDataset, wallMs: number, out: string): string {
  const h = d.header;
  const head = h.actions.map((a) => String(a).padStart(4)).join('');
  const lines = [
    `AWC oracle labels: ${h.samples} decisions of ${h.scenario} at size ${h.size}, ${h.conditions.length} conditions, horizon ${h.horizonTokens} tokens, behaviour ${h.behaviour}, seed ${h.seed}, fused drafting ${h.fusedDraftCost ?? 'free'}; ${(wallMs / 1000).toFixed(1)} s`,
    `  best window, % of the condition's samples (1 = fused); the file's objective is ${h.objective}`,
    `  RTT×  load×  runs  points  kept  disturbed  | latency:${head}  | throughput:${head}`,
  ];
  h.conditions.forEach((c, i) => {
    lines.push(
      `  ${String(c.rttScale).padStart(4)} ${String(c.loadScale).padStart(5)} ${String(c.runs).padStart(5)} ${String(c.points).padStart(7)} ${String(c.samples).padStart(5)} ${String(c.disturbed).padStart(10)}  |         ${labelMix(d, i, 'latency')}  |            ${labelMix(d, i, 'throughput')}`,
    );
  });
  lines.push(`wrote ${out}`);
  return lines.join('\n');
}

async function runLabel(args: ArgumentsCamelCase<LabelArgs>): Promise<void> {
  const samples = positiveInt('samples', args.samples);
  const conditions = conditionGrid(
    positiveList('rtt-scales', args.rttScales, AWC_TRAINING_RTT_SCALES),
    positiveList('load-scales', args.loadScales, AWC_TRAINING_LOAD_SCALES),
  );
  const progress = createProgress('awc label', samples, { enabled: !args.json });
  const t0 = performance.now();
  let d: AwcDataset;
  try {
    d = labelAwc({
      scenario: withBatching(
        withFusedDraftCost(loadScenario(args.scenario), args.fusedDraftCost),
        args.batchingKnee,
        args.batchingPerPositionMs,
      ),
      samples,
      conditions,
      objective: args.objective,
      seed: args.seed,
      size: args.size,
      horizonTokens: positiveInt('horizon', args.horizon),
      behaviour: args.behaviour,
      ...(args.weights ? { awcWeights: loadAwcWeightsFile(args.weights) } : {}),
      onProgress: (done) => progress.update(done),
    });
  } finally {
    progress.stop();
  }
  const wall = performance.now() - t0;
  writeOutput(args.out, formatAwcDataset(d));
  process.stdout.write(
    args.json
      ? `${JSON.stringify({ ...d.header, wallMs: wall, out: args.out })}\n`
      : `${formatLabelReport(d, wall, args.out)}\n`,
  );
}

export const awcLabelCommand: CommandModule<object, LabelArgs> = {
  command: 'label',
  describe: 'Label window decisions by counterfactual replay in the simulator (writes a JSON-lines dataset)',
  builder: (y: Argv) =>
    y
      .option('scenario', {
        type: 'string',
        default: DEFAULT_AWC_SCENARIO,
        describe: 'Scenario file (default: dsd-gsm8k)',
      })
      .option('out', { type: 'string', demandOption: true, describe: 'Dataset file to write (JSON lines)' })
      .option('samples', {
        type: 'number',
        default: 50_000,
        describe: 'Decisions to label, spread over the conditions',
      })
      .option('rtt-scales', {
        type: 'array',
        number: true,
        describe: 'RTT multipliers (default 0.5 1 2 5 10 20)',
      })
      .option('load-scales', {
        type: 'array',
        number: true,
        describe: 'Load multipliers (default 0.6 1 1.3)',
      })
      .option('objective', {
        type: 'string',
        choices: ['latency', 'throughput'],
        default: 'throughput',
        describe: 'Objective recorded as the file default (both labels are in every sample)',
      })
      .option('seed', { type: 'number', default: 1, describe: 'Seed of the runs and choices' })
      .option('size', {
        type: 'number',
        default: 0.25,
        describe: "Share of the scenario's drafters, targets and requests",
      })
      .option('horizon', { type: 'number', default: 32, describe: 'Output tokens a forced window lasts' })
      .option('behaviour', {
        type: 'string',
        choices: ['explore', 'static', 'backoff', 'threshold', 'awc'],
        default: 'explore',
        describe: 'Policy of the decisions not forced',
      })
      .option('weights', {
        type: 'string',
        describe: 'WC-DNN weights for --behaviour awc (default: shipped)',
      })
      .option('fused-draft-cost', FUSED_DRAFT_COST_OPTION)
      .options(BATCHING_OPTIONS)
      .option('json', { type: 'boolean', default: false, describe: 'Print the summary as JSON' })
      .example('$0 awc label --out awc-data.jsonl', '50,000 decisions over the reference sweep')
      .example(
        '$0 awc label --out quick.jsonl --samples 2000 --rtt-scales 1 5 --load-scales 1',
        'a quick look at two conditions',
      ) as unknown as Argv<LabelArgs>,
  handler: runLabel,
};
