/**
 * The metrics a validation compares, computed by one function from per-request timings, so the
 * simulated and the measured side share every definition (times in ms from a common origin):
 *
 * - throughput: output tokens (and requests) over first arrival → last token seen by the client;
 * - TTFT: first token seen − request sent; TPOT: (last − first token) / (tokens − 1), per request;
 * - end-to-end: last token seen − request sent;
 * - acceptance: accepted drafts that reached the output over drafts of the tasks never preempted.
 *
 * Percentiles are nearest-rank on the sorted values (the simulator's `summarize`).
 */
import { type RequestTimes, requestTotals, summarize } from '@specmesh/sim';

/** One finished request as the client saw it. */
export interface ValidateRecord extends RequestTimes {
  readonly id: number;
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

export function metricsOf(records: readonly ValidateRecord[]): ValidateMetrics {
  const t = requestTotals(records);
  const spanS = t.spanMs / 1000;
  const ttft = summarize(t.ttft);
  return {
    requests: t.requests,
    tokens: t.tokens,
    throughputTokPerSec: spanS > 0 ? t.tokens / spanS : 0,
    requestsPerSec: spanS > 0 ? t.requests / spanS : 0,
    ttftMeanMs: ttft.mean,
    ttftP50Ms: ttft.p50,
    ttftP95Ms: ttft.p95,
    tpotMeanMs: summarize(t.tpot).mean,
    e2eMeanMs: summarize(t.e2e).mean,
    acceptance: t.verifiedDrafts > 0 ? t.acceptedDrafts / t.verifiedDrafts : 0,
  };
}

/** Relative error of the simulated figure against the measured one: (sim − real) / real. */
export function relativeError(sim: number, real: number): number {
  if (real === 0) return sim === 0 ? 0 : Number.POSITIVE_INFINITY;
  return (sim - real) / real;
}
