/**
 * One cell of `bench load` (a concurrency on one cluster): a warm-up round, then `repeats` rounds
 * that each run every mode once, the order rotated each round so drift (a busier machine, a warmer
 * JIT) falls on every mode alike. The same prompts go to every mode in a round, and every mode's
 * greedy output must equal the reference mode's (non-SI where it runs) token for token.
 *
 * Target compute is read from the verifiers' heartbeats: their cumulative `busyMs` as the cluster
 * settles after each run, so a run's difference is the compute its requests cost the target.
 */
import type { RequestMode } from '@specmesh/protocol';
import { percentile } from '../percentile.js';
import type { LoadCluster } from './load-cluster.js';
import type { LoadBenchConfig } from './load-options.js';
import { type LoadRequestFailure, type LoadRequestRecord, runClosedLoop } from './load-run.js';

/** p50 and p99 of a client-side latency, ms. */
export interface Spread {
  readonly p50: number;
  readonly p99: number;
}

/** One mode's figures in one cell, over its measured rounds. */
export interface LoadModeFigures {
  readonly mode: RequestMode;
  readonly requests: number;
  readonly tokens: number;
  /** Sum of the runs' wall times, ms. */
  readonly wallMs: number;
  readonly tokensPerSec: number;
  readonly ttftMs: Spread;
  readonly tpotMs: Spread;
  /** Target compute (verifiers' busy time) per committed token, ms; null when no verifier reports it. */
  readonly targetComputeMsPerToken: number | null;
  /** Share of tokens from accepted drafts. */
  readonly draftedShare: number;
  /** Requests that moved host during the runs (a probe found the host hung or gone). */
  readonly moves: number;
  /** Requests that failed (not in any other figure), with their errors. */
  readonly failures: LoadRequestFailure[];
}

/** Greedy outputs across modes, prompt by prompt. */
export interface OutputCheck {
  /** The mode whose output is the reference (non-SI where it runs). */
  readonly reference: RequestMode;
  /** Prompts compared (warm-up included). */
  readonly prompts: number;
  /** (prompt, mode) pairs whose tokens differ from the reference's. */
  readonly mismatches: number;
  /** (prompt, mode) pairs not compared: one side's request failed. */
  readonly uncompared: number;
  /** The first few mismatches, for the report. */
  readonly examples: ReadonlyArray<{ readonly prompt: string; readonly mode: RequestMode }>;
}

export interface LoadCellResult {
  readonly concurrency: number;
  readonly rttMs: number;
  /** Requests per mode in each round. */
  readonly requests: number;
  readonly rounds: number;
  /** Mean prompt length of the measured requests, tokens. */
  readonly promptTokens: number;
  readonly modes: LoadModeFigures[];
  readonly outputs: OutputCheck;
}

export interface CellContext {
  readonly cluster: LoadCluster;
  readonly config: LoadBenchConfig;
  readonly rttMs: number;
  readonly concurrency: number;
  /** A request finished (warm-up included). */
  readonly onRequest?: () => void;
  /** Tokens the target evaluates for a prompt (its prefill), for the simulator's cell. */
  readonly promptTokens: (prompt: string) => number;
}

const TOPICS = ['the harbour', 'a quiet street', 'the mountain pass', 'an old library', 'the night train'];

/** Prompt `i` of round `round` of a cell: varied, and the same for every mode of the round. */
export function loadPrompt(concurrency: number, rttMs: number, round: string, i: number): string {
  return `Cell ${concurrency}/${rttMs}, round ${round}, request ${i}: tell me about ${TOPICS[i % TOPICS.length]}`;
}

/** Modes of round `r`: the list rotated by `r`. */
export function roundOrder<T>(modes: readonly T[], r: number): T[] {
  const s = r % modes.length;
  return [...modes.slice(s), ...modes.slice(0, s)];
}

interface Accumulated {
  records: LoadRequestRecord[];
  failures: LoadRequestFailure[];
  wallMs: number;
  busyMs: number | null;
}

