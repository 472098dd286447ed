/** Options of the batcher role, resolved and validated once. */
import { ConfigError } from '@specmesh/protocol';
import type { ActorOptions } from '@specmesh/runtime';

export interface BatcherOptions extends Omit<ActorOptions, 'role' | 'pool'> {
  /** Target pool this batcher serves. */
  pool: string;
  /** Longest time the first task of a batch waits for company, ms. Defaults to 0.3 (DSD). Node timers have ~1 ms resolution, so values below 1 act as "next timer tick". */
  windowMs?: number;
  /** Most tasks per batch; a full batch leaves at once. Defaults to 12 (DSD). */
  maxJobs?: number;
  /** Delivery attempts of a task before it fails, counting the first. Defaults to 3. */
  maxAttempts?: number;
  /** Deadline of one batch at a verifier, ms. Defaults to 10000. */
  batchTimeoutMs?: number;
  /** Tasks waiting at most; more are refused with `E_OVERLOADED`. Defaults to 4096. */
  maxPending?: number;
  /** How long a task may wait while no verifier of the pool is alive, ms. Defaults to 5000. */
  noVerifierTimeoutMs?: number;
  /** How much more loaded (in capacity units) a session's previous verifier may be and still get its next task. Defaults to 1. */
  stickySlack?: number;
}

export interface BatcherConfig {
  readonly windowMs: number;
  readonly maxJobs: number;
  readonly maxAttempts: number;
  readonly batchTimeoutMs: number;
  readonly maxPending: number;
  readonly noVerifierTimeoutMs: number;
  readonly stickySlack: number;
}

function check(name: string, value: number, ok: boolean): number {
  if (!ok || !Number.isFinite(value)) {
    throw new ConfigError(`batcher option ${name} is invalid: ${value}`, { context: { option: name } });
  }
  return value;
}

export function resolveBatcherOptions(o: BatcherOptions): BatcherConfig {
  const windowMs = o.windowMs ?? 0.3;
  const maxJobs = o.maxJobs ?? 12;
  const maxAttempts = o.maxAttempts ?? 3;
  const batchTimeoutMs = o.batchTimeoutMs ?? 10_000;
  const maxPending = o.maxPending ?? 4096;
  const noVerifierTimeoutMs = o.noVerifierTimeoutMs ?? 5000;
  const stickySlack = o.stickySlack ?? 1;
  return Object.freeze({
    windowMs: check('windowMs', windowMs, windowMs >= 0),
    maxJobs: check('maxJobs', maxJobs, Number.isInteger(maxJobs) && maxJobs >= 1 && maxJobs <= 64),
    maxAttempts: check('maxAttempts', maxAttempts, Number.isInteger(maxAttempts) && maxAttempts >= 1),
    batchTimeoutMs: check('batchTimeoutMs', batchTimeoutMs, batchTimeoutMs > 0),
    maxPending: check('maxPending', maxPending, Number.isInteger(maxPending) && maxPending >= 1),
    noVerifierTimeoutMs: check('noVerifierTimeoutMs', noVerifierTimeoutMs, noVerifierTimeoutMs > 0),
    stickySlack: check('stickySlack', stickySlack, stickySlack >= 0),
  });
}
