/**
 * `specmesh bench control-plane`: admissions per second of a scheduler and verify tasks per second
 * through a batcher, with models that cost nothing, for one and two instances of each.
 */
import type { Argv, CommandModule } from 'yargs';
import { withJsonOption } from '../output.js';

export interface BenchControlPlaneArgs {
  seconds?: number;
  inflight?: number;
  sessions?: number;
  drafters?: number;
  quick: boolean;
  json: boolean;
}

export const benchControlPlaneCommand: CommandModule<object, BenchControlPlaneArgs> = {
  command: 'control-plane',
  describe:
    'Admissions/s of a scheduler and verify tasks/s through a batcher, zero-cost models, 1 and 2 instances',
  builder: (y: Argv) =>
    withJsonOption(y, 'the figures')
      .option('seconds', {
        type: 'number',
        describe:
          'Seconds per measurement, after a warm-up of a quarter of it. Defaults to 8 (2 with --quick)',
      })
      .option('inflight', {
        type: 'number',
        describe: 'Admissions or tasks the generator keeps in flight. Defaults to 256',
      })
      .option('sessions', {
        type: 'number',
        describe:
          'Then this many concurrent sessions through a whole cluster: failures, memory per session. Defaults to 5000 (0, skipped, with --quick)',
      })
      .option('drafters', { type: 'number', describe: 'Drafter processes for --sessions. Defaults to 4' })
      .option('quick', {
        type: 'boolean',
        default: false,
        describe: 'Short windows and one instance of each role only',
      })
      .example(
        '$0 bench control-plane',
        'one and two schedulers, one and two batchers',
      ) as unknown as Argv<BenchControlPlaneArgs>,
  handler: async (args) => (await import('../run/bench-control-plane.js')).runBenchControlPlane(args),
};
