/**
 * `specmesh bench dsi`: non-SI vs SI vs DSI on a real cluster of actors, each beside the core's
 * virtual-time prediction, for the DSI fixture and a few more acceptance / window points.
 * `specmesh bench llama`: real GGUF models — verification cost per window, and tokens/s of plain
 * decoding, node-llama-cpp's own speculation and specmesh non-SI / SI / DSI per drafter agreement.
 * `specmesh bench load`: non-SI, SI, DSI and `auto` under load — a grid of concurrency × edge round
 * trip on a process cluster with an emulated batching 70B target, beside the simulator's prediction.
 * Benchmarks, not tests: they print figures; read them with their spread in mind. A progress bar on
 * stderr (terminals only) follows the runs; `--json` prints one JSON object of the figures instead.
 */

import { cpus, loadavg } from 'node:os';
import {
  type ClusterDsiConfig,
  type ClusterDsiRow,
  DSI_FIXTURE,
  ensureDemoPair,
  formatClusterDsi,
  formatLlamaBench,
  formatLoadCell,
  formatLoadGrid,
  formatLoadSummary,
  formatMachineStart,
  formatVerifyCost,
  type LlamaBenchConfig,
  type LoadBenchReport,
  llamaBenchRuns,
  loadBenchRequests,
  measureVerifyCost,
  resolveLoadBenchOptions,
  runClusterDsi,
  runLlamaBench,
  runLoadBench,
} from '@specmesh/lab';
import { ConfigError, type RequestMode } from '@specmesh/protocol';
import type { ArgumentsCamelCase } from 'yargs';
import type { BenchArgs } from '../commands/bench.js';
import { SPECMESH_BIN } from '../node-bin.js';
import { createOutput, type Output } from '../output.js';
import { createProgress } from '../progress.js';

/** What `bench dsi --json` prints: each point's configuration and its rows (ms per request). */
export interface BenchDsiReport {
  readonly bench: 'dsi';
  readonly repeats: number;
  readonly points: ReadonlyArray<{ readonly config: ClusterDsiConfig; readonly rows: ClusterDsiRow[] }>;
}

const VERIFY_COST_KS = [0, 1, 2, 4, 8];

export async function runBench(args: ArgumentsCamelCase<BenchArgs>): Promise<void> {
  const output = createOutput(args.json);
  if (args.what === 'llama') return runLlama(args, output);
  if (args.what === 'load') return runLoad(args, output);
  const repeats = args.repeats ?? 3;
  const tokens = args.tokens ?? 50;
  const points = args.quick
    ? [DSI_FIXTURE]
    : [DSI_FIXTURE, { ...DSI_FIXTURE, a: 0.8 }, { ...DSI_FIXTURE, a: 0.6, k: 3 }];
  output.say('cluster (real actors over NATS, emulated models in piscina workers) vs virtual time');
  const measured: Array<BenchDsiReport['points'][number]> = [];
  for (const [i, p] of points.entries()) {
    const config = { ...p, tokens };
    const bar = createProgress(`bench dsi ${i + 1}/${points.length}`, 3 * repeats, {
      enabled: !args.json,
    });
    let rows: ClusterDsiRow[];
    try {
      rows = await runClusterDsi(config, repeats, {
        onRun: (done) => bar.update(done),
        logLevel: args.logLevel,
      });
    } finally {
      bar.stop();
    }
    measured.push({ config, rows });
    // Each table as soon as its point is done; the JSON document once all are.
    output.text(`\n${formatClusterDsi(config, rows, repeats)}\n`);
  }
  const report: BenchDsiReport = { bench: 'dsi', repeats, points: measured };
  output.jsonLine(report);
}

async function runLlama(args: ArgumentsCamelCase<BenchArgs>, output: Output): Promise<void> {
  // Steps go to stderr whatever the mode: stdout holds the figures only.
  const say = (line: string) => process.stderr.write(`${line}\n`);
  let targetPath: string;
  let drafters: Array<{ label: string; path: string }>;
  if (args.model || args.draftModel) {
    if (!args.model || !args.draftModel)
      throw new ConfigError('bench llama needs both --model and --draft-model, or neither (synthetic pairs)');
    targetPath = args.model;
    drafters = [{ label: 'given', path: args.draftModel }];
  } else {
    const agreements = args.agreements.split(',').map(Number);
    const pairs = [];
    // One after another: the first call makes the shared target, the others reuse it.
    for (const a of agreements) pairs.push(await ensureDemoPair(a, say));
    targetPath = pairs[0]!.target;
    drafters = pairs.map((p, i) => ({ label: String(agreements[i]), path: p.drafter }));
  }
  const cfg: LlamaBenchConfig = {
    targetPath,
    drafters,
    tokens: args.tokens ?? 50,
    k: args.k,
    threads: args.threads,
    dsiTargets: args.dsiTargets,
    repeats: args.repeats ?? 3,
    prompt: 'The cluster speaks',
    logLevel: args.logLevel,
  };
  const enabled = !args.json;
  const costBar = createProgress('verify cost', VERIFY_COST_KS.length, { enabled });
  let verifyCost: Awaited<ReturnType<typeof measureVerifyCost>>;
  try {
    verifyCost = await measureVerifyCost(targetPath, VERIFY_COST_KS, args.threads, undefined, (done) =>
      costBar.update(done),
    );
  } finally {
    costBar.stop();
  }
  output.text(`target ${targetPath}\n${formatVerifyCost(verifyCost, args.threads)}\n\n`);
  const bar = createProgress('bench llama', llamaBenchRuns(cfg), { enabled });
  let done = 0;
  let rows: Awaited<ReturnType<typeof runLlamaBench>>;
  try {
    rows = await runLlamaBench(
      cfg,
      // On a terminal the bar shows the step; elsewhere each step is a line on stderr.
      (line) => (bar.drawing ? bar.update(done, line) : say(line)),
      (n) => {
        done = n;
        bar.update(n);
      },
    );
  } finally {
    bar.stop();
  }
  const { prompt: _prompt, logLevel: _logLevel, ...config } = cfg;
  output.result({ bench: 'llama', config, verifyCost, rows }, () => formatLlamaBench(cfg, rows));
}

/** A comma-separated list flag as numbers (undefined when not given). */
function numberList(v: string | undefined): number[] | undefined {
  return v === undefined ? undefined : v.split(',').filter(Boolean).map(Number);
}

async function runLoad(args: ArgumentsCamelCase<BenchArgs>, output: Output): Promise<void> {
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
