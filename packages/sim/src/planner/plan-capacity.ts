/**
 * The capacity planner: the smallest cluster (drafter + target instances) that serves `rps` within the
 * SLOs, over modes (nonsi, si, dsi), executions (distributed, fused) and windows `k`, found with the
 * simulator, then checked with a different seed.
 *
 * Search, per configuration, cheapest estimate first (plan-candidates.ts), with the best total found
 * so far as a bound:
 *   1. the most targets that could still beat the best (bound − 1 − the configuration's least
 *      drafters), with ample drafters: one simulation. If that misses the SLO, no smaller size of this
 *      configuration can win (more instances never hurt) and it is skipped;
 *   2. bisection on the target count between the arithmetic lower bound and that size;
 *   3. bisection on the drafter count at that target count (distributed only).
 * Every simulation of the search uses the same seed, so sizes are compared on the same arrivals and
 * lengths. The search stops looking at further configurations after `maxSimulations`.
 *
 * Check: the size found, re-simulated with another seed and three times the requests (a longer run
 * reaches the steady state a short one only heads for: near saturation queues keep growing). Should it
 * miss the SLO there, instances are added one at a time, up to four, each time the target or the
 * drafter that helps more (the one that meets the SLO, else the lower projected TPOT), until it meets;
 * the result says so. Then one
 * target fewer, one target more (and one drafter fewer) run the same way. One target fewer should miss
 * the SLO, or the search would have chosen it; when it does not, the result says so (the margin is
 * within the simulation's noise). The figures reported are the check's.
 *
 * @example
 *   const plan = planCapacity({ rps: 50, rttMs: 10, sloTpotMs: 50 });
 *   plan.recommendation; // { candidate: { mode: 'si', execution: 'distributed', k: 4 }, size: {...}, point: {...} }
 */
import { evaluateSize, type PlanPoint } from './evaluate-size.js';
import {
  type CandidateBounds,
  candidateBounds,
  candidateLabel,
  instancesOf,
  instancesPerDrafter,
  type PlanCandidate,
  planCandidates,
} from './plan-candidates.js';
import { type PlanConfig, type PlanOptions, resolvePlanOptions } from './plan-options.js';
import type { PlanSize } from './plan-scenario.js';

/** What the search concluded about one configuration. */
export interface CandidateOutcome {
  readonly candidate: PlanCandidate;
  readonly label: string;
  /**
   * `met`: its smallest size meeting the SLO is `size`. `cannot-win`: it needs more instances than the
   * best found (or than `maxInstances`). `unsearched`: the simulation budget ran out first.
   */
  readonly outcome: 'met' | 'cannot-win' | 'unsearched';
  readonly size?: PlanSize;
  readonly point?: PlanPoint;
  readonly note: string;
}

export interface Recommendation {
  readonly candidate: PlanCandidate;
  readonly label: string;
  readonly size: PlanSize;
  readonly total: number;
  /** The check's simulation at this size (other seed, longer run). */
  readonly point: PlanPoint;
  /** What the search found, before the check added targets (if it did). */
  readonly searchSize: PlanSize;
}

export interface CheckRow {
  readonly label: 'recommended' | 'one target fewer' | 'one target more' | 'one drafter fewer';
  readonly point: PlanPoint;
}

/** The recommendation and its neighbours re-simulated with another seed. */
export interface PlanCheck {
  readonly seed: number;
  readonly requests: number;
  /** Instances added to the search's size because it missed the SLO in the check. */
  readonly added: PlanSize;
  readonly rows: readonly CheckRow[];
  /** The recommendation meets the SLO and one target fewer does not (or there is no fewer). */
  readonly confirmed: boolean;
  readonly notes: readonly string[];
}

export interface PlanResult {
  readonly config: PlanConfig;
  readonly recommendation: Recommendation | undefined;
  readonly candidates: readonly CandidateOutcome[];
  /** The recommended configuration and drafters at target counts around the recommendation, as checked. */
  readonly curve: readonly PlanPoint[];
  readonly check: PlanCheck | undefined;
  readonly simulations: number;
  /** The budget ran out before every configuration was searched. */
  readonly budgetExhausted: boolean;
}

