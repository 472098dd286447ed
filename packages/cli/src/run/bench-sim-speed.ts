/** `specmesh bench sim-speed`: @specmesh/lab's simulator speed harness, printed run by run. */
import {
  formatSimSpeed,
  formatSimSpeedRun,
  runSimSpeed,
  SIM_SPEED_SCALE_SCENARIO,
  SIM_SPEED_SCENARIO,
} from '@specmesh/lab';
import { ConfigError } from '@specmesh/protocol/errors';
import { loadScenario } from '@specmesh/sim';
import type { ArgumentsCamelCase } from 'yargs';
import type { BenchSimSpeedArgs } from '../commands/bench-sim-speed.js';
import { createOutput } from '../output.js';

export async function runBenchSimSpeed(args: ArgumentsCamelCase<BenchSimSpeedArgs>): Promise<void> {
  const output = createOutput(args.json);
  const loaded = loadScenario(args.scenario ?? (args.scale ? SIM_SPEED_SCALE_SCENARIO : SIM_SPEED_SCENARIO));
  const requests = args.requests ?? (args.quick ? 1000 : undefined);
  if (requests !== undefined && !(Number.isInteger(requests) && requests >= 1))
    throw new ConfigError(`--requests must be a positive integer, got ${requests}`, {
      context: { option: 'requests' },
    });
  const scenario =
    requests === undefined ? loaded : { ...loaded, workload: { ...loaded.workload, requests } };
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
