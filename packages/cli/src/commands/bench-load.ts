/**
 * `specmesh bench load`: non-SI, SI, DSI and `auto` under load — a grid of concurrency × edge round
 * trip on a process cluster with an emulated batching 70B target, beside the simulator's prediction.
 */
import type { Argv, CommandModule } from 'yargs';
import { withLogLevelOption } from '../connection-options.js';
import { withJsonOption } from '../output.js';

export interface BenchLoadArgs {
  repeats?: number;
  tokens?: number;
  quick: boolean;
  concurrency?: string;
  rtt?: string;
  modes?: string;
  requests?: number;
  drafterSessions?: number;
  warmup: boolean;
  k: number;
  logLevel: string;
  json: boolean;
}

export const benchLoadCommand: CommandModule<object, BenchLoadArgs> = {
  command: 'load',
  describe: 'Every mode under load (concurrency × edge RTT) on a process cluster, beside the simulator',
  builder: (y: Argv) =>
    withJsonOption(withLogLevelOption(y), 'the figures')
      .option('repeats', {
        type: 'number',
        describe: 'Rounds per cell, each running every mode. Defaults to 2 (1 with --quick)',
      })
      .option('tokens', { type: 'number', describe: 'Tokens per request. Defaults to 64 (32 with --quick)' })
      .option('quick', {
        type: 'boolean',
        default: false,
        describe: 'Concurrency 1,8, RTT 1 ms, fewer requests (tests)',
      })
      .option('concurrency', {
        type: 'string',
        describe: 'Closed-loop clients per cell, comma-separated. Defaults to 1,4,16,64 (1,8 with --quick)',
      })
      .option('rtt', {
        type: 'string',
        describe: 'Edge round trips, ms, comma-separated. Defaults to 1,20 (1 with --quick)',
      })
      .option('modes', {
        type: 'string',
        describe: 'Modes, comma-separated, run interleaved. Defaults to nonsi,si,dsi,auto',
      })
      .option('requests', {
        type: 'number',
        describe:
          'Requests per mode in each round of a cell (at least the concurrency). Defaults to twice the concurrency, at least 8',
      })
      .option('drafter-sessions', {
        type: 'number',
        describe:
          'Sessions one edge drafter process holds, each drafting on a device of its own. Defaults to 16',
      })
      .option('warmup', {
        type: 'boolean',
        default: true,
        describe:
          'A warm-up round (every mode, one request per client) before each cell (--no-warmup to skip)',
      })
      .option('k', { type: 'number', default: 4, describe: 'Draft window of SI and DSI' })
      .example(
        '$0 bench load --concurrency 1,16 --rtt 20',
        'non-SI, SI, DSI and auto under load, beside the simulator',
      ) as unknown as Argv<BenchLoadArgs>,
  handler: async (args) => (await import('../run/bench-load.js')).runBenchLoad(args),
};