/** Runs and remembers simulations; counts them against the budget. */
class Simulator {
  simulations = 0;
  private readonly memo = new Map<string, PlanPoint>();

  constructor(private readonly config: PlanConfig) {}

  run(c: PlanCandidate, size: PlanSize, seed = this.config.seed, requests = this.config.requests): PlanPoint {
    const key = `${c.mode}/${c.execution}/${c.k}/${size.drafters}/${size.targets}/${seed}/${requests}`;
    let point = this.memo.get(key);
    if (!point) {
      this.simulations++;
      point = evaluateSize(this.config, c, size, seed, requests);
      this.memo.set(key, point);
    }
    return point;
  }
}

/** Smallest `n` in (lo, hi] for which `meets(n)`, given `meets(hi)`; assumes more never hurts. */
function bisect(lo: number, hi: number, meets: (n: number) => boolean): number {
  let l = lo;
  let h = hi;
  while (h - l > 1) {
    const mid = Math.floor((l + h) / 2);
    if (meets(mid)) h = mid;
    else l = mid;
  }
  return h;
}

function searchCandidate(
  sim: Simulator,
  config: PlanConfig,
  c: PlanCandidate,
  b: CandidateBounds,
  best: Recommendation | undefined,
): CandidateOutcome {
  const label = candidateLabel(c);
  const limit = best ? best.total - 1 : config.maxInstances;
  const perDrafter = instancesPerDrafter(config, c);
  const maxTargets = limit - b.minDrafters * perDrafter;
  const beyond = best
    ? `so it cannot beat the best so far (${best.total})`
    : `so it cannot meet it within --max-instances (${config.maxInstances})`;
  if (maxTargets < b.minTargets)
    return {
      candidate: c,
      label,
      outcome: 'cannot-win',
      note: `needs at least ${b.minDrafters * perDrafter + b.minTargets} instances by arithmetic, ${beyond}`,
    };
  const drafters = Math.max(b.ampleDrafters, b.minDrafters);
  const meetsAt = (targets: number, d = drafters) => sim.run(c, { drafters: d, targets }).meets;
  const widest = sim.run(c, { drafters, targets: maxTargets });
  if (!widest.meets)
    return {
      candidate: c,
      label,
      outcome: 'cannot-win',
      point: widest,
      note: `misses the SLO even with ${maxTargets} targets and ${drafters} drafters (${(widest.attainment * 100).toFixed(0)}% of requests within it), ${beyond}`,
    };
  const targets = bisect(b.minTargets - 1, maxTargets, (t) => meetsAt(t));
  const fewest =
    c.execution === 'distributed' ? bisect(b.minDrafters - 1, drafters, (d) => meetsAt(targets, d)) : 0;
  const size = { drafters: fewest, targets };
  const point = sim.run(c, size);
  const total = instancesOf(config, c, size);
  if (total > limit)
    return {
      candidate: c,
      label,
      outcome: 'cannot-win',
      size,
      point,
      note: `needs ${total} instances, ${beyond}`,
    };
  return {
    candidate: c,
    label,
    outcome: 'met',
    size,
    point,
    note: `meets the SLO with ${total} instances`,
  };
}

/** Instances the check may add to a size that missed the SLO in its longer run. */
const MAX_ADDED = 4;

