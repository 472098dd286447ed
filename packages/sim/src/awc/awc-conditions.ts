/**
 * Operating conditions of AWC's labelling and benchmark: a scenario with its network delays and its
 * load scaled. RTT scale multiplies every drafter's one-way delay (the DSD reference sweeps
 * 0.5 … 20 × its ~5 ms); load scale multiplies the users: drafters (each a closed-loop device) and
 * requests together, or the Poisson rate. `resizeScenario` shrinks a topology for labelling on a small
 * machine while keeping its drafters-per-target ratio.
 *
 * @example
 *   conditionScenario(dsd, { rttScale: 5, loadScale: 1.3 }) // one-way 25–57.5 ms, 104 drafters, 520 requests
 */
import { ConfigError } from '@specmesh/protocol';
import type { Scenario } from '../scenario-schema.js';

export interface AwcCondition {
  /** Multiplies every drafter's one-way delay. */
  readonly rttScale: number;
  /** Multiplies the offered load (users, requests, or the arrival rate). */
  readonly loadScale: number;
}

/** The DSD reference's labelling sweep (dsd.json: RTT × {0.5 … 20} of ~5 ms, load × {0.6, 1, 1.3}). */
export const AWC_TRAINING_RTT_SCALES: readonly number[] = [0.5, 1, 2, 5, 10, 20];
export const AWC_TRAINING_LOAD_SCALES: readonly number[] = [0.6, 1, 1.3];
/** Conditions the benchmark holds out: none of these is in the training sweep. */
export const AWC_HELD_OUT_RTT_SCALES: readonly number[] = [0.75, 3, 15];
export const AWC_HELD_OUT_LOAD_SCALES: readonly number[] = [0.8, 1.15];

/** Every (rtt, load) pair of two axes, RTT major. */
export function conditionGrid(rtt: readonly number[], load: readonly number[]): AwcCondition[] {
  return rtt.flatMap((rttScale) => load.map((loadScale) => ({ rttScale, loadScale })));
}

const scaled = (n: number, f: number) => Math.max(1, Math.round(n * f));

function checkScale(name: string, v: number) {
  if (!(v > 0 && Number.isFinite(v)))
    throw new ConfigError(`${name} must be a positive number, got ${v}`, { context: { field: name } });
}

export function conditionScenario(s: Scenario, c: AwcCondition): Scenario {
  checkScale('rttScale', c.rttScale);
  checkScale('loadScale', c.loadScale);
  const a = s.workload.arrival;
  const arrival =
    a.process === 'poisson'
      ? { ...a, ratePerSec: a.ratePerSec * c.loadScale }
      : a.process === 'closed-loop' && a.clients !== undefined
        ? { ...a, clients: scaled(a.clients, c.loadScale) }
        : a;
  const users = a.process === 'closed-loop' && a.clients === undefined ? c.loadScale : 1;
  return {
    ...s,
    name: `${s.name} rtt×${c.rttScale} load×${c.loadScale}`,
    drafters: s.drafters.map((g) => ({
      ...g,
      count: scaled(g.count, users),
      oneWayMs: Array.isArray(g.oneWayMs)
        ? [g.oneWayMs[0] * c.rttScale, g.oneWayMs[1] * c.rttScale]
        : g.oneWayMs * c.rttScale,
    })),
    workload: { ...s.workload, arrival, requests: scaled(s.workload.requests, c.loadScale) },
  };
}

/** The scenario with `fraction` of its drafters, targets and requests (at least one of each). */
export function resizeScenario(s: Scenario, fraction: number): Scenario {
  checkScale('size', fraction);
  if (fraction === 1) return s;
  const a = s.workload.arrival;
  return {
    ...s,
    drafters: s.drafters.map((g) => ({ ...g, count: scaled(g.count, fraction) })),
    targets: { ...s.targets, count: scaled(s.targets.count, fraction) },
    workload: {
      ...s.workload,
      requests: scaled(s.workload.requests, fraction),
      arrival:
        a.process === 'poisson'
          ? { ...a, ratePerSec: a.ratePerSec * fraction }
          : a.process === 'closed-loop' && a.clients !== undefined
            ? { ...a, clients: scaled(a.clients, fraction) }
            : a,
    },
  };
}

/**
 * The scenario with per-round fused mode on (SI) and windows up to `maxK`, under `policy`: the setting
 * in which AWC and the baselines are compared. Fused drafting takes target time
 * (`targets.fusedDraftCost: target`: DSD's fused mode drafts on the server, beside the target model on
 * its accelerator) unless the scenario names a cost itself (`free` reproduces the first AWC figures).
 */
export function adaptiveScenario(
  s: Scenario,
  policy: Scenario['speculation']['window']['policy'],
  k: number,
  maxK = 8,
): Scenario {
  return {
    ...s,
    targets: { ...s.targets, fusedDraftCost: s.targets.fusedDraftCost ?? 'target' },
    speculation: {
      ...s.speculation,
      mode: 'si',
      execution: 'distributed',
      window: { policy, k, maxK: Math.max(maxK, k), fusedRounds: true },
    },
  };
}

/**
 * The scenario with batching targets (core's roofline, `targets.batchCost`): a pass costs the
 * scenario's decode step for one position, `perPositionMs` more per further position below
 * `kneePositions`, in proportion past it, the model the emulated batching target and the `auto` mode
 * use. Past the knee every draft position costs a token's compute: what "a busy cloud" means on an
 * accelerator, and where plain steps (AWC's window 0) win.
 */
export function withBatchingTargets(s: Scenario, kneePositions: number, perPositionMs: number): Scenario {
  if (!(Number.isInteger(kneePositions) && kneePositions >= 1))
    throw new ConfigError(`kneePositions must be an integer >= 1, got ${kneePositions}`, {
      context: { field: 'kneePositions' },
    });
  checkScale('perPositionMs', perPositionMs);
  const { batching: _, ...targets } = s.targets;
  return {
    ...s,
    name: `${s.name} batching knee ${kneePositions}`,
    targets: {
      ...targets,
      slots: 1,
      batchCost: { baseMs: s.targets.latency.tpotMs, perPositionMs, kneePositions },
    },
  };
}
