/** Options of the scheduler role, resolved and validated once. */
import { ConfigError } from '@specmesh/protocol';
import type { ActorOptions } from '@specmesh/runtime';

export interface SchedulerOptions extends Omit<ActorOptions, 'role'> {
  /** Requests that may wait for a free drafter; beyond this `submit` fails with `E_OVERLOADED`. Defaults to 256. */
  maxQueue?: number;
  /** Longest wait for a free drafter before `E_DEADLINE` (the request's own deadline may be sooner), ms. Defaults to 30000. */
  admissionTimeoutMs?: number;
  /**
   * Deadline of the `session.start` request to a drafter, ms: a live drafter answers at once, so this
   * bounds what a hung one costs a request. Defaults to 2000.
   */
  startTimeoutMs?: number;
  /** Drafters tried for one request before it fails. Defaults to 3. */
  maxStartAttempts?: number;
  /**
   * How long a request waits for a usable target pool (a live verifier with a batcher) before it fails
   * with `E_NO_CAPACITY`, ms: covers start-up and a pool's brief absence. Defaults to 3000.
   */
  noCapacityTimeoutMs?: number;
  /**
   * While no drafter is alive, place sessions on the pool's verifiers, which decode them target-only
   * and hand them back when a drafter returns. Off: requests wait for a drafter. Defaults to true.
   */
  targetOnlyFallback?: boolean;
}

export interface SchedulerConfig {
  readonly maxQueue: number;
  readonly admissionTimeoutMs: number;
  readonly startTimeoutMs: number;
  readonly maxStartAttempts: number;
  readonly noCapacityTimeoutMs: number;
  readonly targetOnlyFallback: boolean;
}

export function resolveSchedulerOptions(o: SchedulerOptions): SchedulerConfig {
  const c = {
    maxQueue: o.maxQueue ?? 256,
    admissionTimeoutMs: o.admissionTimeoutMs ?? 30_000,
    startTimeoutMs: o.startTimeoutMs ?? 2000,
    maxStartAttempts: o.maxStartAttempts ?? 3,
    noCapacityTimeoutMs: o.noCapacityTimeoutMs ?? 3000,
  };
  for (const [name, v] of Object.entries(c)) {
    const ok = name === 'maxQueue' ? Number.isInteger(v) && v >= 0 : Number.isInteger(v) && v >= 1;
    if (!ok)
      throw new ConfigError(`scheduler option ${name} is invalid: ${v}`, { context: { option: name } });
  }
  return Object.freeze({ ...c, targetOnlyFallback: o.targetOnlyFallback ?? true });
}
