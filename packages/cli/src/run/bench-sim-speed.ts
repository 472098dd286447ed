/** `specmesh bench sim-speed`: @specmesh/lab's simulator speed harness, printed run by run. */
import { formatSimSpeed, formatSimSpeedRun, runSimSpeed, simSpeedScenario } from '@specmesh/lab';
import type { ArgumentsCamelCase } from 'yargs';
import type { BenchSimSpeedArgs } from '../commands/bench-sim-speed.js';
import { createOutput } from '../output.js';

export async function runBenchSimSpeed(args: ArgumentsCamelCase<BenchSimSpeedArgs>): Promise<void> {
  const output = createOutput(args.json);
  const requests = args.requests ?? (args.quick ? 1000 : undefined);
  const scenario = simSpeedScenario({
    ...(args.scenario !== undefined ? { file: args.scenario } : {}),
    scale: args.scale,
    ...(requests !== undefined ? { requests } : {}),
  });
  // Each run's line as it ends: a full run takes seconds (the scale one, many minutes).
  const report = runSimSpeed(
    scenario,
    {
      runs: args.runs ?? (args.quick ? 1 : 3),
      ...(args.semiSpace !== undefined ? { semiSpaceMiB: args.semiSpace } : {}),
      ...(args.baseline ? { baseline: args.baseline } : {}),
    },
    (run, i) => output.text(`${formatSimSpeedRun(run, i)}\n`),
  );
  const { report: last, ...figures } = report;
  output.result({ bench: 'sim-speed', ...figures, metrics: last }, () => formatSimSpeed(report));
}
