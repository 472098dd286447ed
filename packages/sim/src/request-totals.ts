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
  /** Per request, ms. TPOT only for requests of more than one token. */
  readonly ttft: number[];
  readonly tpot: number[];
  readonly e2e: number[];
}

export function requestTotals(records: readonly RequestTimes[]): RequestTotals {
  let tokens = 0;
  let acceptedDrafts = 0;
  let verifiedDrafts = 0;
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  const ttft: number[] = [];
  const tpot: number[] = [];
  const e2e: number[] = [];
  for (const r of records) {
    tokens += r.tokens;
    acceptedDrafts += r.acceptedDrafts;
    verifiedDrafts += r.verifiedDrafts;
    start = Math.min(start, r.arrivedAt);
    end = Math.max(end, r.lastTokenAt);
    ttft.push(r.firstTokenAt - r.arrivedAt);
    e2e.push(r.lastTokenAt - r.arrivedAt);
    if (r.tokens > 1) tpot.push((r.lastTokenAt - r.firstTokenAt) / (r.tokens - 1));
  }
  const spanMs = records.length > 0 ? end - start : 0;
  return { requests: records.length, tokens, acceptedDrafts, verifiedDrafts, spanMs, ttft, tpot, e2e };
}
