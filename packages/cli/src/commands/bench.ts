/**
 * `specmesh bench dsi`: non-SI vs SI vs DSI on a real cluster of actors, each beside the core's
 * virtual-time prediction, for the DSI fixture and a few more acceptance / window points.
 * `specmesh bench llama`: real GGUF models — verification cost per window, and tokens/s of plain
 * decoding, node-llama-cpp's own speculation and specmesh non-SI / SI / DSI per drafter agreement.
 * `specmesh bench load`: non-SI, SI, DSI and `auto` under load — a grid of concurrency × edge round
 * trip on a process cluster with an emulated batching 70B target, beside the simulator's prediction.
 * Benchmarks, not tests: they print figures; read them with their spread in mind. A progress bar on
 * stderr (terminals only) follows the runs; `--json` prints one JSON object of the figures instead.
 */
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions } from '../connection-options.js';
import { withJsonOption } from '../output.js';

export interface BenchArgs {
  what: string;
  repeats?: number;
  tokens?: number;
  quick: boolean;
  concurrency?: string;
  rtt?: string;
  modes?: string;
  requests?: number;
  drafterSessions?: number;
  warmup: boolean;
  agreements: string;
  model?: string;
  draftModel?: string;
  k: number;
  threads: number;
  dsiTargets: number;
  logLevel: string;
  json: boolean;
}

export const benchCommand: CommandModule<object, BenchArgs> = {
  command: 'bench <what>',
  describe:
    'Run a benchmark (dsi: non-SI vs SI vs DSI on a real cluster beside virtual time; llama: real GGUF models; load: every mode under load beside the simulator)',
  builder: (y: Argv) =>
    withJsonOption(withConnectionOptions(y), 'the figures')
      .positional('what', {
        type: 'string',
        choices: ['dsi', 'llama', 'load'],
        demandOption: true,
        describe: 'Benchmark to run',
      })
      .option('repeats', {
        type: 'number',
        describe:
          'dsi, llama: requests per mode and point (defaults to 3); load: rounds per cell, each running every mode (defaults to 2, 1 with --quick)',
      })
      .option('tokens', {
        type: 'number',
        describe: 'Tokens per request. Defaults to 50 (dsi, llama), 64 (load; 32 with --quick)',
      })
      .option('quick', {
        type: 'boolean',
        default: false,
        describe: 'dsi: only the DSI fixture point; load: concurrency 1,8, RTT 1 ms, fewer requests (tests)',
      })
      .option('concurrency', {
        type: 'string',
        describe:
          'load: closed-loop clients per cell, comma-separated. Defaults to 1,4,16,64 (1,8 with --quick)',
      })
      .option('rtt', {
        type: 'string',
        describe: 'load: edge round trips, ms, comma-separated. Defaults to 1,20 (1 with --quick)',
      })
      .option('modes', {
        type: 'string',
        describe: 'load: modes, comma-separated, run interleaved. Defaults to nonsi,si,dsi,auto',
      })
      .option('requests', {
        type: 'number',
        describe:
          'load: requests per mode in each round of a cell (at least the concurrency). Defaults to twice the concurrency, at least 8',
      })
      .option('drafter-sessions', {
        type: 'number',
        describe:
          'load: sessions one edge drafter process holds, each drafting on a device of its own. Defaults to 16',
      })
      .option('warmup', {
        type: 'boolean',
        default: true,
        describe:
          'load: a warm-up round (every mode, one request per client) before each cell (--no-warmup to skip)',
      })
      .option('agreements', {
        type: 'string',
        default: '0.5,0.7,0.9,1',
        describe: 'llama: drafter agreements of the synthetic pairs (made and cached)',
      })
      .option('model', { type: 'string', describe: 'llama: your target GGUF instead of the synthetic one' })
      .option('draft-model', { type: 'string', describe: 'llama: your drafter GGUF (with --model)' })
      .option('k', {
        type: 'number',
        default: 4,
        describe: 'llama, load: draft window (load: of SI and DSI)',
      })
      .option('threads', { type: 'number', default: 1, describe: 'llama: CPU threads per forward pass' })
      .option('dsi-targets', { type: 'number', default: 2, describe: 'llama: verifiers DSI runs with' })
      .example('$0 bench dsi', 'fixture of the DSI public tests and two more points')
      .example('$0 bench llama --tokens 128 --repeats 3', 'speculation on synthetic GGUF models')
      .example(
        '$0 bench load --concurrency 1,16 --rtt 20',
        'non-SI, SI, DSI and auto under load, beside the simulator',
      ) as unknown as Argv<BenchArgs>,
  handler: async (args) => (await import('../run/bench.js')).runBench(args),
};
