/** `specmesh bench worker-wakeup`: the price of waking an idle worker thread. */
import type { Argv, CommandModule } from 'yargs';
import { withJsonOption } from '../output.js';

export interface BenchWorkerWakeupArgs {
  messages?: number;
  quick: boolean;
  json: boolean;
}

export const benchWorkerWakeupCommand: CommandModule<object, BenchWorkerWakeupArgs> = {
  command: 'worker-wakeup',
  describe: 'Round trip to a worker thread and back, back to back and after it idled 1, 5, 10 ms',
  builder: (y: Argv) =>
    withJsonOption(y, 'the rows')
      .option('messages', {
        type: 'number',
        describe: 'Round trips per idle time. Defaults to 300 (50 with --quick)',
      })
      .option('quick', {
        type: 'boolean',
        default: false,
        describe: 'Fewer round trips',
      }) as unknown as Argv<BenchWorkerWakeupArgs>,
  handler: async (args) => (await import('../run/bench-worker-wakeup.js')).runBenchWorkerWakeup(args),
};
