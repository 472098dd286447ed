/** `specmesh bench cli-startup`: how fast `specmesh --help` answers and a role process gets ready. */
import type { Argv, CommandModule } from 'yargs';
import { withJsonOption } from '../output.js';

export interface BenchCliStartupArgs {
  runs?: number;
  roles: string;
  quick: boolean;
  json: boolean;
}

export const benchCliStartupCommand: CommandModule<object, BenchCliStartupArgs> = {
  command: 'cli-startup',
  describe:
    'Start-up of this CLI: --help to exit, node --role <r> to its ready line, and the modules each loads',
  builder: (y: Argv) =>
    withJsonOption(y, 'the figures')
      .option('runs', {
        type: 'number',
        describe: 'Timed runs of each (median). Defaults to 5 (1 with --quick)',
      })
      .option('roles', {
        type: 'string',
        default: 'batcher,scheduler,verifier,drafter,gateway',
        describe: 'Roles to start, comma-separated',
      })
      .option('quick', {
        type: 'boolean',
        default: false,
        describe: 'One run of each',
      }) as unknown as Argv<BenchCliStartupArgs>,
  handler: async (args) => (await import('../run/bench-cli-startup.js')).runBenchCliStartup(args),
};
