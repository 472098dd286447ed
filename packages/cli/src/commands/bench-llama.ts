/**
 * `specmesh bench llama`: real GGUF models — verification cost per window, and tokens/s of plain
 * decoding, node-llama-cpp's own speculation and specmesh non-SI / SI / DSI per drafter agreement.
 */
import type { Argv, CommandModule } from 'yargs';
import { withLogLevelOption } from '../connection-options.js';
import { withJsonOption } from '../output.js';

export interface BenchLlamaArgs {
  repeats?: number;
  tokens?: number;
  quick: boolean;
  agreements: string;
  model?: string;
  draftModel?: string;
  k: number;
  threads: number;
  dsiTargets: number;
  logLevel: string;
  json: boolean;
}

export const benchLlamaCommand: CommandModule<object, BenchLlamaArgs> = {
  command: 'llama',
  describe: "Real GGUF models: verify cost per window; plain vs node-llama-cpp's speculation vs specmesh",
  builder: (y: Argv) =>
    withJsonOption(withLogLevelOption(y), 'the figures')
      .option('repeats', {
        type: 'number',
        describe: 'Requests per mode and agreement. Defaults to 3 (1 with --quick)',
      })
      .option('tokens', { type: 'number', describe: 'Tokens per request. Defaults to 50 (16 with --quick)' })
      .option('quick', {
        type: 'boolean',
        default: false,
        describe: 'One synthetic pair (agreement 0.7), short requests, one repeat',
      })
      .option('agreements', {
        type: 'string',
        default: '0.5,0.7,0.9,1',
        describe: 'Drafter agreements of the synthetic pairs (made and cached)',
      })
      .option('model', { type: 'string', describe: 'Your target GGUF instead of the synthetic one' })
      .option('draft-model', { type: 'string', describe: 'Your drafter GGUF (with --model)' })
      .option('k', { type: 'number', default: 4, describe: 'Draft window' })
      .option('threads', { type: 'number', default: 1, describe: 'CPU threads per forward pass' })
      .option('dsi-targets', { type: 'number', default: 2, describe: 'Verifiers DSI runs with' })
      .example(
        '$0 bench llama --tokens 128 --repeats 3',
        'speculation on synthetic GGUF models',
      ) as unknown as Argv<BenchLlamaArgs>,
  handler: async (args) => (await import('../run/bench-llama.js')).runBenchLlama(args),
};
