/**
 * When a client sends its `submit` again, and when it gives up. Two ways an attempt fails without a
 * verdict, each with its own rule:
 *
 * - **unreachable** (no responders, the client's NATS connection down): no scheduler is there now. The
 *   attempt is repeated after a back-off that starts at `backoffMs` and doubles up to `maxBackoffMs`
 *   (with jitter, so many clients do not come back in step), for `unreachableWindowMs` from the first
 *   such failure: long enough to outlast a supervised restart (the supervisor backs off from 100 ms
 *   to 10 s for a process that keeps dying; systemd restarts after about 2 s; a process start on a
 *   machine at load 15 takes seconds: 10 s was seen to fall short there), short enough that a cluster
 *   that is gone is reported as such.
 * - **silent** (no reply within the attempt's timeout): the scheduler that took it died or is paused,
 *   or the request waits in its queue. The attempt is sent again at once (a scheduler answers a
 *   repeated request id as one request; the client cancels a second session another scheduler may
 *   start), and the next timeout is doubled, so a long queue wait costs a few repeats, not a storm.
 *   A first timeout of `attemptMs` lets a request leave a dead or paused scheduler quickly; the whole
 *   admission gives up after `silentWindowMs` in silence.
 *
 * Every wait is bounded by the request's deadline.
 *
 * @example
 *   const r = new SubmitRetry({ ...DEFAULT_SUBMIT_RETRY, deadlineAt: Date.now() + 60_000 });
 *   r.attemptTimeoutMs();       // → 1500
 *   r.afterFailure('silent');   // → 0 (send again now); the next attempt waits 3000
 *   r.afterFailure('unreachable'); // → about 100 (50..150), then 200, 400, … 1000
 */

export interface SubmitRetryOptions {
  /** Timeout of the first attempt, ms; each silent attempt doubles it. */
  readonly attemptMs: number;
  /** Longest one attempt may wait, ms. */
  readonly maxAttemptMs: number;
  /** Longest the admission may go unanswered in all (the scheduler's own queue wait included), ms. */
  readonly silentWindowMs: number;
  /** How long an unreachable scheduler is retried, from the first such failure, ms. */
  readonly unreachableWindowMs: number;
  /** First back-off after an unreachable attempt, ms. */
  readonly backoffMs: number;
  /** Largest back-off, ms. */
  readonly maxBackoffMs: number;
  /** The request's deadline (epoch ms): no attempt or back-off reaches past it. */
  readonly deadlineAt?: number;
}

/** The client's defaults (see {@link GenerateOptions}). */
export const DEFAULT_SUBMIT_RETRY: Omit<SubmitRetryOptions, 'deadlineAt'> = Object.freeze({
  attemptMs: 1500,
  maxAttemptMs: 30_000,
  silentWindowMs: 30_000,
  unreachableWindowMs: 30_000,
  backoffMs: 100,
  maxBackoffMs: 1000,
});

export type SubmitFailure = 'silent' | 'unreachable';

export class SubmitRetry {
  private readonly startedAt: number;
  private attemptMs: number;
  private backoffMs: number;
  private unreachableSince: number | undefined;

  constructor(
    private readonly o: SubmitRetryOptions,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    this.startedAt = now();
    this.attemptMs = Math.min(o.attemptMs, o.maxAttemptMs);
    this.backoffMs = o.backoffMs;
  }

  /** Timeout of the next attempt, ms: the current one, cut to what the window and the deadline leave. */
  attemptTimeoutMs(): number {
    const t = this.now();
    const left = Math.min(this.startedAt + this.o.silentWindowMs, this.o.deadlineAt ?? Infinity) - t;
    return Math.max(1, Math.min(this.attemptMs, left));
  }

  /**
   * An attempt failed without a verdict: the delay before the next one, ms, or undefined when the
   * window for that kind of failure (or the deadline) is spent and the request fails.
   */
  afterFailure(kind: SubmitFailure): number | undefined {
    const t = this.now();
    const deadline = this.o.deadlineAt ?? Infinity;
    if (kind === 'silent') {
      this.unreachableSince = undefined;
      this.backoffMs = this.o.backoffMs;
      this.attemptMs = Math.min(this.attemptMs * 2, this.o.maxAttemptMs);
      return t < Math.min(this.startedAt + this.o.silentWindowMs, deadline) ? 0 : undefined;
    }
    this.unreachableSince ??= t;
    const delay = this.backoffMs * (0.5 + this.random());
    this.backoffMs = Math.min(this.backoffMs * 2, this.o.maxBackoffMs);
    const until = Math.min(this.unreachableSince + this.o.unreachableWindowMs, deadline);
    return t + delay < until ? delay : undefined;
  }
}
