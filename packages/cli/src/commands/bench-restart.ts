/** `specmesh bench restart`: how fast a supervised role is back after SIGKILL, with and without a warm spare. */
import type { Argv, CommandModule } from 'yargs';
import { withJsonOption } from '../output.js';

export interface BenchRestartArgs {
  runs?: number;
  roles: string;
  quick: boolean;
  json: boolean;
}

export const benchRestartCommand: CommandModule<object, BenchRestartArgs> = {
  command: 'restart',
  describe:
    'Restart of a supervised role: SIGKILL to its first heartbeat, with and without a warm spare, and the memory of a spare',
  builder: (y: Argv) =>
    withJsonOption(y, 'the figures')
      .option('runs', {
        type: 'number',
        describe: 'Kills of each role, with and without a spare (median). Defaults to 5 (1 with --quick)',
      })
      .option('roles', {
        type: 'string',
        default: 'scheduler,batcher,verifier,drafter',
        describe: 'Roles to restart, comma-separated',
      })
      .option('quick', {
        type: 'boolean',
        default: false,
        describe: 'One kill of each',
      }) as unknown as Argv<BenchRestartArgs>,
  handler: async (args) => (await import('../run/bench-restart.js')).runBenchRestart(args),
};
