/**
 * `specmesh sim validate`: runs one scenario in the simulator and on a real local cluster (emulated
 * models, drafters behind delay proxies) and prints both side by side with the relative error of each
 * metric.
 */
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@specmesh/protocol';
import { loadScenario } from '@specmesh/sim';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { createOutput, withJsonOption } from '../output.js';
import { createProgress, type Progress } from '../progress.js';
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
  // The cluster's requests get a bar (on a terminal, without --json); the steps are lines on stderr.
  let bar: Progress | undefined;
  let done = 0;
  let report: Awaited<ReturnType<typeof runValidation>>;
  try {
    report = await runValidation({
      scenario: loadScenario(args.scenario),
      acceptance: args.acceptance as 'oracle' | 'iid',
      seed: args.seed,
      ...(args.mode ? { mode: args.mode as 'si' | 'dsi' } : {}),
      ...(args.requests !== undefined ? { requests: args.requests } : {}),
      say: (line) => (bar?.drawing ? bar.update(done, line) : process.stderr.write(`${line}\n`)),
      onRequest: (n, total) => {
        done = n;
        bar ??= createProgress('sim validate', total, { enabled: !args.json });
        bar.update(n);
        if (n === total) bar.stop();
      },
    });
  } finally {
    bar?.stop();
  }
  const { simRecords: _s, realRecords: _r, ...summary } = report;
  createOutput(args.json).result(summary, () => formatValidation(report));
  if (report.sim.requests !== report.plan.requests || report.real.requests !== report.plan.requests)
    process.exitCode = 1;
}

export const simValidateCommand: CommandModule<object, ValidateArgs> = {
  command: 'validate',
  describe: 'Run a scenario in the simulator and on a real local cluster; compare metric by metric',
  builder: (y: Argv) =>
    withJsonOption(y, 'the report (without the per-request records)')
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
      .example('$0 sim validate', 'the 4 × 4 validation scenario, SI')
      .example(
        '$0 sim validate --mode dsi --requests 24',
        'the same in DSI, shorter',
      ) as unknown as Argv<ValidateArgs>,
  handler: runValidate,
};
