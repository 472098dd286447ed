/**
 * How long a session waits for a verification before it re-issues the task: TCP's retransmission
 * timeout (RFC 6298) over the round trips the session measures. A lost task (its batcher or verifier
 * died) then costs a few round trips, not a fixed worst case, while a slow model or a loaded pool
 * raises the timeout with it instead of drawing spurious re-issues.
 *
 * `timeout = srtt + 4 · rttvar`, clamped to `[minMs, maxMs]`. Before the session's first sample the
 * estimate is seeded from the cluster's own figures (the host's measured round trip to the pool plus
 * the pool's step time, {@link VerifyTimeout.seed}), so a new session whose first task is lost (a hung
 * verifier, a restarting batcher) waits a few round trips, not the ceiling; with no figure at all it
 * is `maxMs`. Each timeout doubles the value until the next sample (RFC 6298 §5.5), so a seed that
 * was too low (a long prompt's prefill) costs a re-issue or two, not a storm of them.
 *
 * @example
 *   const t = new VerifyTimeout({ minMs: 500, maxMs: 10_000 });
 *   t.observe(40); t.observe(60);
 *   t.current(); // → 500 (the floor: 4 · rttvar is still small)
 */
export interface VerifyTimeoutOptions {
  /** Floor, ms: below it scheduling noise alone would draw re-issues. */
  readonly minMs: number;
  /** Ceiling and initial value, ms (the configured verify timeout). */
  readonly maxMs: number;
}

export class VerifyTimeout {
  private srtt = 0;
  private rttvar = 0;
  private samples = 0;
  /** A first round trip expected from the cluster's figures, ms (used until the first sample). */
  private seededMs: number | undefined;
  /** Timeouts since the last sample: each doubles the value (exponential back-off). */
  private backoffs = 0;
  /** When the value last doubled, and the value it doubled from. */
  private lastBackoff: { at: number; fromMs: number } | undefined;

  constructor(private readonly o: VerifyTimeoutOptions) {}

  /**
   * Seeds the estimate with the round trip the cluster's figures predict for the first task, ms: it
   * stands as a first sample (`srtt = expected`, `rttvar = expected / 2`, so the timeout is three times
   * it, at least `minMs`) until the session measures one of its own. Ignored once a sample exists.
   */
  seed(expectedMs: number | undefined): void {
    if (this.samples > 0 || expectedMs === undefined || !(expectedMs >= 0)) return;
    this.seededMs = expectedMs;
  }

  /**
   * A task timed out at `now` (ms, any monotonic clock): the next timeouts are doubled until a result
   * is measured. Tasks that time out together (a DSI session's tasks on one lost batch) are one loss:
   * a timeout within the previous value of the last doubling doubles nothing more.
   */
  backOff(now: number): void {
    if (this.lastBackoff && now - this.lastBackoff.at < this.lastBackoff.fromMs) return;
    this.lastBackoff = { at: now, fromMs: this.current() };
    this.backoffs = Math.min(this.backoffs + 1, 16);
  }

  /** Records one measured round trip (task sent → result received), ms. */
  observe(rttMs: number): void {
    if (!(rttMs >= 0)) return;
    this.backoffs = 0;
    this.lastBackoff = undefined;
    if (this.samples++ === 0) {
      this.srtt = rttMs;
      this.rttvar = rttMs / 2;
    } else {
      // RFC 6298's gains: β = 1/4 for the deviation, α = 1/8 for the mean.
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rttMs);
      this.srtt = 0.875 * this.srtt + 0.125 * rttMs;
    }
  }

  /** The timeout for the next task, ms. */
  current(): number {
    let base: number;
    if (this.samples > 0) base = this.srtt + 4 * this.rttvar;
    else if (this.seededMs !== undefined) base = this.seededMs * 3;
    else return this.o.maxMs;
    return Math.min(this.o.maxMs, Math.max(this.o.minMs, base) * 2 ** this.backoffs);
  }

  /**
   * How long a round trip is expected to take, ms: the smoothed one, else the seed, at least the
   * floor; what a task still awaited after it is overdue by.
   */
  expectedMs(): number {
    const expected = this.samples > 0 ? this.srtt + 2 * this.rttvar : (this.seededMs ?? this.o.maxMs);
    return Math.min(this.o.maxMs, Math.max(this.o.minMs / 5, expected));
  }

  /** Smoothed round trip, ms (0 before the first sample). */
  get smoothedMs(): number {
    return this.srtt;
  }
}
