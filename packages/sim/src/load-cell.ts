/**
 * One cell of the load grid (`specmesh bench load`): the simulator's prediction for a cluster of
 * `concurrency` edge clients, each with its own drafter (one session at a time, a closed loop with no
 * think time), and `targets` batching targets (`batchCost`, continuous batching at pass granularity)
 * behind join-shortest-queue sticky routing, a link of `rttMs` round trip between every drafter and
 * the targets. The targets cache prefixes as the emulated model does (`cache: prefix`: a task pays the
 * positions its target lacks). DSI and `auto` run load-aware DSI (a parallel task only where it runs
 * at once, else declined).
 *
 * @example
 *   simulateLoadCell({ concurrency: 16, rttMs: 1, mode: 'auto', k: 4, targets: 2,
 *     batchCost: TARGET_70B_PROFILE, drafterTpotMs: 2, acceptance: 0.8, promptTokens: 32,
 *     outputTokens: 64, requests: 200 }).tokensPerSec
 */
import type { BatchCostProfile } from '@specmesh/core';
import { runScenario } from './run-scenario.js';
import type { Scenario } from './scenario-schema.js';

export type LoadCellMode = 'nonsi' | 'si' | 'dsi' | 'auto';

export interface LoadCell {
  /** Concurrent clients, each with its own drafter. */
  readonly concurrency: number;
  /** Round trip between a drafter and the targets, ms. */
  readonly rttMs: number;
  readonly mode: LoadCellMode;
  /** Window of SI and DSI (`auto` chooses its own). */
  readonly k: number;
  readonly targets: number;
  readonly batchCost: BatchCostProfile;
  /** The drafter's time per draft token, ms (its first token too). */
  readonly drafterTpotMs: number;
  /** Per-draft acceptance (i.i.d.). */
  readonly acceptance: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** Requests to complete. */
  readonly requests: number;
  /** Seed of the run. Defaults to 1. */
  readonly seed?: number;
  /**
   * What a real cluster adds to the configured latencies, measured (bench load's cost probes). With
   * them the cell models that cluster: its link and hops, direct verification, the verifier host's
   * time around a step, the drafter's per-token overhead, and the client beside the targets (a
   * request crosses the link to start, each commit crosses it back). Without them: DSD-Sim's ideal
   * cell (free hops, the client on the drafter).
   */
  readonly costs?: LoadCellCosts;
}

/** Measured costs of a cluster, ms (see `costs`). */
export interface LoadCellCosts {
  /** One broker hop in the cloud (the batcher's, on its route). */
  readonly hopMs: number;
  /** The edge link one way, beside its hop; replaces `rttMs / 2`. */
  readonly linkOneWayMs: number;
  /** A verify step's time on its verifier's host beyond its pass. */
  readonly stepOverheadMs: number;
  /** A drafted token's time beyond `drafterTpotMs`. */
  readonly draftTokenOverheadMs: number;
}

export interface LoadCellResult {
  /** Output tokens per second, first arrival to last token. */
  readonly tokensPerSec: number;
  readonly ttftMs: { readonly p50: number; readonly p99: number };
  readonly tpotMs: { readonly p50: number; readonly p99: number };
  /** Target pass time per output token, ms, summed over targets (preempted work included). */
  readonly targetComputeMsPerToken: number;
  /** `auto`: rounds planned as non-SI, SI and DSI, over all requests. */
  readonly rounds?: { readonly nonsi: number; readonly si: number; readonly dsi: number };
  /** DSI and `auto`: parallel tasks declined for want of a target free to run them at once. */
  readonly declinedTasks?: number;
}

/** The scenario of a cell. */
export function loadCellScenario(cell: LoadCell): Scenario {
  const fixed = (value: number) => ({ dist: 'fixed' as const, value });
  const c = cell.costs;
  const draftMs = cell.drafterTpotMs + (c?.draftTokenOverheadMs ?? 0);
  return {
    name: `load c=${cell.concurrency} rtt=${cell.rttMs} ${cell.mode}`,
    seed: cell.seed ?? 1,
    drafters: [
      {
        name: 'edge',
        count: cell.concurrency,
        oneWayMs: c ? c.linkOneWayMs : cell.rttMs / 2,
        latency: { ttftMs: draftMs, tpotMs: draftMs },
      },
    ],
    ...(c
      ? {
          messaging: {
            hopMs: c.hopMs,
            client: 'cloud' as const,
            directVerify: true,
            stepOverheadMs: c.stepOverheadMs,
          },
        }
      : {}),
    targets: {
      count: cell.targets,
      latency: { ttftMs: cell.batchCost.baseMs, tpotMs: cell.batchCost.baseMs },
      batchCost: { ...cell.batchCost },
      cache: 'prefix',
    },
    routing: { targets: 'jsq-sticky' },
    speculation: {
      mode: cell.mode,
      window: { policy: 'static', k: cell.k },
      acceptance: { model: 'iid', a: cell.acceptance },
    },
    workload: {
      requests: cell.requests,
      arrival: { process: 'closed-loop', clients: cell.concurrency, thinkMs: fixed(0) },
      promptTokens: fixed(cell.promptTokens),
      outputTokens: fixed(cell.outputTokens),
    },
  };
}

/** Simulates one cell of the load grid. */
export function simulateLoadCell(cell: LoadCell): LoadCellResult {
  const rounds = { nonsi: 0, si: 0, dsi: 0 };
  let declined = 0;
  const r = runScenario(loadCellScenario(cell), {
    onRequest: (x) => {
      declined += x.declinedTasks ?? 0;
      if (!x.rounds) return;
      rounds.nonsi += x.rounds.nonsi;
      rounds.si += x.rounds.si;
      rounds.dsi += x.rounds.dsi;
    },
  });
  return {
    tokensPerSec: r.throughputTokPerSec,
    ttftMs: { p50: r.ttftMs.p50, p99: r.ttftMs.p99 },
    tpotMs: { p50: r.tpotMs.p50, p99: r.tpotMs.p99 },
    targetComputeMsPerToken: r.tokens > 0 ? r.targetBusyMs / r.tokens : 0,
    ...(cell.mode === 'auto' ? { rounds } : {}),
    ...(cell.mode === 'dsi' || cell.mode === 'auto' ? { declinedTasks: declined } : {}),
  };
}
