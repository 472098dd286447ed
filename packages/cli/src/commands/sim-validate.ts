/**
 * `specmesh sim validate`: runs one scenario in the simulator and on a real local cluster (emulated
 * models, drafters behind delay proxies) and prints both side by side with the relative error of each
 * metric. The harness is @specmesh/lab's.
 */
import type { Argv, CommandModule } from 'yargs';
import { withJsonOption } from '../output.js';

export interface ValidateArgs {
  /** Defaults to the 4 × 4 validation scenario shipped with the simulator. */
  scenario?: string;
  requests?: number;
  quick: boolean;
  mode?: string;
  acceptance: string;
  seed: number;
  save?: string;
  json: boolean;
}

export const simValidateCommand: CommandModule<object, ValidateArgs> = {
  command: 'validate',
  describe: 'Run a scenario in the simulator and on a real local cluster; compare metric by metric',
  builder: (y: Argv) =>
    withJsonOption(y, 'the report (without the per-request records)')
      .option('scenario', {
        type: 'string',
        describe:
          'Scenario file in the validation mapping (default: the 4 × 4 validation scenario, packages/sim/scenarios/validate-4x4.yaml)',
      })
      .option('requests', { type: 'number', describe: "Override the scenario's request count" })
      .option('quick', {
        type: 'boolean',
        default: false,
        describe: '8 requests, unless --requests says otherwise',
      })
      .option('mode', { type: 'string', choices: ['si', 'dsi'], describe: "Override the scenario's mode" })
      .option('acceptance', {
        type: 'string',
        choices: ['oracle', 'iid'],
        default: 'oracle',
        describe: "Simulator acceptance: the emulated pair's own tokens, or the scenario's i.i.d. model",
      })
      .option('seed', { type: 'number', default: 11, describe: 'Seed of the emulated language' })
      .option('save', {
        type: 'string',
        describe:
          'Write the errors found to this file, for `specmesh plan --validation` to print beside its recommendation',
      })
      .example('$0 sim validate', 'the 4 × 4 validation scenario, SI')
      .example('$0 sim validate --mode dsi --requests 24', 'the same in DSI, shorter')
      .example(
        '$0 sim validate --save validation.json',
        'keep the errors for `specmesh plan --validation validation.json`',
      ) as unknown as Argv<ValidateArgs>,
  handler: async (args) => (await import('../run/sim-validate.js')).runValidate(args),
};
