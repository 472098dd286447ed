/**
 * `bench load`'s grid: for each edge round trip a fresh process cluster (load-cluster.ts), and in it
 * one cell per concurrency, lowest first (drafter devices are added as the concurrency grows); each
 * cell measured with every mode interleaved (load-cell.ts) and set beside the simulator's prediction
 * for the same cell (load-sim.ts). Every process shares this machine's cores with the bench's
 * clients, so the report names the machine and its load average before and after.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { EmulatedModel } from '@specmesh/models';
import type { RequestMode } from '@specmesh/protocol';
import { modelFlags } from '../model-args.js';
import { measureCell } from './load-cell.js';
import { startLoadCluster } from './load-cluster.js';
import { type LoadCosts, measureLoadCosts } from './load-costs.js';
import { type LoadBenchConfig, type LoadModels, loadModelArgs } from './load-options.js';
import { simulateMode } from './load-sim.js';
import { cellRatios, type LoadCellReport, type LoadSummary, summarizeLoad } from './load-summary.js';

/** The machine the grid ran on. */
export interface MachineInfo {
  readonly node: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  /** os.loadavg() (1, 5, 15 min) before the first cluster started and after the last stopped. */
  readonly loadAverageStart: readonly number[];
  readonly loadAverageEnd: readonly number[];
}

/** What `bench load --json` prints. */
export interface LoadBenchReport {
  readonly bench: 'load';
  readonly machine: MachineInfo;
  readonly config: {
    readonly concurrency: readonly number[];
    readonly rttMs: readonly number[];
    readonly modes: readonly RequestMode[];
    readonly tokens: number;
    readonly repeats: number;
    readonly k: number;
    readonly drafterSessions: number;
    readonly warmup: boolean;
    readonly models: LoadModels;
  };
  readonly cells: LoadCellReport[];
  /**
   * Per edge round trip: what its cluster adds to the models' configured latencies (the simulator's
   * inputs).
   */
  readonly costs: ReadonlyArray<{ readonly rttMs: number; readonly costs: LoadCosts }>;
  readonly summary: LoadSummary;
  /** Role processes that exited unexpectedly (none expected). */
  readonly crashes: number;
}

export interface LoadBenchHooks {
  /** Requests done of the grid's total, and what runs now. */
  readonly onProgress?: (done: number, total: number, note: string) => void;
  /** A cluster's costs are measured (before its cells run). */
  readonly onCosts?: (rttMs: number, costs: LoadCosts) => void;
  /** A cell is done (its report, to print as it comes). */
  readonly onCell?: (cell: LoadCellReport) => void;
  /** Something worth a line as it happens (a role process crashed). */
  readonly say?: (line: string) => void;
}

/** Requests the grid sends in all, warm-up included. */
export function loadBenchRequests(cfg: LoadBenchConfig): number {
  let n = 0;
  for (const c of cfg.concurrency)
    n += cfg.modes.length * ((cfg.warmup ? c : 0) + cfg.repeats * cfg.requestsFor(c));
  return n * cfg.rttMs.length;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

function machine(loadAverageStart: readonly number[]): MachineInfo {
  const cores = cpus();
  return {
    node: process.version,
    cpus: cores.length,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    memoryGiB: round2(totalmem() / 2 ** 30),
    loadAverageStart,
    loadAverageEnd: loadavg().map(round2),
  };
}

/**
 * Runs the grid of `cfg` (from resolveLoadBenchOptions); `nodeBin` is the `specmesh` entry script the
 * role processes run.
 */
export async function runLoadBench(
  cfg: LoadBenchConfig,
  nodeBin: string,
  hooks: LoadBenchHooks = {},
): Promise<LoadBenchReport> {
  const loadAverageStart = loadavg().map(round2);
  const m = cfg.models;
  const flags = modelFlags(loadModelArgs(m));
  const tokenizer = new EmulatedModel({ seed: m.seed, vocabSize: m.vocab });
  const promptTokens = (p: string) => 1 + tokenizer.tokenize(p).length;
  const total = loadBenchRequests(cfg);
  let done = 0;
  const cells: LoadCellReport[] = [];
  const costs: LoadBenchReport['costs'][number][] = [];
  let crashes = 0;
  for (const rttMs of cfg.rttMs) {
    hooks.onProgress?.(done, total, `starting the cluster (RTT ${rttMs} ms)`);
    const cluster = await startLoadCluster({
      nodeBin,
      rttMs,
      prefix: cfg.prefix,
      targetFlags: flags,
      drafterFlags: flags,
      verifiers: m.verifiers,
      drafterSessions: cfg.drafterSessions,
      logLevel: cfg.logLevel,
      heartbeatMs: 100,
      readyTimeoutMs: 180_000,
      onCrash: (name, code, signal) =>
        hooks.say?.(`bench load: ${name} exited unexpectedly (${signal ?? `code ${code}`}); restarted`),
    });
    try {
      hooks.onProgress?.(done, total, `RTT ${rttMs} ms: measuring the cluster's costs`);
      const measured = await measureLoadCosts({
        cloudUrl: cluster.cloudUrl,
        edgeUrl: cluster.edgeUrl,
        prefix: cfg.prefix,
        models: m,
        promptTokens: 64,
        k: cfg.k,
      });
      costs.push({ rttMs, costs: measured });
      hooks.onCosts?.(rttMs, measured);
      for (const concurrency of [...cfg.concurrency].sort((a, b) => a - b)) {
        const note = `concurrency ${concurrency}, RTT ${rttMs} ms`;
        hooks.onProgress?.(done, total, `${note}: starting drafters`);
        await cluster.ensureDrafters(concurrency);
        const cell = await measureCell({
          cluster,
          config: cfg,
          rttMs,
          concurrency,
          promptTokens,
          onRequest: () => hooks.onProgress?.(++done, total, note),
        });
        const simCell = {
          concurrency,
          rttMs,
          k: cfg.k,
          promptTokens: cell.promptTokens,
          tokens: cfg.tokens,
          requests: cell.requests,
          rounds: cell.rounds,
          costs: measured,
        };
        const sim: LoadCellReport['sim'] = {};
        for (const f of cell.modes) {
          const s = simulateMode(simCell, f.mode, m);
          sim[f.mode] = { ...s, ratio: f.tokensPerSec / s.tokensPerSec };
        }
        const report: LoadCellReport = { ...cell, sim, ratios: cellRatios(cell) };
        cells.push(report);
        hooks.onCell?.(report);
      }
    } finally {
      crashes += cluster.crashes;
      await cluster.stop();
    }
  }
  return {
    bench: 'load',
    machine: machine(loadAverageStart),
    config: {
      concurrency: cfg.concurrency,
      rttMs: cfg.rttMs,
      modes: cfg.modes,
      tokens: cfg.tokens,
      repeats: cfg.repeats,
      k: cfg.k,
      drafterSessions: cfg.drafterSessions,
      warmup: cfg.warmup,
      models: m,
    },
    cells,
    costs,
    summary: summarizeLoad(cells),
    crashes,
  };
}
