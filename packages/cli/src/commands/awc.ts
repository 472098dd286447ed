/**
 * `specmesh awc`: DSD's adaptive window controller in the simulator.
 *
 * - `awc label`: oracle labels of window decisions by counterfactual replay, as a dataset;
 * - `awc train`: the WC-DNN fitted to a dataset (Huber loss), as a weights file;
 * - `awc bench`: AWC against static windows and the adaptive baselines, on held-out conditions.
 */
import type { Argv, CommandModule } from 'yargs';
import { awcBenchCommand } from '../awc/awc-bench-command.js';
import { awcLabelCommand } from '../awc/awc-label-command.js';
import { awcTrainCommand } from '../awc/awc-train-command.js';

export const awcCommand: CommandModule = {
  command: 'awc <command>',
  describe: 'Adaptive window control (AWC): label decisions, train the WC-DNN, benchmark it in the simulator',
  builder: (y: Argv) =>
    y
      .command(awcLabelCommand)
      .command(awcTrainCommand)
      .command(awcBenchCommand)
      .demandCommand(1, 'Name an awc command: label, train or bench') as Argv,
  handler: () => undefined,
};