function checkRecommendation(
  sim: Simulator,
  config: PlanConfig,
  found: Recommendation,
): { recommendation: Recommendation; check: PlanCheck } {
  const at = (size: PlanSize) => sim.run(found.candidate, size, config.checkSeed, config.checkRequests);
  const distributed = found.candidate.execution === 'distributed';
  let size = found.size;
  let point = at(size);
  for (
    let n = 0;
    n < MAX_ADDED && !point.meets && instancesOf(config, found.candidate, size) < config.maxInstances;
    n++
  ) {
    const options = [{ drafters: size.drafters, targets: size.targets + 1 }];
    if (distributed) options.push({ drafters: size.drafters + 1, targets: size.targets });
    const tried = options.map((o) => at(o));
    const better = (a: PlanPoint, b: PlanPoint) =>
      a.meets !== b.meets ? a.meets : a.projectedTpotMs <= b.projectedTpotMs;
    point = tried.reduce((a, b) => (better(a, b) ? a : b));
    size = { drafters: point.drafters, targets: point.targets };
  }
  const added = { drafters: size.drafters - found.size.drafters, targets: size.targets - found.size.targets };
  const { drafters, targets } = size;
  const rows: CheckRow[] = [{ label: 'recommended', point }];
  if (targets > 1) rows.push({ label: 'one target fewer', point: at({ drafters, targets: targets - 1 }) });
  rows.push({ label: 'one target more', point: at({ drafters, targets: targets + 1 }) });
  if (drafters > 1) rows.push({ label: 'one drafter fewer', point: at({ drafters: drafters - 1, targets }) });
  const notes: string[] = [];
  const run = `seed ${config.checkSeed}, ${config.checkRequests} requests`;
  if (added.drafters + added.targets > 0) {
    const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
    const what = [
      added.drafters > 0 ? plural(added.drafters, 'drafter') : '',
      added.targets > 0 ? plural(added.targets, 'target') : '',
    ].filter(Boolean);
    notes.push(
      `the search's size (${found.size.drafters} drafters, ${found.size.targets} targets) missed the SLO in the longer check run (${run}); added ${what.join(' and ')}`,
    );
  }
  if (!point.meets)
    notes.push(
      `the recommendation still misses the SLO in the check (${run}: ${(point.attainment * 100).toFixed(1)}% within it, projected p${config.sloPercentile} TPOT ${point.projectedTpotMs.toFixed(1)} ms)`,
    );
  const fewer = rows.find((x) => x.label === 'one target fewer')?.point;
  if (fewer?.meets)
    notes.push(
      `one target fewer also meets the SLO in the check (${run}: ${(fewer.attainment * 100).toFixed(1)}% within it), though not in the search: the margin is within the simulation's noise`,
    );
  return {
    recommendation: {
      ...found,
      size,
      total: instancesOf(config, found.candidate, size),
      point,
      searchSize: found.size,
    },
    check: {
      seed: config.checkSeed,
      requests: config.checkRequests,
      added,
      rows,
      confirmed: point.meets && !fewer?.meets,
      notes,
    },
  };
}

/** Target counts around the recommendation, run as the check runs, for the chart. */
function curveOf(sim: Simulator, config: PlanConfig, r: Recommendation): PlanPoint[] {
  const out: PlanPoint[] = [];
  for (let t = Math.max(1, r.size.targets - 2); t <= r.size.targets + 2; t++)
    out.push(
      sim.run(r.candidate, { drafters: r.size.drafters, targets: t }, config.checkSeed, config.checkRequests),
    );
  return out;
}

export function planCapacity(options: PlanOptions): PlanResult {
  const config = resolvePlanOptions(options);
  const sim = new Simulator(config);
  const ordered = planCandidates(config)
    .map((c) => ({ c, b: candidateBounds(config, c) }))
    .sort(
      (x, y) => x.b.estimatedInstances - y.b.estimatedInstances || x.b.estimatedTpotMs - y.b.estimatedTpotMs,
    );
  const outcomes: CandidateOutcome[] = [];
  let best: Recommendation | undefined;
  let budgetExhausted = false;
  for (const { c, b } of ordered) {
    if (sim.simulations >= config.maxSimulations) {
      budgetExhausted = true;
      outcomes.push({
        candidate: c,
        label: candidateLabel(c),
        outcome: 'unsearched',
        note: 'the simulation budget ran out',
      });
      continue;
    }
    const o = searchCandidate(sim, config, c, b, best);
    outcomes.push(o);
    if (o.outcome === 'met' && o.size && o.point) {
      const total = instancesOf(config, c, o.size);
      best = { candidate: c, label: o.label, size: o.size, total, point: o.point, searchSize: o.size };
    }
  }
  const none = { config, candidates: outcomes, curve: [], check: undefined, budgetExhausted };
  if (!best) return { ...none, recommendation: undefined, simulations: sim.simulations };
  const { recommendation, check } = checkRecommendation(sim, config, best);
  const curve = curveOf(sim, config, recommendation);
  return { ...none, recommendation, curve, check, simulations: sim.simulations };
}
