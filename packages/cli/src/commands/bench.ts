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
import { ConfigError, type RequestMode } from '@specmesh/protocol';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import {
  type ClusterDsiConfig,
  type ClusterDsiRow,
  DSI_FIXTURE,
  formatClusterDsi,
  runClusterDsi,
} from '../bench/cluster-dsi.js';
import {
  formatLlamaBench,
  formatVerifyCost,
  type LlamaBenchConfig,
  llamaBenchRuns,
  measureVerifyCost,
  runLlamaBench,
} from '../bench/llama-spec.js';
import {
  formatLoadCell,
  formatLoadGrid,
  formatLoadSummary,
  formatMachineStart,
} from '../bench/load-format.js';
import { type LoadBenchReport, loadBenchRequests, runLoadBench } from '../bench/load-grid.js';
import { resolveLoadBenchOptions } from '../bench/load-options.js';
import { ensureDemoPair } from '../demo-models.js';
import { withConnectionOptions } from '../options.js';
import { createOutput, type Output, withJsonOption } from '../output.js';
import { createProgress } from '../progress.js';

interface BenchArgs {
  what: string;
  repeats?: number;
  tokens?: number;
  quick: boolean;
  concurrency?: string;
  rtt?: string;
  modes?: string;
  requests?: number;
  drafterSessions?: number;
  warmup: boolean;
  agreements: string;
  model?: string;
  draftModel?: string;
  k: number;
  threads: number;
  dsiTargets: number;
  logLevel: string;
  json: boolean;
}

/** What `bench dsi --json` prints: each point's configuration and its rows (ms per request). */
export interface BenchDsiReport {
  readonly bench: 'dsi';
  readonly repeats: number;
  readonly points: ReadonlyArray<{ readonly config: ClusterDsiConfig; readonly rows: ClusterDsiRow[] }>;
}

const VERIFY_COST_KS = [0, 1, 2, 4, 8];

async function runBench(args: ArgumentsCamelCase<BenchArgs>): Promise<void> {
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
    report = await runLoadBench(cfg, {
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

export const benchCommand: CommandModule<object, BenchArgs> = {
  command: 'bench <what>',
  describe:
    'Run a benchmark (dsi: non-SI vs SI vs DSI on a real cluster beside virtual time; llama: real GGUF models; load: every mode under load beside the simulator)',
  builder: (y: Argv) =>
    withJsonOption(withConnectionOptions(y), 'the figures')
      .positional('what', {
        type: 'string',
        choices: ['dsi', 'llama', 'load'],
        demandOption: true,
        describe: 'Benchmark to run',
      })
      .option('repeats', {
        type: 'number',
        describe:
          'dsi, llama: requests per mode and point (defaults to 3); load: rounds per cell, each running every mode (defaults to 2, 1 with --quick)',
      })
      .option('tokens', {
        type: 'number',
        describe: 'Tokens per request. Defaults to 50 (dsi, llama), 64 (load; 32 with --quick)',
      })
      .option('quick', {
        type: 'boolean',
        default: false,
        describe: 'dsi: only the DSI fixture point; load: concurrency 1,8, RTT 1 ms, fewer requests (tests)',
      })
      .option('concurrency', {
        type: 'string',
        describe:
          'load: closed-loop clients per cell, comma-separated. Defaults to 1,4,16,64 (1,8 with --quick)',
      })
      .option('rtt', {
        type: 'string',
        describe: 'load: edge round trips, ms, comma-separated. Defaults to 1,20 (1 with --quick)',
      })
      .option('modes', {
        type: 'string',
        describe: 'load: modes, comma-separated, run interleaved. Defaults to nonsi,si,dsi,auto',
      })
      .option('requests', {
        type: 'number',
        describe:
          'load: requests per mode in each round of a cell (at least the concurrency). Defaults to twice the concurrency, at least 8',
      })
      .option('drafter-sessions', {
        type: 'number',
        describe:
          'load: sessions one edge drafter process holds, each drafting on a device of its own. Defaults to 16',
      })
      .option('warmup', {
        type: 'boolean',
        default: true,
        describe:
          'load: a warm-up round (every mode, one request per client) before each cell (--no-warmup to skip)',
      })
      .option('agreements', {
        type: 'string',
        default: '0.5,0.7,0.9,1',
        describe: 'llama: drafter agreements of the synthetic pairs (made and cached)',
      })
      .option('model', { type: 'string', describe: 'llama: your target GGUF instead of the synthetic one' })
      .option('draft-model', { type: 'string', describe: 'llama: your drafter GGUF (with --model)' })
      .option('k', {
        type: 'number',
        default: 4,
        describe: 'llama, load: draft window (load: of SI and DSI)',
      })
      .option('threads', { type: 'number', default: 1, describe: 'llama: CPU threads per forward pass' })
      .option('dsi-targets', { type: 'number', default: 2, describe: 'llama: verifiers DSI runs with' })
      .example('$0 bench dsi', 'fixture of the DSI public tests and two more points')
      .example('$0 bench llama --tokens 128 --repeats 3', 'speculation on synthetic GGUF models')
      .example(
        '$0 bench load --concurrency 1,16 --rtt 20',
        'non-SI, SI, DSI and auto under load, beside the simulator',
      ) as unknown as Argv<BenchArgs>,
  handler: runBench,
};
