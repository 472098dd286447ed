/**
 * Per-request timings to the figures both the simulator's report and a real-cluster measurement use,
 * so the two share every definition (times in ms from a common origin):
 * TTFT = first token − arrival; TPOT = (last − first token) / (tokens − 1); end-to-end = last token −
 * arrival; span = first arrival → last token.
 */

/** What a finished request contributes. */
export interface RequestTimes {
  readonly arrivedAt: number;
  readonly firstTokenAt: number;
  readonly lastTokenAt: number;
  readonly tokens: number;
  readonly acceptedDrafts: number;
  readonly verifiedDrafts: number;
}

export interface RequestTotals {
  readonly requests: number;
  readonly tokens: number;
  readonly acceptedDrafts: number;
  readonly verifiedDrafts: number;
  /** First arrival to last token, ms (0 without requests). */
  readonly spanMs: number;
  /** Per request in the order added, ms. TPOT only for requests of more than one token. */
  readonly ttft: Float64Array;
  readonly tpot: Float64Array;
  readonly e2e: Float64Array;
}

/** A growable column of doubles: 8 bytes a value, no object per value. */
class DoubleColumn {
  private values = new Float64Array(1024);
  length = 0;

  push(x: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = x;
  }

  /** The values so far (a view, not a copy). */
  view(): Float64Array {
    return this.values.subarray(0, this.length);
  }
}

/**
 * The totals of requests taken one at a time as they finish, so a run of a million requests keeps
 * three doubles a request instead of every request's record.
 */
export class RequestTally {
  requests = 0;
  tokens = 0;
  acceptedDrafts = 0;
  verifiedDrafts = 0;
  private start = Number.POSITIVE_INFINITY;
  private end = Number.NEGATIVE_INFINITY;
  private readonly ttft = new DoubleColumn();
  private readonly tpot = new DoubleColumn();
  private readonly e2e = new DoubleColumn();

  add(r: RequestTimes): void {
    this.requests++;
    this.tokens += r.tokens;
    this.acceptedDrafts += r.acceptedDrafts;
    this.verifiedDrafts += r.verifiedDrafts;
    this.start = Math.min(this.start, r.arrivedAt);
    this.end = Math.max(this.end, r.lastTokenAt);
    this.ttft.push(r.firstTokenAt - r.arrivedAt);
    this.e2e.push(r.lastTokenAt - r.arrivedAt);
    if (r.tokens > 1) this.tpot.push((r.lastTokenAt - r.firstTokenAt) / (r.tokens - 1));
  }

  totals(): RequestTotals {
    return {
      requests: this.requests,
      tokens: this.tokens,
      acceptedDrafts: this.acceptedDrafts,
      verifiedDrafts: this.verifiedDrafts,
      spanMs: this.requests > 0 ? this.end - this.start : 0,
      ttft: this.ttft.view(),
      tpot: this.tpot.view(),
      e2e: this.e2e.view(),
    };
  }
}

export function requestTotals(records: readonly RequestTimes[]): RequestTotals {
  const tally = new RequestTally();
  for (const r of records) tally.add(r);
  return tally.totals();
}
