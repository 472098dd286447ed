/**
 * `specmesh bench dsi`: non-SI vs SI vs DSI on a real cluster of actors, each beside the core's
 * virtual-time prediction, for the DSI fixture and a few more acceptance / window points.
 */
import type { Argv, CommandModule } from 'yargs';
import { withLogLevelOption } from '../connection-options.js';
import { withJsonOption } from '../output.js';

export interface BenchDsiArgs {
  repeats?: number;
  tokens?: number;
  quick: boolean;
  routes: string;
  targetTpotMs?: number;
  draftTpotMs?: number;
  predrafters: number;
  agreement?: number;
  k?: number;
  logLevel: string;
  json: boolean;
}

export const benchDsiCommand: CommandModule<object, BenchDsiArgs> = {
  command: 'dsi',
  describe: 'non-SI vs SI vs DSI on a real cluster of actors, beside the virtual-time prediction',
  builder: (y: Argv) =>
    withJsonOption(withLogLevelOption(y), 'the figures')
      .option('repeats', { type: 'number', describe: 'Requests per mode and point. Defaults to 3' })
      .option('tokens', { type: 'number', describe: 'Tokens per request. Defaults to 50' })
      .option('quick', { type: 'boolean', default: false, describe: 'Only the DSI fixture point' })
      .option('routes', {
        type: 'string',
        default: 'direct',
        describe:
          'How sessions send sequential tasks, comma-separated: direct (to their verifier), batcher (drafter --no-direct-verify); each on its own cluster, requests interleaved',
      })
      .option('target-tpot-ms', {
        type: 'number',
        describe: "Target step, ms, instead of the points' own (e.g. 10.5, the synthetic llama pair's step)",
      })
      .option('draft-tpot-ms', { type: 'number', describe: "Draft step, ms, instead of the points' own" })
      .option('agreement', {
        type: 'number',
        describe:
          'One point: the fixture with this drafter agreement (per-token acceptance) instead of the points',
      })
      .option('k', {
        type: 'number',
        describe: 'With --agreement: its draft window. Defaults to the fixture’s 5',
      })
      .option('predrafters', {
        type: 'number',
        default: 0,
        describe:
          'Also DSI with pre-drafting (SSD-DSI): this many more drafters lend their model for the likely rejections, on a cluster of their own',
      })
      .example('$0 bench dsi', 'fixture of the DSI public tests and two more points')
      .example(
        '$0 bench dsi --quick --draft-tpot-ms 30 --predrafters 2',
        'SSD-DSI with 2 lending drafters against DSI, drafting at 0.3 of a target step',
      )
      .example(
        '$0 bench dsi --quick --routes direct,batcher --target-tpot-ms 10.5 --repeats 9',
        'what direct verification saves per round on a fast target',
      ) as unknown as Argv<BenchDsiArgs>,
  handler: async (args) => (await import('../run/bench-dsi.js')).runBenchDsi(args),
};
