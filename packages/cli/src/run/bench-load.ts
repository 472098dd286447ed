/**
 * What `specmesh bench load` does when it runs; the command and its flags are described in
 * commands/bench-load.ts.
 */ import { cpus, loadavg } from 'node:os';
import {
  formatLoadCell,
  formatLoadCosts,
  formatLoadGrid,
  formatLoadSummary,
  formatMachineStart,
  type LoadBenchReport,
  loadBenchRequests,
  resolveLoadBenchOptions,
  runLoadBench,
} from '@specmesh/lab';
import type { RequestMode } from '@specmesh/protocol';
import type { ArgumentsCamelCase } from 'yargs';
import type { BenchLoadArgs } from '../commands/bench-load.js';
import { SPECMESH_BIN } from '../node-bin.js';
import { createOutput } from '../output.js';
import { createProgress } from '../progress.js';

/** A comma-separated list flag as numbers (undefined when not given). */
function numberList(v: string | undefined): number[] | undefined {
  return v === undefined ? undefined : v.split(',').filter(Boolean).map(Number);
}

export async function runBenchLoad(args: ArgumentsCamelCase<BenchLoadArgs>): Promise<void> {
  const output = createOutput(args.json);
  const cfg = resolveLoadBenchOptions({
    quick: args.quick,
    ...(args.concurrency !== undefined ? { concurrency: numberList(args.concurrency)! } : {}),
    ...(args.rtt !== undefined ? { rttMs: numberList(args.rtt)! } : {}),
    ...(args.modes !== undefined ? { modes: args.modes.split(',').filter(Boolean) as RequestMode[] } : {}),
    ...(args.requests !== undefined ? { requests: args.requests } : {}),
    ...(args.tokens !== undefined ? { tokens: args.tokens } : {}),
    ...(args.repeats !== undefined ? { repeats: args.repeats } : {}),
    ...(args.drafterSessions !== undefined ? { drafterSessions: args.drafterSessions } : {}),
    k: args.k,
    warmup: args.warmup,
    logLevel: args.logLevel,
  });
  const cores = cpus();
  output.say(
    `bench load: ${formatMachineStart(process.version, cores.length, cores[0]?.model.trim() ?? 'unknown', loadavg())}`,
  );
  const bar = createProgress('bench load', loadBenchRequests(cfg), { enabled: !args.json });
  let report: LoadBenchReport;
  try {
    report = await runLoadBench(cfg, SPECMESH_BIN, {
      onProgress: (done, _total, note) => bar.update(done, note),
      onCosts: (rttMs, costs) => output.text(`\n${formatLoadCosts(rttMs, costs)}\n`),
      // Each cell's table as soon as it is done; the JSON document once all are.
      onCell: (cell) => output.text(`\n${formatLoadCell(cell, cfg.tokens)}\n`),
      say: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    bar.stop();
  }
  output.text(`\n${formatLoadGrid(report)}\n\n${formatLoadSummary(report)}\n`);
  output.jsonLine(report);
  // A mode whose greedy output differs from non-SI's, or a request that failed, is a correctness
  // failure whatever the speed.
  if (report.summary.mismatches > 0 || report.summary.failures > 0) process.exitCode = 1;
}
