/**
 * The DSI paper's offline simulation on this engine: one drafter (forward `c`), `targets` target
 * servers (forward 1.0, the time unit) in a shared queue, no network, one request of `tokens` tokens.
 * Tokens come from core's `agreementOracle` (i.i.d. per-position acceptance `a`), the same oracle
 * core's `runVirtual` uses, so the two give the same times for the same configuration.
 *
 * Grid (reference dsi.json): c in {0.01, 0.05, 0.10, ..., 1.0}, a in {0.01, 0.05, 0.10, ..., 0.95,
 * 0.99}, k in 1..20, as many targets as DSI needs, `ceil(1 / (k c))`, dropping configurations needing
 * more than 7.
 *
 * SSD-DSI (`predrafters` > 0): DSI plus pre-drafting on that many more drafter instances of forward
 * `c` (core's `predraft`), never delaying the main drafter. The drafter's guess of the target's token
 * at a rejected position is the oracle's runner-up model: where the draft is wrong, the target's
 * token is the drafter's r-th runner-up with probability `runnerUpHits[r]` (core's RUNNER_UP_HITS by
 * default: the top-F runner-ups hold it with probability 1 - 1/(F+1)), drawn from the seed.
 */
import { agreementOracle, type OrchestrationMode, type PredraftOptions } from '@specmesh/core';
import { runScenario } from './run-scenario.js';
import type { Scenario } from './scenario-schema.js';
import type { RequestRecord } from './session-driver.js';

export interface DsiPoint {
  readonly c: number;
  readonly a: number;
  readonly k: number;
  readonly targets: number;
}

export interface DsiPointResult extends DsiPoint {
  /** Mean time to generate `tokens` tokens, in target forwards. */
  readonly nonsi: number;
  readonly si: number;
  readonly dsi: number;
  /** SSD-DSI (DSI with pre-drafting), when the grid ran it. */
  readonly ssd?: number;
  /** SSD-DSI's pre-drafting over its seeds, when the grid ran it. */
  readonly ssdPredraft?: PredraftTotals;
}

/** Pre-drafting figures summed over runs: rejections and hits by slot, pre-drafter time (all, unused). */
export interface PredraftTotals {
  readonly rejectionsBySlot: number[];
  readonly hitsBySlot: number[];
  busyMs: number;
  unusedMs: number;
}

/** Adds one request's pre-drafting figures to `into`. */
export function addPredraft(into: PredraftTotals, r: RequestRecord): void {
  const p = r.predraft;
  if (!p) return;
  p.rejectionsBySlot.forEach((n, i) => {
    into.rejectionsBySlot[i] = (into.rejectionsBySlot[i] ?? 0) + n;
    into.hitsBySlot[i] = (into.hitsBySlot[i] ?? 0) + (p.hitsBySlot[i] ?? 0);
  });
  into.busyMs += p.busyMs;
  into.unusedMs += p.unusedMs;
}

export interface DsiGridOptions {
  /** Drafter/target forward ratios. Defaults to 0.01, 0.05, 0.10, ..., 1.0. */
  readonly c?: readonly number[];
  /** Acceptance rates. Defaults to 0.01, 0.05, 0.10, ..., 0.95, 0.99. */
  readonly a?: readonly number[];
  /** Lookaheads. Defaults to 1..20. */
  readonly k?: readonly number[];
  /** Most target servers. Defaults to 7. */
  readonly maxTargets?: number;
  /** Tokens per generation. Defaults to 1000. */
  readonly tokens?: number;
  /** Seeds per point. Defaults to 5. */
  readonly repeats?: number;
  /** Pre-draft drafter instances of SSD-DSI; 0 (the default) runs no SSD-DSI. */
  readonly predrafters?: number;
  /** Runner-ups per position SSD-DSI branches on. Defaults to 2. */
  readonly alternatives?: number;
  /** The runner-up model (see above). Defaults to core's RUNNER_UP_HITS. */
  readonly runnerUpHits?: readonly number[];
}

const round2 = (x: number) => Math.round(x * 100) / 100;
/** 0.01, 0.05, 0.10, 0.15, ..., 0.95 (and `last`). */
const paperAxis = (last: number) => [
  0.01,
  ...Array.from({ length: 19 }, (_, i) => round2(0.05 * (i + 1))),
  last,
];

export const DSI_GRID_C: readonly number[] = paperAxis(1.0);
export const DSI_GRID_A: readonly number[] = paperAxis(0.99);
export const DSI_GRID_K: readonly number[] = Array.from({ length: 20 }, (_, i) => i + 1);

