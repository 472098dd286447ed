/** `specmesh sim dsd --scenario <file>`: runs a scenario file in virtual time and prints its metrics. */
import type { Argv, CommandModule } from 'yargs';
import { withJsonOption } from '../output.js';

export interface DsdArgs {
  scenario: string;
  requests?: number;
  seed?: number;
  json: boolean;
}

export const simDsdCommand: CommandModule<object, DsdArgs> = {
  command: 'dsd',
  describe: 'Run a DSD scenario file (drafters, targets, network, batching, workload) in virtual time',
  builder: (y: Argv) =>
    withJsonOption(y, 'the report')
      .option('scenario', { type: 'string', demandOption: true, describe: 'Scenario file (YAML or JSON)' })
      .option('requests', { type: 'number', describe: "Override the scenario's request count" })
      .option('seed', { type: 'number', describe: "Override the scenario's seed" })
      .example(
        '$0 sim dsd --scenario packages/sim/scenarios/dsd-gsm8k.yaml',
        'the DSD reference topology',
      ) as unknown as Argv<DsdArgs>,
  handler: async (args) => (await import('../run/sim-dsd.js')).runDsd(args),
};
