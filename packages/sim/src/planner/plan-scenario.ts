/**
 * The simulator scenario of one planner question: this configuration, this many drafters and targets,
 * the workload arriving open-loop (Poisson) at the planned rate.
 *
 * Topology as in DSD: users sit with the drafters, one RTT (half each way, ±12% jitter as in the DSD
 * reference) from the targets. Distributed speculation drafts on the drafter instances; fused
 * execution and non-speculative decoding run the session beside the targets, so they buy no drafters
 * and the users' requests and tokens cross the link once. Targets batch as their profile says and are
 * routed like specmesh's batcher (sticky per session, a DSI task in parallel to an idle target).
 */
import type { Scenario } from '../scenario-schema.js';
import type { PlanCandidate } from './plan-candidates.js';
import type { PlanConfig } from './plan-options.js';

/** Drafter and target instances of one plan. */
export interface PlanSize {
  readonly drafters: number;
  readonly targets: number;
}

/** DSD's per-message jitter (shared/reference/dsd.json: uniform ±12%). */
const LINK_JITTER = 0.12;

export function planScenario(
  config: PlanConfig,
  c: PlanCandidate,
  size: PlanSize,
  seed: number,
  requests: number,
): Scenario {
  const distributed = c.execution === 'distributed';
  const d = config.drafter;
  return {
    name: `plan ${c.mode} ${c.execution} k=${c.k} ${size.drafters}d/${size.targets}t`,
    seed,
    drafters: [
      {
        name: distributed ? 'drafter' : 'client',
        // Without drafters the node is only the users' end of the link: its model is never used.
        count: distributed ? size.drafters : 1,
        oneWayMs: config.rttMs / 2,
        jitter: LINK_JITTER,
        latency: d.latency,
        slots: d.slots,
        execution: c.execution,
      },
    ],
    targets: {
      count: size.targets,
      slots: 1,
      latency: config.target.latency,
      batching: config.target.batching,
      fusedDraftMs: d.fusedDraftMs,
    },
    routing: { targets: 'batcher' },
    speculation: {
      mode: c.mode === 'ssd' ? 'dsi' : c.mode,
      execution: c.execution,
      window: { policy: 'static', k: c.k },
      acceptance: d.acceptance,
      ...(c.mode === 'ssd' ? { predraft: { drafters: config.predrafters, alternatives: 2 } } : {}),
    },
    workload: {
      requests,
      arrival: { process: 'poisson', ratePerSec: config.rps },
      promptTokens: config.promptTokens,
      outputTokens: config.outputTokens,
    },
  };
}
