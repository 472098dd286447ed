/**
 * Options of `bench load`, resolved once and checked up front: what the grid holds (concurrency,
 * edge round trips, modes), how much each run measures, and the fixed cluster it runs on (the 70B
 * batching target profile on 2 verifiers, emulated drafters at 2 ms a token agreeing 80%).
 */
import { type BatchCostProfile, TARGET_70B_PROFILE } from '@specmesh/core';
import { ConfigError, REQUEST_MODES, type RequestMode } from '@specmesh/protocol';
import type { ModelArgs } from '../model-args.js';

export interface LoadBenchOptions {
  /** Small grid for tests: concurrency 1 and 8, RTT 1 ms, fewer requests. Defaults to false. */
  readonly quick?: boolean;
  /** Closed-loop clients per cell. Defaults to [1, 4, 16, 64] ([1, 8] with `quick`). */
  readonly concurrency?: readonly number[];
  /** Edge round trips, ms. Defaults to [1, 20] ([1] with `quick`). */
  readonly rttMs?: readonly number[];
  /** Modes, run interleaved. Defaults to nonsi, si, dsi, auto. */
  readonly modes?: readonly RequestMode[];
  /**
   * Requests per mode in each round of a cell. Defaults to twice the concurrency, at least 8 (the
   * concurrency, at least 2, with `quick`); never fewer than the concurrency.
   */
  readonly requests?: number;
  /** Tokens per request. Defaults to 64 (32 with `quick`). */
  readonly tokens?: number;
  /** Rounds per cell, each running every mode once (in rotated order). Defaults to 2 (1 with `quick`). */
  readonly repeats?: number;
  /** Draft window of SI and DSI (and where `auto` starts). Defaults to 4. */
  readonly k?: number;
  /**
   * Sessions one edge drafter process holds, each drafting on its own emulated device (a step timer
   * of its own: `--parallel-steps`). Defaults to 16: a process per client would put 64 node
   * processes on this machine's two cores, and measure them instead of the cluster.
   */
  readonly drafterSessions?: number;
  /** A warm-up round (every mode, one request per client) before each cell's measured rounds. Defaults to true. */
  readonly warmup?: boolean;
  /** Subject prefix of the bench's clusters. Defaults to `specmesh-load`. */
  readonly prefix?: string;
  /** Level of the role processes' logs. Defaults to `warn`. */
  readonly logLevel?: string;
}

/** The emulated models every cell runs on. */
export interface LoadModels {
  readonly batchCost: BatchCostProfile;
  readonly verifiers: number;
  readonly drafterTpotMs: number;
  /** The drafter's first call of a session (its prompt), ms. */
  readonly drafterTtftMs: number;
  readonly agreement: number;
  readonly seed: number;
  readonly vocab: number;
}

export interface LoadBenchConfig {
  readonly concurrency: readonly number[];
  readonly rttMs: readonly number[];
  readonly modes: readonly RequestMode[];
  /** Requests per mode and round of a cell with `concurrency` clients. */
  readonly requestsFor: (concurrency: number) => number;
  readonly tokens: number;
  readonly repeats: number;
  readonly k: number;
  readonly drafterSessions: number;
  readonly warmup: boolean;
  readonly prefix: string;
  readonly logLevel: string;
  readonly models: LoadModels;
}

export const LOAD_MODELS: LoadModels = Object.freeze({
  batchCost: TARGET_70B_PROFILE,
  verifiers: 2,
  drafterTpotMs: 2,
  drafterTtftMs: 2,
  agreement: 0.8,
  seed: 11,
  vocab: 512,
});

/** The grid's modes in their canonical order (the order of the tables). */
export const LOAD_MODES: readonly RequestMode[] = ['nonsi', 'si', 'dsi', 'auto'];

function positiveInts(name: string, values: readonly number[]): readonly number[] {
  if (values.length === 0)
    throw new ConfigError(`--${name} needs at least one value`, { context: { option: name } });
  for (const v of values)
    if (!(Number.isInteger(v) && v >= 1))
      throw new ConfigError(`--${name} values must be positive integers, got ${v}`, {
        context: { option: name },
      });
  return values;
}

function positiveInt(name: string, v: number): number {
  return positiveInts(name, [v])[0]!;
}

export function resolveLoadBenchOptions(o: LoadBenchOptions = {}): LoadBenchConfig {
  const quick = o.quick ?? false;
  const rttMs = o.rttMs ?? (quick ? [1] : [1, 20]);
  for (const r of rttMs)
    if (!(Number.isFinite(r) && r >= 0))
      throw new ConfigError(`--rtt values must be numbers >= 0 (ms), got ${r}`, {
        context: { option: 'rtt' },
      });
  if (rttMs.length === 0)
    throw new ConfigError('--rtt needs at least one value', { context: { option: 'rtt' } });
  const modes = o.modes ?? LOAD_MODES;
  for (const m of modes)
    if (!REQUEST_MODES.includes(m))
      throw new ConfigError(`--modes: unknown mode ${m} (${LOAD_MODES.join(', ')})`, {
        context: { option: 'modes' },
      });
  if (modes.length === 0 || new Set(modes).size !== modes.length)
    throw new ConfigError('--modes needs distinct modes', { context: { option: 'modes' } });
  const requests = o.requests === undefined ? undefined : positiveInt('requests', o.requests);
  const requestsFor = (c: number) => Math.max(c, requests ?? (quick ? Math.max(2, c) : Math.max(8, 2 * c)));
  return Object.freeze({
    concurrency: positiveInts('concurrency', o.concurrency ?? (quick ? [1, 8] : [1, 4, 16, 64])),
    rttMs,
    modes,
    requestsFor,
    tokens: positiveInt('tokens', o.tokens ?? (quick ? 32 : 64)),
    repeats: positiveInt('repeats', o.repeats ?? (quick ? 1 : 2)),
    k: positiveInt('k', o.k ?? 4),
    drafterSessions: positiveInt('drafter-sessions', o.drafterSessions ?? 16),
    warmup: o.warmup ?? true,
    prefix: o.prefix ?? 'specmesh-load',
    logLevel: o.logLevel ?? 'warn',
    models: LOAD_MODELS,
  });
}

/** The models as `specmesh node` flags (the same description the simulator's cell gets). */
export function loadModelArgs(m: LoadModels): ModelArgs {
  return {
    backend: 'emulated',
    seed: m.seed,
    agreement: m.agreement,
    vocab: m.vocab,
    targetTtftMs: m.batchCost.baseMs,
    targetTpotMs: m.batchCost.baseMs,
    targetPerTokenMs: m.batchCost.perPositionMs,
    targetBatching: true,
    targetPerPositionMs: m.batchCost.perPositionMs,
    targetKnee: m.batchCost.kneePositions,
    draftTtftMs: m.drafterTtftMs,
    draftTpotMs: m.drafterTpotMs,
    modelThreads: 1,
    llamaThreads: 1,
    sequences: 4,
    gpu: 'false',
  };
}
