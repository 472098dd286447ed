/**
 * What `specmesh sim dsd --scenario <file>` does when it runs; the command and its flags are described in
 * commands/sim-dsd.ts.
 */ import { performance } from 'node:perf_hooks';
import { ConfigError } from '@specmesh/protocol';
import { loadScenario, runScenario } from '@specmesh/sim';
import type { ArgumentsCamelCase } from 'yargs';
import type { DsdArgs } from '../commands/sim-dsd.js';
import { createOutput } from '../output.js';
import { createProgress } from '../progress.js';
import { formatSimReport } from '../sim/format-sim-report.js';

export async function runDsd(args: ArgumentsCamelCase<DsdArgs>): Promise<void> {
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
