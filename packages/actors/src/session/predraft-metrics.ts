/**
 * Pre-drafting figures of a host's sessions, summed as they end: what `/metrics` exports and
 * benchmarks read. The hit rate per position says whether the runner-ups guess the target well; the
 * lenders' time on branches never used is what pre-drafting costs.
 */
import type { PredraftStats } from '@specmesh/core';
import { Counter, type Registry } from 'prom-client';
import type { PredraftUse } from './predraft-client.js';

/** Totals over the sessions that ended (see {@link PredraftStats} and {@link PredraftUse}). */
export interface PredraftTotals {
  sessions: number;
  requests: number;
  failed: number;
  usedTokens: number;
  unusedTokens: number;
  /** Rejections, and those that found a pre-drafted branch, by the rejected draft's slot in its task. */
  rejectionsBySlot: number[];
  hitsBySlot: number[];
  /** Lenders' model time on requests that came back, and on those of branches never used, ms. */
  lenderMs: number;
  unusedLenderMs: number;
}

/**
 * `a + sign · b`, field by field (slots beyond either's length count 0): the figures of several
 * spans summed, or (`sign` -1) those of one span as the difference of two readings.
 */
export function combinePredraftTotals(
  a: PredraftTotals,
  b: PredraftTotals,
  sign: 1 | -1 = 1,
): PredraftTotals {
  const slots = (x: readonly number[], y: readonly number[]) =>
    Array.from({ length: Math.max(x.length, y.length) }, (_, i) => (x[i] ?? 0) + sign * (y[i] ?? 0));
  return {
    sessions: a.sessions + sign * b.sessions,
    requests: a.requests + sign * b.requests,
    failed: a.failed + sign * b.failed,
    usedTokens: a.usedTokens + sign * b.usedTokens,
    unusedTokens: a.unusedTokens + sign * b.unusedTokens,
    rejectionsBySlot: slots(a.rejectionsBySlot, b.rejectionsBySlot),
    hitsBySlot: slots(a.hitsBySlot, b.hitsBySlot),
    lenderMs: a.lenderMs + sign * b.lenderMs,
    unusedLenderMs: a.unusedLenderMs + sign * b.unusedLenderMs,
  };
}

export class PredraftMetrics {
  readonly totals: PredraftTotals = {
    sessions: 0,
    requests: 0,
    failed: 0,
    usedTokens: 0,
    unusedTokens: 0,
    rejectionsBySlot: [],
    hitsBySlot: [],
    lenderMs: 0,
    unusedLenderMs: 0,
  };
  private readonly requests: Counter<'outcome'>;
  private readonly tokens: Counter<'use'>;
  private readonly rejections: Counter<'slot' | 'hit'>;
  private readonly lenderSeconds: Counter<'use'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'specmesh_predraft_requests_total',
      help: "Pre-draft requests of this host's sessions, by outcome (answered or failed)",
      labelNames: ['outcome'],
      registers,
    });
    this.tokens = new Counter({
      name: 'specmesh_predraft_tokens_total',
      help: 'Pre-drafted tokens, by whether a rejection took them into the speculation',
      labelNames: ['use'],
      registers,
    });
    this.rejections = new Counter({
      name: 'specmesh_predraft_rejections_total',
      help: "Rejections by the rejected draft's slot in its task, and whether a pre-drafted branch matched",
      labelNames: ['slot', 'hit'],
      registers,
    });
    this.lenderSeconds = new Counter({
      name: 'specmesh_predraft_lender_seconds_total',
      help: "Lenders' model time on this host's pre-drafts: all of it, and the part on branches never used",
      labelNames: ['use'],
      registers,
    });
  }

  /** A session ended with these figures. */
  add(stats: PredraftStats, use: PredraftUse): void {
    const t = this.totals;
    t.sessions++;
    t.requests += use.requests;
    t.failed += use.failed;
    t.usedTokens += stats.usedTokens;
    t.unusedTokens += stats.unusedTokens;
    t.lenderMs += use.modelMs;
    t.unusedLenderMs += use.unusedMs;
    stats.rejectionsBySlot.forEach((n, slot) => {
      const hits = stats.hitsBySlot[slot] ?? 0;
      while (t.rejectionsBySlot.length <= slot) {
        t.rejectionsBySlot.push(0);
        t.hitsBySlot.push(0);
      }
      t.rejectionsBySlot[slot]! += n;
      t.hitsBySlot[slot]! += hits;
      if (hits > 0) this.rejections.inc({ slot: String(slot), hit: 'yes' }, hits);
      if (n > hits) this.rejections.inc({ slot: String(slot), hit: 'no' }, n - hits);
    });
    if (use.requests > use.failed) this.requests.inc({ outcome: 'answered' }, use.requests - use.failed);
    if (use.failed > 0) this.requests.inc({ outcome: 'failed' }, use.failed);
    if (stats.usedTokens > 0) this.tokens.inc({ use: 'used' }, stats.usedTokens);
    if (stats.unusedTokens > 0) this.tokens.inc({ use: 'unused' }, stats.unusedTokens);
    if (use.modelMs > 0) this.lenderSeconds.inc({ use: 'all' }, use.modelMs / 1000);
    if (use.unusedMs > 0) this.lenderSeconds.inc({ use: 'unused' }, use.unusedMs / 1000);
  }
}
