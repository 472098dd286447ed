/**
 * The metrics a validation compares, computed by one function from per-request timings, so the
 * simulated and the measured side share every definition (times in ms from a common origin):
 *
 * - throughput: output tokens (and requests) over first arrival → last token seen by the client;
 * - TTFT: first token seen − request sent; TPOT: (last − first token) / (tokens − 1), per request;
 * - end-to-end: last token seen − request sent;
 * - acceptance: accepted drafts that reached the output over drafts of the tasks never preempted.
 *
 * Percentiles are nearest-rank on the sorted values.
 */

/** One finished request as the client saw it. */
export interface ValidateRecord {
  readonly id: number;
  readonly arrivedAt: number;
  readonly firstTokenAt: number;
  readonly lastTokenAt: number;
  readonly tokens: number;
  readonly acceptedDrafts: number;
  readonly verifiedDrafts: number;
  /** Output token ids, where the side produces real tokens. */
  readonly output?: readonly number[];
}

export interface ValidateMetrics {
  readonly requests: number;
  readonly tokens: number;
  readonly throughputTokPerSec: number;
  readonly requestsPerSec: number;
  readonly ttftMeanMs: number;
  readonly ttftP50Ms: number;
  readonly ttftP95Ms: number;
  readonly tpotMeanMs: number;
  readonly e2eMeanMs: number;
  readonly acceptance: number;
}

/** The compared metrics, in report order, with their labels and units. */
export const METRICS: ReadonlyArray<{ key: keyof ValidateMetrics; label: string; unit: string }> = [
  { key: 'throughputTokPerSec', label: 'throughput', unit: 'tok/s' },
  { key: 'requestsPerSec', label: 'throughput', unit: 'req/s' },
  { key: 'ttftMeanMs', label: 'TTFT mean', unit: 'ms' },
  { key: 'ttftP50Ms', label: 'TTFT p50', unit: 'ms' },
  { key: 'ttftP95Ms', label: 'TTFT p95', unit: 'ms' },
  { key: 'tpotMeanMs', label: 'TPOT mean', unit: 'ms' },
  { key: 'e2eMeanMs', label: 'end-to-end mean', unit: 'ms' },
  { key: 'acceptance', label: 'acceptance', unit: '' },
];

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length);

export function metricsOf(records: readonly ValidateRecord[]): ValidateMetrics {
  let tokens = 0;
  let accepted = 0;
  let verified = 0;
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  const ttft: number[] = [];
  const tpot: number[] = [];
  const e2e: number[] = [];
  for (const r of records) {
    tokens += r.tokens;
    accepted += r.acceptedDrafts;
    verified += r.verifiedDrafts;
    start = Math.min(start, r.arrivedAt);
    end = Math.max(end, r.lastTokenAt);
    ttft.push(r.firstTokenAt - r.arrivedAt);
    e2e.push(r.lastTokenAt - r.arrivedAt);
    if (r.tokens > 1) tpot.push((r.lastTokenAt - r.firstTokenAt) / (r.tokens - 1));
  }
  const spanS = records.length > 0 ? (end - start) / 1000 : 0;
  const sorted = [...ttft].sort((a, b) => a - b);
  return {
    requests: records.length,
    tokens,
    throughputTokPerSec: spanS > 0 ? tokens / spanS : 0,
    requestsPerSec: spanS > 0 ? records.length / spanS : 0,
    ttftMeanMs: mean(ttft),
    ttftP50Ms: percentile(sorted, 0.5),
    ttftP95Ms: percentile(sorted, 0.95),
    tpotMeanMs: mean(tpot),
    e2eMeanMs: mean(e2e),
    acceptance: verified > 0 ? accepted / verified : 0,
  };
}

/** Relative error of the simulated figure against the measured one: (sim − real) / real. */
export function relativeError(sim: number, real: number): number {
  if (real === 0) return sim === 0 ? 0 : Number.POSITIVE_INFINITY;
  return (sim - real) / real;
}
