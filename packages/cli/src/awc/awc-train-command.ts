/**
 * `specmesh awc train`: fits the WC-DNN to a labelled dataset (Huber loss, Adam; @specmesh/core's
 * trainAwc) and writes versioned weights. Prints train and validation Huber loss and window accuracy
 * per epoch, then how the trained policy does on the validation decisions against the oracle and against
 * every static window (mean value relative to the oracle's best, 1 = always the best window).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { type AwcEpochReport, AwcMlp, type AwcTrainResult, roundToAllowed, trainAwc } from '@specmesh/core';
import { ConfigError } from '@specmesh/protocol';
import {
  type AwcDataset,
  type AwcObjective,
  awcTrainingSet,
  mergeAwcDatasets,
  parseAwcDataset,
  policyValue,
} from '@specmesh/sim';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { createProgress } from '../progress.js';
import { positiveInt, writeOutput } from './awc-files.js';

interface TrainArgs {
  data: string[];
  out: string;
  objective?: AwcObjective;
  epochs: number;
  seed: number;
  hidden: number;
  blocks: number;
  neighbours: number;
  json: boolean;
}

/** γ_default of the shipped policy (`createWindowPolicy({ policy: 'awc' })` with k 4). */
const GAMMA_DEFAULT = 4;

export interface ValidationValues {
  readonly model: number;
  /** Per static window. */
  readonly statics: Readonly<Record<string, number>>;
}

export function validationValues(
  d: AwcDataset,
  r: AwcTrainResult,
  objective: AwcObjective,
): ValidationValues {
  const net = new AwcMlp(r.weights);
  const actions = d.header.actions;
  const lo = actions[0]!;
  const hi = actions[actions.length - 1]!;
  const model = policyValue(
    d,
    r.validationIndices,
    (x) => roundToAllowed(Math.min(hi, Math.max(lo, GAMMA_DEFAULT + net.predict(x))), actions),
    objective,
  );
  const statics: Record<string, number> = {};
  for (const a of actions) statics[String(a)] = policyValue(d, r.validationIndices, () => a, objective);
  return { model, statics };
}

const epochLine = (e: AwcEpochReport) =>
  `  ${String(e.epoch).padStart(5)} ${e.trainLoss.toFixed(4).padStart(10)} ${e.validationLoss.toFixed(4).padStart(10)} ${(100 * e.trainAccuracy).toFixed(1).padStart(9)}% ${(100 * e.validationAccuracy).toFixed(1).padStart(9)}%`;

export function formatTrainReport(
  r: AwcTrainResult,
  values: ValidationValues,
  objective: AwcObjective,
  wallMs: number,
  out: string,
): string {
  const every = Math.max(1, Math.floor(r.history.length / 10));
  const shown = r.history.filter(
    (e, i) => (i + 1) % every === 0 || i === r.history.length - 1 || e === r.best,
  );
  const statics = Object.entries(values.statics)
    .map(([a, v]) => `γ=${a} ${v.toFixed(3)}`)
    .join(', ');
  return [
    `AWC training on ${r.trainSamples} samples, ${r.validationSamples} for validation; objective ${objective}; ${(wallMs / 1000).toFixed(1)} s`,
    '  epoch      train Huber  val Huber  train acc    val acc',
    ...shown.map(epochLine),
    `  kept epoch ${r.best.epoch} (lowest validation Huber loss)`,
    `validation decisions, mean ${objective} relative to the oracle's best window (1 = always best):`,
    `  trained policy ${values.model.toFixed(3)}; static ${statics}`,
    `wrote ${out}`,
  ].join('\n');
}

async function runTrain(args: ArgumentsCamelCase<TrainArgs>): Promise<void> {
  const d = mergeAwcDatasets(
    args.data.map((file) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new ConfigError(`cannot read AWC dataset ${file}: ${(err as Error).message}`, { cause: err });
      }
      return parseAwcDataset(text, file);
    }),
  );
  const objective = args.objective ?? d.header.objective;
  const neighbours = positiveInt('neighbours', args.neighbours);
  const set = awcTrainingSet(d, { objective, neighbours });
  const epochs = positiveInt('epochs', args.epochs);
  const progress = createProgress('awc train', epochs, { enabled: !args.json });
  const t0 = performance.now();
  let r: AwcTrainResult;
  try {
    r = trainAwc(set, {
      epochs,
      seed: args.seed,
      hidden: args.hidden,
      blocks: args.blocks,
      gammaDefault: GAMMA_DEFAULT,
      allowed: d.header.actions,
      meta: {
        scenario: d.header.scenario,
        objective,
        samples: d.samples.length,
        neighbours,
        labelSeed: d.header.seed,
        horizonTokens: d.header.horizonTokens,
        fusedDraftCost: d.header.fusedDraftCost ?? 'free',
      },
      onEpoch: (e) => progress.update(e.epoch),
    });
  } finally {
    progress.stop();
  }
  const wall = performance.now() - t0;
  const values = validationValues(d, r, objective);
  writeOutput(args.out, `${JSON.stringify(r.weights, null, 1)}\n`);
  process.stdout.write(
    args.json
      ? `${JSON.stringify({ objective, best: r.best, history: r.history, validation: values, wallMs: wall, out: args.out })}\n`
      : `${formatTrainReport(r, values, objective, wall, args.out)}\n`,
  );
}

export const awcTrainCommand: CommandModule<object, TrainArgs> = {
  command: 'train',
  describe: 'Train the WC-DNN on a labelled dataset (Huber loss, Adam) and write its weights',
  builder: (y: Argv) =>
    y
      .option('data', {
        type: 'array',
        string: true,
        demandOption: true,
        describe: 'Dataset(s) from `specmesh awc label`, trained on together',
      })
      .option('out', { type: 'string', demandOption: true, describe: 'Weights file to write (JSON)' })
      .option('objective', {
        type: 'string',
        choices: ['latency', 'throughput'],
        describe: "Labels to learn (default: the dataset's objective)",
      })
      .option('epochs', { type: 'number', default: 60, describe: 'Passes over the training samples' })
      .option('seed', { type: 'number', default: 1, describe: 'Seed of initialisation, split and shuffling' })
      .option('hidden', { type: 'number', default: 12, describe: 'Hidden units' })
      .option('blocks', { type: 'number', default: 1, describe: 'Residual blocks' })
      .option('neighbours', {
        type: 'number',
        default: 64,
        describe: 'Samples whose costs set each training target (expected cost given the features)',
      })
      .option('json', { type: 'boolean', default: false, describe: 'Print the history as JSON' })
      .example(
        '$0 awc train --data awc-data.jsonl --out awc-weights.json',
        '60 epochs, seed 1',
      ) as unknown as Argv<TrainArgs>,
  handler: runTrain,
};
