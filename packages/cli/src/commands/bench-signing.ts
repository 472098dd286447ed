/** `specmesh bench signing`: what verified output costs per verification round (sign and check). */
import type { Argv, CommandModule } from 'yargs';
import { withJsonOption } from '../output.js';

export interface BenchSigningArgs {
  rounds?: number;
  quick: boolean;
  json: boolean;
}

export const benchSigningCommand: CommandModule<object, BenchSigningArgs> = {
  command: 'signing',
  describe:
    "Verified output's cost per verification round: the verifier's signed statement and a client's check, µs",
  builder: (y: Argv) =>
    withJsonOption(y, 'the rows')
      .option('rounds', {
        type: 'number',
        describe: 'Rounds measured per round size, median reported. Defaults to 2000 (200 with --quick)',
      })
      .option('quick', {
        type: 'boolean',
        default: false,
        describe: 'Fewer rounds',
      }) as unknown as Argv<BenchSigningArgs>,
  handler: async (args) => (await import('../run/bench-signing.js')).runBenchSigning(args),
};
