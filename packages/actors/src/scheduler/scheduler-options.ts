/** Options of the scheduler role, resolved and validated once. */
import type { AwcWeights } from '@specmesh/core';
import { ConfigError } from '@specmesh/protocol';
import type { ActorOptions } from '@specmesh/runtime';
import type { PlacementConfig } from '../placement/placement.js';

export interface SchedulerOptions extends Omit<ActorOptions, 'role'> {
  /** Requests that may wait for a free drafter; beyond this `submit` fails with `E_OVERLOADED`. Defaults to 256. */
  maxQueue?: number;
  /** Longest wait for a free drafter before `E_DEADLINE` (the request's own deadline may be sooner), ms. Defaults to 30000. */
  admissionTimeoutMs?: number;
  /**
   * Deadline of the `session.start` request to a drafter, ms: a live drafter answers at once, so this
   * bounds what a hung one costs a request. Once hosts have answered, a start waits four times their
   * slowest recent answer (at least 500 ms) within it. Defaults to 2000.
   */
  startTimeoutMs?: number;
  /** Drafters tried for one request before it fails. Defaults to 3. */
  maxStartAttempts?: number;
  /**
   * How long a request waits for a usable target pool (a live verifier with a batcher, or one taking
   * direct tasks) before it fails with `E_NO_CAPACITY`, ms: covers start-up and a pool's brief
   * absence, such as every verifier restarting at once on a loaded machine (a process start there takes
   * seconds). Defaults to 10000.
   */
  noCapacityTimeoutMs?: number;
  /**
   * While no drafter is alive, place sessions on the pool's verifiers, which decode them target-only
   * and hand them back when a drafter returns. Off: requests wait for a drafter. Defaults to true.
   */
  targetOnlyFallback?: boolean;
  /**
   * Where sessions run: `edge` (drafters), `fused` (verifiers that hold a draft model, when there
   * is one), or `adaptive` (by the drafter's measured round trip and the pool's load; see
   * placement.ts). Defaults to `adaptive`, which is `edge` while no verifier holds a draft model.
   */
  placement?: PlacementConfig['policy'];
  /** Edge round trip from which `adaptive` prefers fused, ms. Defaults to 8. */
  fusedRttMs?: number;
  /** Pool load (work over capacity) from which `adaptive` counts the cloud busy. Defaults to 0.75. */
  busyLoad?: number;
  /**
   * WC-DNN weights by which `adaptive` placement takes AWC's first decision for requests that ask
   * for the `awc` window policy. Defaults to the weights shipped with @specmesh/core.
   */
  awcWeights?: AwcWeights;
}

export interface SchedulerConfig {
  readonly maxQueue: number;
  readonly admissionTimeoutMs: number;
  readonly startTimeoutMs: number;
  readonly maxStartAttempts: number;
  readonly noCapacityTimeoutMs: number;
  readonly targetOnlyFallback: boolean;
  readonly placement: PlacementConfig;
  readonly awcWeights?: AwcWeights;
}

export function resolveSchedulerOptions(o: SchedulerOptions): SchedulerConfig {
  const c = {
    maxQueue: o.maxQueue ?? 256,
    admissionTimeoutMs: o.admissionTimeoutMs ?? 30_000,
    startTimeoutMs: o.startTimeoutMs ?? 2000,
    maxStartAttempts: o.maxStartAttempts ?? 3,
    noCapacityTimeoutMs: o.noCapacityTimeoutMs ?? 10_000,
  };
  for (const [name, v] of Object.entries(c)) {
    const ok = name === 'maxQueue' ? Number.isInteger(v) && v >= 0 : Number.isInteger(v) && v >= 1;
    if (!ok)
      throw new ConfigError(`scheduler option ${name} is invalid: ${v}`, { context: { option: name } });
  }
  const placement: PlacementConfig = {
    policy: o.placement ?? 'adaptive',
    fusedRttMs: o.fusedRttMs ?? 8,
    busyLoad: o.busyLoad ?? 0.75,
  };
  if (!['adaptive', 'edge', 'fused'].includes(placement.policy)) {
    throw new ConfigError(`scheduler placement must be adaptive, edge or fused, got ${placement.policy}`, {
      context: { option: 'placement' },
    });
  }
  for (const [name, v] of [
    ['fusedRttMs', placement.fusedRttMs],
    ['busyLoad', placement.busyLoad],
  ] as const) {
    if (!(Number.isFinite(v) && v >= 0))
      throw new ConfigError(`scheduler option ${name} is invalid: ${v}`, { context: { option: name } });
  }
  return Object.freeze({
    ...c,
    targetOnlyFallback: o.targetOnlyFallback ?? true,
    placement,
    ...(o.awcWeights ? { awcWeights: o.awcWeights } : {}),
  });
}
