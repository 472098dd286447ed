/**
 * What `bench load`'s figures say, cell by cell and over the grid: `auto` against the best fixed
 * mode, DSI against SI, SI against non-SI, the cluster against the simulator, and whether every
 * mode's greedy output was the reference's. The goals it checks are those of docs/benchmarks/load.md:
 *
 * - auto ≥ 0.97x the best fixed mode in every cell, and > 1.0x in at least half of them;
 * - DSI ≥ SI in every cell;
 * - SI ≥ 0.97x non-SI in the cells where auto decodes mostly plainly;
 * - measured tokens/s within 5% of the simulator's, per cell and mode.
 *
 * Only ratios of modes that ran are given; a goal whose modes did not run is reported as not checked.
 */
import type { RequestMode } from '@specmesh/protocol';
import type { LoadCellResult } from './load-cell.js';
import type { SimulatedMode } from './load-sim.js';

/** A cell's measured figures with the simulator's beside each mode. */
export interface LoadCellReport extends LoadCellResult {
  /** Per mode: the simulator's prediction and measured / simulated tokens/s. */
  readonly sim: Partial<Record<RequestMode, SimulatedMode & { readonly ratio: number }>>;
  readonly ratios: CellRatios;
}

export interface CellRatios {
  /** The fixed mode with the most tokens/s. */
  readonly bestFixed?: RequestMode;
  /** auto / best fixed mode, tokens/s. */
  readonly autoVsBestFixed?: number;
  readonly dsiVsSi?: number;
  readonly siVsNonsi?: number;
  /**
   * auto decoded mostly plainly here: its share of drafted tokens is under half of SI's (the cluster
   * does not report auto's plans; drafted tokens are what its speculation left behind).
   */
  readonly autoMostlyPlain?: boolean;
}

/** One goal over the grid: the cells that meet it and the ones that miss, with their figures. */
export interface GoalCheck {
  readonly goal: string;
  readonly checked: number;
  readonly met: number;
  readonly misses: ReadonlyArray<{ readonly cell: string; readonly value: number }>;
}

export interface LoadSummary {
  readonly goals: GoalCheck[];
  /** (prompt, mode) pairs whose output differed from the reference, over the grid. */
  readonly mismatches: number;
  /** Requests that failed, over the grid (measured rounds). */
  readonly failures: number;
}

const FIXED: readonly RequestMode[] = ['nonsi', 'si', 'dsi'];

export function cellRatios(cell: LoadCellResult): CellRatios {
  const tps = new Map(cell.modes.map((m) => [m.mode, m.tokensPerSec]));
  const share = new Map(cell.modes.map((m) => [m.mode, m.draftedShare]));
  let bestFixed: RequestMode | undefined;
  for (const m of FIXED)
    if (tps.has(m) && (bestFixed === undefined || tps.get(m)! > tps.get(bestFixed)!)) bestFixed = m;
  const ratio = (a: RequestMode, b: RequestMode) =>
    tps.has(a) && tps.has(b) && tps.get(b)! > 0 ? tps.get(a)! / tps.get(b)! : undefined;
  const r: {
    -readonly [K in keyof CellRatios]: CellRatios[K];
  } = {};
  if (bestFixed) r.bestFixed = bestFixed;
  const auto = bestFixed ? ratio('auto', bestFixed) : undefined;
  if (auto !== undefined) r.autoVsBestFixed = auto;
  const dsiSi = ratio('dsi', 'si');
  if (dsiSi !== undefined) r.dsiVsSi = dsiSi;
  const siNon = ratio('si', 'nonsi');
  if (siNon !== undefined) r.siVsNonsi = siNon;
  if (share.has('auto') && share.has('si')) r.autoMostlyPlain = share.get('auto')! < share.get('si')! / 2;
  return r;
}

const cellName = (c: LoadCellResult) => `c${c.concurrency}/rtt${c.rttMs}`;

/** Checks `ok` over named values; undefined values are not checked. */
function goal(
  name: string,
  values: ReadonlyArray<readonly [string, number | undefined]>,
  ok: (v: number) => boolean,
): GoalCheck {
  let checked = 0;
  let met = 0;
  const misses: Array<{ cell: string; value: number }> = [];
  for (const [cell, v] of values) {
    if (v === undefined) continue;
    checked++;
    if (ok(v)) met++;
    else misses.push({ cell, value: v });
  }
  return { goal: name, checked, met, misses };
}

export function summarizeLoad(cells: readonly LoadCellReport[]): LoadSummary {
  const per = (value: (c: LoadCellReport) => number | undefined) =>
    cells.map((c) => [cellName(c), value(c)] as const);
  const sim = cells.flatMap((c) =>
    c.modes.map((m) => [`${cellName(c)} ${m.mode}`, c.sim[m.mode]?.ratio] as const),
  );
  return {
    goals: [
      goal(
        'auto >= 0.97x best fixed',
        per((c) => c.ratios.autoVsBestFixed),
        (v) => v >= 0.97,
      ),
      goal(
        'auto > 1.0x best fixed (wanted in half the cells)',
        per((c) => c.ratios.autoVsBestFixed),
        (v) => v > 1,
      ),
      goal(
        'DSI >= SI',
        per((c) => c.ratios.dsiVsSi),
        (v) => v >= 1,
      ),
      goal(
        'SI >= 0.97x non-SI where auto decodes mostly plainly',
        per((c) => (c.ratios.autoMostlyPlain ? c.ratios.siVsNonsi : undefined)),
        (v) => v >= 0.97,
      ),
      goal('measured within 5% of the simulator (cell and mode)', sim, (v) => Math.abs(v - 1) <= 0.05),
    ],
    mismatches: cells.reduce((s, c) => s + c.outputs.mismatches, 0),
    failures: cells.reduce((s, c) => s + c.modes.reduce((n, m) => n + m.failures.length, 0), 0),
  };
}
