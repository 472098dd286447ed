/**
 * `specmesh sim`: simulations in virtual time, driven by the same orchestration code the cluster runs.
 *
 * - `sim dsi`: non-SI, SI and DSI on the DSI paper grid and at its online fixture (core's runner);
 *   with `--grid`, the paper's full offline grid on the simulator, written as heatmaps and CSV;
 * - `sim dsd --scenario <file>`: a DSD scenario (drafters, targets, network, batching, workload);
 * - `sim validate`: one scenario in the simulator and on a real local cluster, compared metric by metric.
 *
 * Each takes `--json` (one JSON object on stdout) and shows a progress bar on a terminal otherwise.
 */
import type { Argv, CommandModule } from 'yargs';
import { simDsdCommand } from './sim-dsd.js';
import { simDsiCommand } from './sim-dsi.js';
import { simValidateCommand } from './sim-validate.js';

export const simCommand: CommandModule = {
  command: 'sim <command>',
  describe:
    'Simulate in virtual time (dsi: the DSI paper grid; dsd: a DSD scenario file; validate: vs a real cluster)',
  builder: (y: Argv) =>
    y
      .command(simDsiCommand)
      .command(simDsdCommand)
      .command(simValidateCommand)
      .demandCommand(1, 'Name a simulation: dsi, dsd or validate') as Argv,
  handler: () => undefined,
};
