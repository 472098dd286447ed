/**
 * How long a session waits for a verification before it re-issues the task: TCP's retransmission
 * timeout (RFC 6298) over the round trips the session measures. A lost task (its batcher or verifier
 * died) then costs a few round trips, not a fixed worst case, while a slow model or a loaded pool
 * raises the timeout with it instead of drawing spurious re-issues.
 *
 * `timeout = srtt + 4 · rttvar`, clamped to `[minMs, maxMs]`; `maxMs` until the first sample.
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

  constructor(private readonly o: VerifyTimeoutOptions) {}

  /** Records one measured round trip (task sent → result received), ms. */
  observe(rttMs: number): void {
    if (!(rttMs >= 0)) return;
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
    if (this.samples === 0) return this.o.maxMs;
    return Math.min(this.o.maxMs, Math.max(this.o.minMs, this.srtt + 4 * this.rttvar));
  }

  /** Smoothed round trip, ms (0 before the first sample). */
  get smoothedMs(): number {
    return this.srtt;
  }
}
