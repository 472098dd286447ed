/**
 * `specmesh bench rounds`: where a verification round's time goes on the real cluster, component by
 * component (model calls, worker hand-offs, verifier code and queue, NATS hops, drafting,
 * orchestration), per verify route.
 */
import type { Argv, CommandModule } from 'yargs';
import { withLogLevelOption } from '../connection-options.js';
import { withJsonOption } from '../output.js';

export interface BenchRoundsArgs {
  backend: 'emulated' | 'llama';
  routes: string;
  repeats?: number;
  tokens?: number;
  k: number;
  agreement: number;
  targetTpotMs: number;
  quick: boolean;
  logLevel: string;
  json: boolean;
}

export const benchRoundsCommand: CommandModule<object, BenchRoundsArgs> = {
  command: 'rounds',
  describe: 'Where a verification round spends its time, per component and verify route (SI, one verifier)',
  builder: (y: Argv) =>
    withJsonOption(withLogLevelOption(y), 'the figures')
      .option('backend', {
        choices: ['emulated', 'llama'] as const,
        default: 'emulated' as const,
        describe: 'emulated models, or the synthetic llama demo pair through node-llama-cpp (1 thread each)',
      })
      .option('routes', {
        type: 'string',
        default: 'direct,batcher',
        describe: 'Verify routes, comma-separated: direct, batcher; each on its own cluster, interleaved',
      })
      .option('repeats', { type: 'number', describe: 'Requests per route. Defaults to 5 (2 with --quick)' })
      .option('tokens', { type: 'number', describe: 'Tokens per request. Defaults to 128 (32 with --quick)' })
      .option('k', { type: 'number', default: 4, describe: 'Static draft window' })
      .option('agreement', {
        type: 'number',
        default: 0.7,
        describe: "Drafter's agreement with the target (emulated; the llama pair of that agreement)",
      })
      .option('target-tpot-ms', {
        type: 'number',
        default: 10.5,
        describe: "Emulated target's ms per position (10.5: the synthetic llama pair's plain step here)",
      })
      .option('quick', { type: 'boolean', default: false, describe: 'Fewer and shorter requests' })
      .example('$0 bench rounds', 'emulated models, direct vs batcher route')
      .example(
        '$0 bench rounds --backend llama --repeats 5',
        'the synthetic llama pair',
      ) as unknown as Argv<BenchRoundsArgs>,
  handler: async (args) => (await import('../run/bench-rounds.js')).runBenchRounds(args),
};
