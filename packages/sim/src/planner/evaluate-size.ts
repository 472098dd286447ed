/**
 * One simulated answer to "does this size meet the SLO?": runs the plan's scenario and measures the
 * requests after a warm-up (the first quarter of arrivals meet a cluster still filling up, and would
 * flatter it).
 *
 * A request meets the SLO when its TPOT (and, when set, its TTFT) is within the limit. The size meets
 * it when at least `sloPercentile`% of the measured requests do, and when that percentile stays within
 * the limit even projected forward: increased by how much TPOT (TTFT) grew over the run, by its trend
 * against arrival time (trend-growth.ts). The projection catches a cluster that cannot keep up: near
 * saturation its queues grow for the whole run, slowly enough that the run as a whole still looks
 * fine.
 *
 * @example
 *   // p90 TPOT 45 ms, and TPOT grew by 6 ms over the run: projected 51 ms, so a 50 ms SLO is missed.
 */

import { agreementOracle } from '@specmesh/core';
import { InternalError } from '@specmesh/protocol';
import { requestTotals } from '../request-totals.js';
import { runScenario } from '../run-scenario.js';
import type { RequestRecord } from '../session-driver.js';
import { type LatencySummary, summarize } from '../sim-report.js';

/** The `q` quantile of `xs` (nearest rank, as `summarize`); 0 for none. */
function percentile(xs: ArrayLike<number>, q: number): number {
  if (xs.length === 0) return 0;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

import type { PlanCandidate } from './plan-candidates.js';
import type { PlanConfig } from './plan-options.js';
import { type PlanSize, planScenario } from './plan-scenario.js';
import { trendGrowth } from './trend-growth.js';

/** Share of the first arrivals left out of the measurement. */
export const WARMUP_SHARE = 0.25;

export interface PlanPoint extends PlanSize {
  readonly seed: number;
  /** Requests measured (after the warm-up). */
  readonly requests: number;
  readonly throughputTokPerSec: number;
  readonly ttftMs: LatencySummary;
  readonly tpotMs: LatencySummary;
  /** Share of measured requests within every SLO, 0..1. */
  readonly attainment: number;
  /** The SLO percentile of TPOT plus its growth over the run (0 unless clearly growing), ms. */
  readonly projectedTpotMs: number;
  /** The same for TTFT, ms. */
  readonly projectedTtftMs: number;
  readonly meets: boolean;
  /** Busy share of the targets, 0..1. */
  readonly targetUtilisation: number;
}

/**
 * SSD-DSI's branches guess real tokens: its runs take them from core's i.i.d. agreement oracle (the
 * plan's acceptance; the drafter's runner-ups as core's default model has them), each request with a
 * prompt of its own length whose last tokens name it, so requests differ.
 */
function ssdTokens(config: PlanConfig, seed: number) {
  const a = config.drafter.acceptance;
  if (a.model !== 'iid') throw new InternalError('ssd plans need an i.i.d. acceptance');
  return {
    oracle: agreementOracle({ acceptance: a.a, seed }),
    prompt: (id: number, length: number) => {
      const p = new Uint32Array(Math.max(1, length)).fill(1);
      for (let i = 0; i < Math.min(4, p.length); i++)
        p[p.length - 1 - i] = 3 + ((id * 7919 + i * 104_729) % 31_000);
      return p;
    },
  };
}

export function evaluateSize(
  config: PlanConfig,
  c: PlanCandidate,
  size: PlanSize,
  seed: number,
  requests: number,
): PlanPoint {
  const records: RequestRecord[] = [];
  const report = runScenario(planScenario(config, c, size, seed, requests), {
    onRequest: (r) => records.push(r),
    ...(c.mode === 'ssd' ? ssdTokens(config, seed) : {}),
  });
  const warm = Math.floor(requests * WARMUP_SHARE);
  const measured = records.filter((r) => r.id >= warm).sort((a, b) => a.id - b.id);
  const totals = requestTotals(measured);
  const within = (r: RequestRecord) => {
    const ttft = r.firstTokenAt - r.arrivedAt;
    const tpot = r.tokens > 1 ? (r.lastTokenAt - r.firstTokenAt) / (r.tokens - 1) : 0;
    return tpot <= config.sloTpotMs && (config.sloTtftMs === undefined || ttft <= config.sloTtftMs);
  };
  const attainment = measured.length > 0 ? measured.filter(within).length / measured.length : 0;
  const q = config.sloPercentile / 100;
  const arrivals = measured.map((r) => r.arrivedAt);
  const many = measured.filter((r) => r.tokens > 1);
  const tpotGrowth = trendGrowth(
    many.map((r) => r.arrivedAt),
    many.map((r) => (r.lastTokenAt - r.firstTokenAt) / (r.tokens - 1)),
  );
  const ttftGrowth = trendGrowth(
    arrivals,
    measured.map((r) => r.firstTokenAt - r.arrivedAt),
  );
  const projectedTpotMs = percentile(totals.tpot, q) + tpotGrowth;
  const projectedTtftMs = percentile(totals.ttft, q) + ttftGrowth;
  return {
    ...size,
    seed,
    requests: measured.length,
    throughputTokPerSec: totals.spanMs > 0 ? totals.tokens / (totals.spanMs / 1000) : 0,
    ttftMs: summarize(totals.ttft),
    tpotMs: summarize(totals.tpot),
    attainment,
    projectedTpotMs,
    projectedTtftMs,
    // A hair of tolerance so that exactly the percentile counts (9 of 10 at p90).
    meets:
      attainment >= q - 1e-9 &&
      projectedTpotMs <= config.sloTpotMs &&
      (config.sloTtftMs === undefined || projectedTtftMs <= config.sloTtftMs),
    targetUtilisation: report.targetUtilisation.mean,
  };
}
