/**
 * `specmesh sim validate`: runs one scenario in the simulator and on a real local cluster (emulated
 * models, drafters behind delay proxies) and prints both side by side with the relative error of each
 * metric.
 */
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@specmesh/protocol';
import { loadScenario } from '@specmesh/sim';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { formatValidation } from './validate-format.js';
import { runValidation } from './validate-run.js';

/** The validation scenario shipped with the simulator. */
export const DEFAULT_VALIDATE_SCENARIO = fileURLToPath(
  new URL('../../../sim/scenarios/validate-4x4.yaml', import.meta.url),
);

interface ValidateArgs {
  scenario: string;
  requests?: number;
  mode?: string;
  acceptance: string;
  seed: number;
  json: boolean;
}

async function runValidate(args: ArgumentsCamelCase<ValidateArgs>): Promise<void> {
  if (args.mode !== undefined && args.mode !== 'si' && args.mode !== 'dsi')
    throw new ConfigError(`--mode must be si or dsi, got ${args.mode}`, { context: { option: 'mode' } });
  const report = await runValidation({
    scenario: loadScenario(args.scenario),
    acceptance: args.acceptance as 'oracle' | 'iid',
    seed: args.seed,
    ...(args.mode ? { mode: args.mode as 'si' | 'dsi' } : {}),
    ...(args.requests !== undefined ? { requests: args.requests } : {}),
    say: (line) => process.stderr.write(`${line}\n`),
  });
  if (args.json) {
    const { simRecords: _s, realRecords: _r, ...summary } = report;
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else process.stdout.write(`${formatValidation(report)}\n`);
  if (report.sim.requests !== report.plan.requests || report.real.requests !== report.plan.requests)
    process.exitCode = 1;
}

export const simValidateCommand: CommandModule<object, ValidateArgs> = {
  command: 'validate',
  describe: 'Run a scenario in the simulator and on a real local cluster; compare metric by metric',
  builder: (y: Argv) =>
    y
      .option('scenario', {
        type: 'string',
        default: DEFAULT_VALIDATE_SCENARIO,
        describe: 'Scenario file in the validation mapping (default: the 4 × 4 validation scenario)',
      })
      .option('requests', { type: 'number', describe: "Override the scenario's request count" })
      .option('mode', { type: 'string', choices: ['si', 'dsi'], describe: "Override the scenario's mode" })
      .option('acceptance', {
        type: 'string',
        choices: ['oracle', 'iid'],
        default: 'oracle',
        describe: "Simulator acceptance: the emulated pair's own tokens, or the scenario's i.i.d. model",
      })
      .option('seed', { type: 'number', default: 11, describe: 'Seed of the emulated language' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the report as JSON' })
      .example('$0 sim validate', 'the 4 × 4 validation scenario, SI')
      .example(
        '$0 sim validate --mode dsi --requests 24',
        'the same in DSI, shorter',
      ) as unknown as Argv<ValidateArgs>,
  handler: runValidate,
};
