/**
 * The model settings of `specmesh node`, `up` and the experiments as values: which backend, the
 * emulated profile, and the GGUF files and runtime settings of the llama backend. The CLI declares
 * the flags (packages/cli model-options.ts); this turns their values into flags for child role
 * processes, model specs and models.
 */
import { type BatchCostProfile, validateBatchCost } from '@specmesh/core';
import {
  type EmulatedModelOptions,
  type LlamaGpu,
  loadLlamaCode,
  type ModelSpec,
  PooledModel,
} from '@specmesh/models';
import { ConfigError } from '@specmesh/protocol';

export interface ModelArgs {
  backend: string;
  seed: number;
  agreement: number;
  vocab: number;
  targetTtftMs: number;
  targetTpotMs: number;
  targetPerTokenMs: number;
  /** Optional so plans built in code (validate-cluster) need not name them; yargs always sets them. */
  targetBatching?: boolean;
  targetPerPositionMs?: number;
  targetKnee?: number;
  draftTtftMs: number;
  draftTpotMs: number;
  modelThreads: number;
  /** Emulated: steps one worker runs at once (undefined: the model's default). */
  parallelSteps?: number;
  model?: string;
  draftModel?: string;
  llamaThreads: number;
  sequences: number;
  contextSize?: number;
  gpu: string;
}

/** Flags to pass the same model settings on to a child `specmesh node` process. */
export function modelFlags(a: ModelArgs): string[] {
  const flags = ['--backend', a.backend, '--model-threads', String(a.modelThreads)];
  if (a.parallelSteps !== undefined && a.backend !== 'llama')
    flags.push('--parallel-steps', String(a.parallelSteps));
  if (a.backend === 'llama') {
    if (a.model) flags.push('--model', a.model);
    if (a.draftModel) flags.push('--draft-model', a.draftModel);
    flags.push('--llama-threads', String(a.llamaThreads), '--sequences', String(a.sequences), '--gpu', a.gpu);
    if (a.contextSize !== undefined) flags.push('--context-size', String(a.contextSize));
    return flags;
  }
  flags.push(
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
  );
  // Only when on, so command lines without batching stay as they were.
  const batching = batchingOf(a);
  if (batching)
    flags.push(
      '--target-batching',
      '--target-per-position-ms',
      String(batching.perPositionMs),
      '--target-knee',
      String(batching.kneePositions),
    );
  return flags;
}

/** The emulated target's pass cost with `--target-batching` (base: `--target-tpot-ms`); else undefined. */
export function batchingOf(a: ModelArgs): BatchCostProfile | undefined {
  if (!a.targetBatching) return undefined;
  const profile = {
    baseMs: a.targetTpotMs,
    perPositionMs: a.targetPerPositionMs ?? 0.15,
    kneePositions: a.targetKnee ?? 32,
  };
  try {
    return validateBatchCost(profile);
  } catch (err) {
    // Name the flag, not the profile field, so the user knows what to fix.
    const field = err instanceof ConfigError ? err.context['field'] : undefined;
    const flag = BATCHING_FLAGS[field as keyof BatchCostProfile] ?? 'target-tpot-ms';
    throw new ConfigError(`--${flag}: ${(err as Error).message}`, { context: { option: flag } });
  }
}

/** The flag that sets each field of the emulated target's pass cost. */
const BATCHING_FLAGS: Record<keyof BatchCostProfile, string> = {
  baseMs: 'target-tpot-ms',
  perPositionMs: 'target-per-position-ms',
  kneePositions: 'target-knee',
};

/** The model a role runs, as a spec a worker thread can build. */
export function modelSpecOf(a: ModelArgs, role: 'target' | 'drafter'): ModelSpec {
  if (a.backend === 'llama') {
    const path = role === 'target' ? a.model : a.draftModel;
    if (!path)
      throw new ConfigError(
        `--backend llama needs ${role === 'target' ? '--model' : '--draft-model'} <file.gguf>`,
        {
          context: { option: role === 'target' ? 'model' : 'draft-model' },
        },
      );
    return {
      backend: 'llama',
      options: {
        modelPath: path,
        threads: a.llamaThreads,
        sequences: a.sequences,
        gpu: (a.gpu === 'false' ? false : a.gpu) as LlamaGpu,
        ...(a.contextSize !== undefined ? { contextSize: a.contextSize } : {}),
      },
    };
  }
  if (a.backend !== 'emulated') throw new ConfigError(`backend ${a.backend} is not available in this build`);
  if (!(a.agreement >= 0 && a.agreement <= 1))
    throw new ConfigError(`--agreement must be in [0, 1], got ${a.agreement}`);
  const shared = { seed: a.seed, vocabSize: a.vocab };
  const batching = batchingOf(a);
  const options: EmulatedModelOptions =
    role === 'target'
      ? {
          ...shared,
          latency: { ttftMs: a.targetTtftMs, tpotMs: a.targetTpotMs, perTokenMs: a.targetPerTokenMs },
          ...(batching ? { batching } : {}),
        }
      : { ...shared, agreement: a.agreement, latency: { ttftMs: a.draftTtftMs, tpotMs: a.draftTpotMs } };
  return { backend: 'emulated', options };
}

/**
 * Loads the code of the backend (node-llama-cpp for llama; the emulated one is loaded already) and
 * opens nothing: what a warm spare does before it waits (see {@link createModel} for the rest).
 */
export async function loadModelCode(a: Pick<ModelArgs, 'backend'>): Promise<void> {
  if (a.backend === 'llama') await loadLlamaCode();
}

/**
 * Builds the role's model; its steps run in piscina worker threads (`--model-threads`). A bad model
 * file fails here with `ModelFileError` naming it.
 */
export function createModel(a: ModelArgs, role: 'target' | 'drafter'): Promise<PooledModel> {
  if (!Number.isInteger(a.modelThreads) || a.modelThreads < 1)
    throw new ConfigError(`--model-threads must be a positive integer, got ${a.modelThreads}`);
  if (a.parallelSteps !== undefined && !(Number.isInteger(a.parallelSteps) && a.parallelSteps >= 1))
    throw new ConfigError(`--parallel-steps must be a positive integer, got ${a.parallelSteps}`);
  const concurrency = a.backend === 'llama' ? undefined : a.parallelSteps;
  return PooledModel.open(modelSpecOf(a, role), {
    threads: a.modelThreads,
    ...(concurrency !== undefined ? { concurrency } : {}),
  });
}
