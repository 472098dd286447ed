/**
 * The configurations the planner compares, and what arithmetic alone says about each: a lower bound
 * on the instances it needs (so the search can skip a configuration that cannot beat the best found),
 * a generous drafter count to search targets with, and an estimate of its cost to visit the cheapest
 * first.
 *
 * Configurations: `nonsi` (the target alone, beside the users' sessions in the cloud: execution
 * `fused`, no drafters); `si` fused (DSD's γ = 1: the drafter runs beside the target, no drafters to
 * buy); `si`, `dsi` and `ssd` (DSI with pre-drafters beside each drafter, which it buys too)
 * distributed with each window `k` (drafter instances one RTT from the targets).
 *
 * Bounds, per second of the workload (rate × mean output = tokens/s):
 *   tokens per verification = E[accepted drafts of k] + 1            (1 for nonsi)
 *   target-ms per verification ≥ (tpot + perJob·(maxJobs − 1)) / maxJobs + perToken·k   (a full batch)
 *   targets ≥ tokens/s ÷ tokens per verification × target-ms per verification ÷ 1000
 *   drafters ≥ tokens/s ÷ tokens per verification × k × drafter tpot ÷ slots ÷ 1000
 * each scaled by 0.8 to absorb the length distribution's clamping; prefill and DSI's wasted work only
 * add to the true need, so these stay lower bounds.
 */
import { createAcceptanceModel, expectedAccepted } from '../acceptance-model.js';
import type { PlanConfig, PlanExecution, PlanMode } from './plan-options.js';

export interface PlanCandidate {
  readonly mode: PlanMode;
  readonly execution: PlanExecution;
  /** Draft tokens per verification (1 for fused, where DSD drafts one per round; unused by nonsi). */
  readonly k: number;
}

/** What arithmetic says about a candidate. */
export interface CandidateBounds {
  readonly minDrafters: number;
  readonly minTargets: number;
  /** Drafters at 50% utilisation (plus one): enough that drafting is not what limits the search of targets. */
  readonly ampleDrafters: number;
  /** Instances at 70% utilisation, to order the search. */
  readonly estimatedInstances: number;
  /** Time per output token with no queueing, ms, to break ties in the order. */
  readonly estimatedTpotMs: number;
}

export function candidateLabel(c: PlanCandidate): string {
  return c.mode === 'nonsi'
    ? 'nonsi'
    : `${c.mode} ${c.execution}${c.execution === 'distributed' ? ` k=${c.k}` : ''}`;
}

/** Instances one drafter of a candidate stands for: itself, and its pre-drafters under `ssd`. */
export function instancesPerDrafter(config: Pick<PlanConfig, 'predrafters'>, c: PlanCandidate): number {
  return c.mode === 'ssd' ? 1 + config.predrafters : 1;
}

/** Instances a plan of this size buys. */
export function instancesOf(
  config: Pick<PlanConfig, 'predrafters'>,
  c: PlanCandidate,
  size: { readonly drafters: number; readonly targets: number },
): number {
  return size.targets + size.drafters * instancesPerDrafter(config, c);
}

/** Every candidate the options allow. */
export function planCandidates(config: PlanConfig): PlanCandidate[] {
  const out: PlanCandidate[] = [];
  const fused = config.executions.includes('fused');
  const distributed = config.executions.includes('distributed');
  if (config.modes.includes('nonsi') && fused) out.push({ mode: 'nonsi', execution: 'fused', k: 1 });
  if (config.modes.includes('si') && fused) out.push({ mode: 'si', execution: 'fused', k: 1 });
  for (const mode of ['si', 'dsi', 'ssd'] as const)
    if (config.modes.includes(mode) && distributed)
      for (const k of config.windows) out.push({ mode, execution: 'distributed', k });
  return out;
}

const SLACK = 0.8;

export function candidateBounds(config: PlanConfig, c: PlanCandidate): CandidateBounds {
  const t = config.target.latency;
  const { maxJobs } = config.target.batching;
  const d = config.drafter;
  const drafts = c.mode === 'nonsi' ? 0 : c.k;
  const perVerification =
    c.mode === 'nonsi' ? 1 : expectedAccepted(createAcceptanceModel(d.acceptance), c.k) + 1;
  const verificationsPerSec = (config.rps * config.outputTokens.mean) / perVerification;
  const targetMs = (t.tpotMs + (t.perJobMs ?? 0) * (maxJobs - 1)) / maxJobs + (t.perTokenMs ?? 0) * drafts;
  const targetLoad = (verificationsPerSec * targetMs) / 1000;
  const distributed = c.execution === 'distributed';
  const drafterLoad = distributed ? (verificationsPerSec * c.k * d.latency.tpotMs) / d.slots / 1000 : 0;
  const roundMs = distributed
    ? c.k * d.latency.tpotMs + config.rttMs + t.tpotMs + (t.perTokenMs ?? 0) * c.k
    : t.tpotMs + (c.mode === 'nonsi' ? 0 : d.fusedDraftMs + (t.perTokenMs ?? 0));
  return {
    minDrafters: distributed ? Math.max(1, Math.floor(SLACK * drafterLoad)) : 0,
    minTargets: Math.max(1, Math.floor(SLACK * targetLoad)),
    ampleDrafters: distributed ? Math.ceil(drafterLoad / 0.5) + 1 : 0,
    estimatedInstances:
      Math.ceil(targetLoad / 0.7) +
      (distributed ? Math.ceil(drafterLoad / 0.7) * instancesPerDrafter(config, c) : 0),
    estimatedTpotMs: roundMs / perVerification,
  };
}