/** The points of the grid that need at most `maxTargets` servers. */
export function dsiGridPoints(o: DsiGridOptions = {}): DsiPoint[] {
  const maxTargets = o.maxTargets ?? 7;
  const points: DsiPoint[] = [];
  for (const c of o.c ?? DSI_GRID_C)
    for (const a of o.a ?? DSI_GRID_A)
      for (const k of o.k ?? DSI_GRID_K) {
        const targets = Math.ceil(1 / (k * c) - 1e-9);
        if (targets <= maxTargets) points.push({ c, a, k, targets });
      }
  return points;
}

/** The single-node scenario of one DSI point; `predraft` makes DSI SSD-DSI. */
export function dsiScenario(
  p: DsiPoint,
  mode: OrchestrationMode,
  tokens: number,
  predraft?: PredraftOptions,
): Scenario {
  return {
    name: `dsi c=${p.c} a=${p.a} k=${p.k}`,
    drafters: [{ name: 'drafter', count: 1, oneWayMs: 0, latency: { ttftMs: p.c, tpotMs: p.c } }],
    targets: { count: p.targets, latency: { ttftMs: 1, tpotMs: 1 } },
    routing: { targets: 'shared-queue' },
    speculation: {
      mode,
      window: { policy: 'static', k: p.k },
      acceptance: { model: 'iid', a: p.a },
      ...(predraft && predraft.drafters > 0 ? { predraft } : {}),
    },
    workload: {
      requests: 1,
      arrival: { process: 'trace', arrivalsMs: [0] },
      promptTokens: { dist: 'fixed', value: 2 },
      outputTokens: { dist: 'fixed', value: tokens },
    },
  };
}

/** SSD-DSI's settings in a DSI run: its pre-drafting, and the oracle's runner-up model. */
export interface SsdSettings {
  readonly predraft: PredraftOptions;
  readonly runnerUpHits?: readonly number[];
}

/**
 * Time of one generation of `tokens` tokens at point `p` with oracle seed `seed`; `onRequest` sees
 * the request's record (pre-drafting metrics).
 */
export function dsiTime(
  p: DsiPoint,
  mode: OrchestrationMode,
  tokens: number,
  seed: number,
  ssd?: SsdSettings,
  onRequest?: (r: RequestRecord) => void,
): number {
  const r = runScenario(dsiScenario(p, mode, tokens, ssd?.predraft), {
    oracle: agreementOracle({
      acceptance: p.a,
      seed: 1000 + seed,
      ...(ssd?.runnerUpHits ? { runnerUpHits: ssd.runnerUpHits } : {}),
    }),
    prompt: [1, 100 + seed],
    ...(onRequest ? { onRequest } : {}),
  });
  return r.e2eMs.max;
}

/**
 * Runs every point (non-SI, SI, DSI, and SSD-DSI with `predrafters`; mean over seeds). `onPoint` sees
 * each as it finishes.
 */
export function runDsiOffline(
  o: DsiGridOptions = {},
  onPoint?: (r: DsiPointResult, done: number, total: number) => void,
): DsiPointResult[] {
  const tokens = o.tokens ?? 1000;
  const repeats = o.repeats ?? 5;
  const points = dsiGridPoints(o);
  const out: DsiPointResult[] = [];
  // Non-SI does not depend on c or k: one target step per token. Computed once per a.
  const nonsiByA = new Map<number, number>();
  for (const p of points) {
    const mean = (mode: OrchestrationMode, ssd?: SsdSettings, totals?: PredraftTotals) => {
      let t = 0;
      const onRequest = totals ? (r: RequestRecord) => addPredraft(totals, r) : undefined;
      for (let seed = 0; seed < repeats; seed++) t += dsiTime(p, mode, tokens, seed, ssd, onRequest);
      return t / repeats;
    };
    let nonsi = nonsiByA.get(p.a);
    if (nonsi === undefined) {
      nonsi = mean('nonsi');
      nonsiByA.set(p.a, nonsi);
    }
    const predrafters = o.predrafters ?? 0;
    const ssdPredraft: PredraftTotals = { rejectionsBySlot: [], hitsBySlot: [], busyMs: 0, unusedMs: 0 };
    const ssd =
      predrafters > 0
        ? mean(
            'dsi',
            {
              predraft: { drafters: predrafters, alternatives: o.alternatives ?? 2 },
              ...(o.runnerUpHits ? { runnerUpHits: o.runnerUpHits } : {}),
            },
            ssdPredraft,
          )
        : undefined;
    const r = {
      ...p,
      nonsi,
      si: mean('si'),
      dsi: mean('dsi'),
      ...(ssd !== undefined ? { ssd, ssdPredraft } : {}),
    };
    out.push(r);
    onPoint?.(r, out.length, points.length);
  }
  return out;
}
