/**
 * The simulator's side of a `bench load` cell: `@specmesh/sim`'s `simulateLoadCell` for the same
 * cluster (targets, pass cost, drafter, acceptance, link), the same closed loop and the same request
 * shape, once per measured round (seeds 1..rounds), pooled as the measurement is: total tokens over
 * total time. With the cluster's measured costs (load-costs.ts) the simulated cell has its hops,
 * direct verification, the verifier hosts' and drafters' overheads and the client in the cloud.
 */
import type { RequestMode } from '@specmesh/protocol';
import { type LoadCellCosts, simulateLoadCell } from '@specmesh/sim';
import type { LoadModels } from './load-options.js';

export interface SimulatedMode {
  readonly tokensPerSec: number;
  readonly tpotP50Ms: number;
  readonly targetComputeMsPerToken: number;
  /** `auto`: the share of rounds the simulated sessions planned as non-SI, SI and DSI. */
  readonly rounds?: { readonly nonsi: number; readonly si: number; readonly dsi: number };
}

export interface SimulatedCell {
  readonly concurrency: number;
  readonly rttMs: number;
  readonly k: number;
  readonly promptTokens: number;
  readonly tokens: number;
  /** Requests of one round. */
  readonly requests: number;
  readonly rounds: number;
  /** The cluster's measured costs; without them the simulator's ideal cell. */
  readonly costs?: LoadCellCosts;
}

export function simulateMode(cell: SimulatedCell, mode: RequestMode, m: LoadModels): SimulatedMode {
  let seconds = 0;
  let tokens = 0;
  let tpot = 0;
  let compute = 0;
  const split = { nonsi: 0, si: 0, dsi: 0 };
  for (let seed = 1; seed <= cell.rounds; seed++) {
    const r = simulateLoadCell({
      concurrency: cell.concurrency,
      rttMs: cell.rttMs,
      mode,
      k: cell.k,
      targets: m.verifiers,
      batchCost: m.batchCost,
      drafterTpotMs: m.drafterTpotMs,
      acceptance: m.agreement,
      promptTokens: Math.round(cell.promptTokens),
      outputTokens: cell.tokens,
      requests: cell.requests,
      seed,
      ...(cell.costs ? { costs: cell.costs } : {}),
    });
    const n = cell.requests * cell.tokens;
    tokens += n;
    seconds += n / r.tokensPerSec;
    tpot += r.tpotMs.p50 / cell.rounds;
    compute += r.targetComputeMsPerToken / cell.rounds;
    if (r.rounds) {
      split.nonsi += r.rounds.nonsi;
      split.si += r.rounds.si;
      split.dsi += r.rounds.dsi;
    }
  }
  const planned = split.nonsi + split.si + split.dsi;
  return {
    tokensPerSec: tokens / seconds,
    tpotP50Ms: tpot,
    targetComputeMsPerToken: compute,
    ...(mode === 'auto' && planned > 0
      ? { rounds: { nonsi: split.nonsi / planned, si: split.si / planned, dsi: split.dsi / planned } }
      : {}),
  };
}
