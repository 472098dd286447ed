/** Model flags shared by `node`, `up` and the benchmarks: which backend, and the emulated profile. */
import { type EmulatedModelOptions, type LanguageModel, PooledModel } from '@specmesh/models';
import { ConfigError } from '@specmesh/protocol';
import type { Argv } from 'yargs';

export interface ModelArgs {
  backend: string;
  seed: number;
  agreement: number;
  vocab: number;
  targetTtftMs: number;
  targetTpotMs: number;
  targetPerTokenMs: number;
  draftTtftMs: number;
  draftTpotMs: number;
  modelThreads: number;
}

export function withModelOptions<T>(y: Argv<T>) {
  return y
    .option('backend', {
      type: 'string',
      choices: ['emulated'],
      default: 'emulated',
      describe: 'Model backend',
    })
    .option('seed', {
      type: 'number',
      default: 11,
      describe: 'Seed of the emulated language (target and drafter share it)',
    })
    .option('agreement', {
      type: 'number',
      default: 0.8,
      describe: "Emulated drafter's per-token agreement with the target",
    })
    .option('vocab', { type: 'number', default: 512, describe: 'Emulated vocabulary size' })
    .option('target-ttft-ms', { type: 'number', default: 30, describe: 'Emulated target: first call, ms' })
    .option('target-tpot-ms', {
      type: 'number',
      default: 20,
      describe: 'Emulated target: each later call, ms',
    })
    .option('target-per-token-ms', {
      type: 'number',
      default: 1,
      describe: 'Emulated target: per extra token verified, ms',
    })
    .option('draft-ttft-ms', { type: 'number', default: 3, describe: 'Emulated drafter: first call, ms' })
    .option('draft-tpot-ms', {
      type: 'number',
      default: 2,
      describe: 'Emulated drafter: each later call, ms',
    });
}

/** Flags to pass the same model settings on to a child `specmesh node` process. */
export function modelFlags(a: ModelArgs): string[] {
  return [
    '--backend',
    a.backend,
    '--seed',
    String(a.seed),
    '--agreement',
    String(a.agreement),
    '--vocab',
    String(a.vocab),
    '--target-ttft-ms',
    String(a.targetTtftMs),
    '--target-tpot-ms',
    String(a.targetTpotMs),
    '--target-per-token-ms',
    String(a.targetPerTokenMs),
    '--draft-ttft-ms',
    String(a.draftTtftMs),
    '--draft-tpot-ms',
    String(a.draftTpotMs),
  ];
}

/** Builds the role's model; its steps run in a piscina worker thread (`--model-threads`). */
export function createModel(a: ModelArgs, role: 'target' | 'drafter'): LanguageModel {
  if (a.backend !== 'emulated') throw new ConfigError(`backend ${a.backend} is not available in this build`);
  if (!(a.agreement >= 0 && a.agreement <= 1))
    throw new ConfigError(`--agreement must be in [0, 1], got ${a.agreement}`);
  const shared = { seed: a.seed, vocabSize: a.vocab };
  const options: EmulatedModelOptions =
    role === 'target'
      ? {
          ...shared,
          latency: { ttftMs: a.targetTtftMs, tpotMs: a.targetTpotMs, perTokenMs: a.targetPerTokenMs },
        }
      : { ...shared, agreement: a.agreement, latency: { ttftMs: a.draftTtftMs, tpotMs: a.draftTpotMs } };
  return new PooledModel({ backend: 'emulated', options }, { threads: a.modelThreads });
}
