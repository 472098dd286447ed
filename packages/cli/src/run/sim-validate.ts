/**
 * `specmesh sim validate`: runs one scenario in the simulator and on a real local cluster (emulated
 * models, drafters behind delay proxies) and prints both side by side with the relative error of each
 * metric.
 */
import { cpus, loadavg } from 'node:os';
import {
  DEFAULT_VALIDATE_SCENARIO,
  formatValidation,
  recordOf,
  runValidation,
  writeValidationRecord,
} from '@specmesh/lab';
import { ConfigError } from '@specmesh/protocol';
import { loadScenario } from '@specmesh/sim';
import type { ArgumentsCamelCase } from 'yargs';
import type { ValidateArgs } from '../commands/sim-validate.js';
import { SPECMESH_BIN } from '../node-bin.js';
import { createOutput } from '../output.js';
import { createProgress, type Progress } from '../progress.js';

export async function runValidate(args: ArgumentsCamelCase<ValidateArgs>): Promise<void> {
  if (args.mode !== undefined && args.mode !== 'si' && args.mode !== 'dsi')
    throw new ConfigError(`--mode must be si or dsi, got ${args.mode}`, { context: { option: 'mode' } });
  // The cluster's requests get a bar (on a terminal, without --json); the steps are lines on stderr.
  let bar: Progress | undefined;
  let done = 0;
  let report: Awaited<ReturnType<typeof runValidation>>;
  try {
    report = await runValidation({
      nodeBin: SPECMESH_BIN,
      scenario: loadScenario(args.scenario ?? DEFAULT_VALIDATE_SCENARIO),
      acceptance: args.acceptance as 'oracle' | 'iid',
      seed: args.seed,
      ...(args.mode ? { mode: args.mode as 'si' | 'dsi' } : {}),
      ...(args.requests !== undefined ? { requests: args.requests } : args.quick ? { requests: 8 } : {}),
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
  const output = createOutput(args.json);
  output.result(summary, () => formatValidation(report));
  if (args.save !== undefined) {
    const machine = `${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(1)}`;
    writeValidationRecord(args.save, recordOf(report, new Date(), machine));
    output.say(`sim validate: errors written to ${args.save} (specmesh plan --validation ${args.save})`);
  }
  if (report.sim.requests !== report.plan.requests || report.real.requests !== report.plan.requests)
    process.exitCode = 1;
}