export async function measureCell(ctx: CellContext): Promise<LoadCellResult> {
  const { cluster, config: cfg, concurrency, rttMs } = ctx;
  const requests = cfg.requestsFor(concurrency);
  /** Outputs per prompt and mode. */
  const outputs = new Map<string, Map<RequestMode, readonly number[]>>();
  const acc = new Map<RequestMode, Accumulated>(
    cfg.modes.map((m) => [m, { records: [], failures: [], wallMs: 0, busyMs: 0 }]),
  );
  let runs = 0;
  const run = async (mode: RequestMode, round: string, n: number) => {
    const id = `${cfg.prefix}-${concurrency}-${rttMs}-${round}-${mode}-${runs++}`;
    const promptOf = (i: number) => loadPrompt(concurrency, rttMs, round, i);
    const result = await runClosedLoop(
      cluster.client,
      {
        mode,
        concurrency,
        requests: n,
        tokens: cfg.tokens,
        k: cfg.k,
        promptOf,
        requestIdOf: (i) => `${id}-${i}`.replace(/[^A-Za-z0-9_-]/g, '_'),
      },
      () => ctx.onRequest?.(),
    );
    for (const r of result.records) {
      const prompt = promptOf(r.index);
      const byMode = outputs.get(prompt) ?? new Map<RequestMode, readonly number[]>();
      byMode.set(mode, r.tokens);
      outputs.set(prompt, byMode);
    }
    return result;
  };

  // Warm-up runs back to back: only the measured runs need an idle cluster before them.
  if (cfg.warmup) for (const mode of cfg.modes) await run(mode, 'warm-up', concurrency);
  let before = (await cluster.settle(Date.now())).busyMs;
  let promptTokens = 0;
  let prompts = 0;
  for (let round = 0; round < cfg.repeats; round++) {
    for (const mode of roundOrder(cfg.modes, round)) {
      const r = await run(mode, String(round), requests);
      const idle = await cluster.settle(r.endedAt);
      const a = acc.get(mode)!;
      a.records.push(...r.records);
      a.failures.push(...r.failures);
      a.wallMs += r.wallMs;
      a.busyMs =
        a.busyMs === null || idle.busyMs === null || before === null ? null : a.busyMs + idle.busyMs - before;
      before = idle.busyMs;
      for (const rec of r.records)
        promptTokens += ctx.promptTokens(loadPrompt(concurrency, rttMs, String(round), rec.index));
      prompts += r.records.length;
    }
  }
  return {
    concurrency,
    rttMs,
    requests,
    rounds: cfg.repeats,
    promptTokens: prompts > 0 ? promptTokens / prompts : 0,
    modes: cfg.modes.map((m) => modeFigures(m, acc.get(m)!)),
    outputs: checkOutputs(outputs, cfg.modes),
  };
}

function modeFigures(mode: RequestMode, a: Accumulated): LoadModeFigures {
  let tokens = 0;
  let drafted = 0;
  let moves = 0;
  const tpots: number[] = [];
  for (const r of a.records) {
    tokens += r.tokens.length;
    drafted += r.drafted;
    moves += r.moves;
    if (r.tpotMs !== undefined) tpots.push(r.tpotMs);
  }
  const ttfts = a.records.map((r) => r.ttftMs);
  return {
    mode,
    requests: a.records.length,
    tokens,
    wallMs: a.wallMs,
    tokensPerSec: a.wallMs > 0 ? (1000 * tokens) / a.wallMs : 0,
    ttftMs: { p50: percentile(ttfts, 50), p99: percentile(ttfts, 99) },
    tpotMs: { p50: percentile(tpots, 50), p99: percentile(tpots, 99) },
    targetComputeMsPerToken: a.busyMs === null || tokens === 0 ? null : a.busyMs / tokens,
    draftedShare: tokens > 0 ? drafted / tokens : 0,
    moves,
    failures: a.failures,
  };
}

/**
 * Compares every mode's output with the reference mode's, prompt by prompt. A pair where either side
 * has no output (its request failed, and is counted as a failure) is not compared.
 */
export function checkOutputs(
  outputs: ReadonlyMap<string, ReadonlyMap<RequestMode, readonly number[]>>,
  modes: readonly RequestMode[],
): OutputCheck {
  const reference = modes.includes('nonsi') ? 'nonsi' : modes[0]!;
  let mismatches = 0;
  let uncompared = 0;
  const examples: Array<{ prompt: string; mode: RequestMode }> = [];
  for (const [prompt, byMode] of outputs) {
    const ref = byMode.get(reference);
    for (const mode of modes) {
      if (mode === reference) continue;
      const got = byMode.get(mode);
      if (ref === undefined || got === undefined) {
        uncompared++;
        continue;
      }
      if (got.length === ref.length && got.every((t, i) => t === ref[i])) continue;
      mismatches++;
      if (examples.length < 5) examples.push({ prompt, mode });
    }
  }
  return { reference, prompts: outputs.size, mismatches, uncompared, examples };
}
