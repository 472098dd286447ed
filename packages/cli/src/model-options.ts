/**
 * Model flags shared by `node`, `up` and the benchmarks: which backend, the emulated profile, and the
 * GGUF files and runtime settings of the llama backend. Declarations only (help must not load the
 * models): what the values become lives in @specmesh/lab/model-args.
 */
import type { ModelArgs } from '@specmesh/lab/model-args';
import type { Argv } from 'yargs';

export type { ModelArgs };

export function withModelOptions<T>(y: Argv<T>) {
  return y
    .option('backend', {
      type: 'string',
      choices: ['emulated', 'llama'],
      default: 'emulated',
      describe: 'Model backend: the emulated toy language, or GGUF models through node-llama-cpp',
    })
    .option('model-threads', {
      type: 'number',
      default: 1,
      describe: 'Worker threads per model (each holds a copy; sessions are spread over them)',
    })
    .option('parallel-steps', {
      type: 'number',
      describe:
        'Emulated: steps one worker thread runs at once, each its own timer (a drafter serving several sessions as separate devices); default 1, 256 for a batching target',
    })
    .option('model', {
      type: 'string',
      describe: 'llama: the target GGUF file (verifiers)',
    })
    .option('draft-model', {
      type: 'string',
      describe: 'llama: the drafter GGUF file (drafters)',
    })
    .option('llama-threads', {
      type: 'number',
      default: 1,
      describe: 'llama: CPU threads of one forward pass',
    })
    .option('sequences', {
      type: 'number',
      default: 4,
      describe: 'llama: sessions a worker holds at once (KV cache each); concurrent ones share a batch',
    })
    .option('context-size', {
      type: 'number',
      describe: "llama: tokens one session may hold (default: the model's, at most 4096)",
    })
    .option('gpu', {
      type: 'string',
      choices: ['false', 'auto', 'cuda', 'vulkan', 'metal'],
      default: 'false',
      describe: 'llama: GPU backend, or false for the CPU',
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
    .option('target-batching', {
      type: 'boolean',
      default: false,
      describe:
        'Emulated target batches like an accelerator: concurrent steps join one forward pass costing ' +
        '--target-tpot-ms plus --target-per-position-ms per extra position up to --target-knee ' +
        'positions, then proportional',
    })
    .option('target-per-position-ms', {
      type: 'number',
      default: 0.15,
      describe: 'Emulated batching target: each extra position of a pass below the knee, ms',
    })
    .option('target-knee', {
      type: 'number',
      default: 32,
      describe: 'Emulated batching target: positions at which a pass turns compute-bound',
    })
    .option('draft-ttft-ms', { type: 'number', default: 3, describe: 'Emulated drafter: first call, ms' })
    .option('draft-tpot-ms', {
      type: 'number',
      default: 2,
      describe: 'Emulated drafter: each later call, ms',
    });
}
