/** `specmesh bench sim-speed`: how fast the discrete-event simulator runs a large fleet. */
import type { Argv, CommandModule } from 'yargs';
import { withJsonOption } from '../output.js';

export interface BenchSimSpeedArgs {
  runs?: number;
  scenario?: string;
  requests?: number;
  scale: boolean;
  semiSpace?: number;
  baseline?: string;
  quick: boolean;
  json: boolean;
}

export const benchSimSpeedCommand: CommandModule<object, BenchSimSpeedArgs> = {
  command: 'sim-speed',
  describe: 'Wall time and events/s of the simulator on 100 drafters, 20 targets, 10,000 requests',
  builder: (y: Argv) =>
    withJsonOption(y, 'the runs and their median')
      .option('runs', {
        type: 'number',
        describe: 'Runs, an odd number: the median is then one of them. Defaults to 3 (1 with --quick)',
      })
      .option('scenario', {
        type: 'string',
        describe: 'Scenario file. Defaults to packages/sim/scenarios/dsd-100x20-10k.yaml',
      })
      .option('scale', {
        type: 'boolean',
        default: false,
        describe:
          'The scale goal: packages/sim/scenarios/dsd-10kx1k-1m.yaml (10,000 drafters, 1,000 targets, 1,000,000 requests)',
      })
      .option('requests', { type: 'number', describe: "Override the scenario's request count" })
      .option('semi-space', {
        type: 'number',
        describe:
          "V8 young-generation semi-space of each run's process, MiB (0: V8's default). Defaults to 64",
      })
      .option('baseline', {
        type: 'string',
        describe:
          'index.js of another build of @specmesh/sim: runs it interleaved with this one and compares their reports',
      })
      .option('quick', {
        type: 'boolean',
        default: false,
        describe: 'One run of 1000 requests',
      }) as unknown as Argv<BenchSimSpeedArgs>,
  handler: async (args) => (await import('../run/bench-sim-speed.js')).runBenchSimSpeed(args),
};
