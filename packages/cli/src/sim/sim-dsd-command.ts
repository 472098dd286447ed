/** `specmesh sim dsd --scenario <file>`: runs a scenario file in virtual time and prints its metrics. */
import { performance } from 'node:perf_hooks';
import { ConfigError } from '@specmesh/protocol';
import { loadScenario, runScenario } from '@specmesh/sim';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { createOutput, withJsonOption } from '../output.js';
import { createProgress } from '../progress.js';
import { formatSimReport } from './format-sim-report.js';

interface DsdArgs {
  scenario: string;
  requests?: number;
  seed?: number;
  json: boolean;
}

async function runDsd(args: ArgumentsCamelCase<DsdArgs>): Promise<void> {
  const s = loadScenario(args.scenario);
  if (args.requests !== undefined && !(Number.isInteger(args.requests) && args.requests >= 1))
    throw new ConfigError(`--requests must be a positive integer, got ${args.requests}`);
  const scenario = {
    ...s,
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
    workload: { ...s.workload, requests: args.requests ?? s.workload.requests },
  };
  const progress = createProgress(`sim ${scenario.name}`, scenario.workload.requests, {
    enabled: !args.json,
  });
  const t0 = performance.now();
  let report: ReturnType<typeof runScenario>;
  try {
    report = runScenario(scenario, { onProgress: (done) => progress.update(done) });
  } finally {
    progress.stop();
  }
  const wall = performance.now() - t0;
  createOutput(args.json).result({ ...report, wallMs: wall }, (r) => formatSimReport(r, r.wallMs));
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
  handler: runDsd,
};
