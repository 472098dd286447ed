/**
 * Metrics of one simulated run, computed from the finished requests and the targets' counters:
 * throughput, TTFT, TPOT and end-to-end latency percentiles, acceptance, target utilisation, queue
 * depths and the target work wasted on preempted jobs.
 */
import type { RequestTally } from './request-totals.js';
import type { TargetServer } from './target-server.js';

export interface LatencySummary {
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export interface SimReport {
  readonly scenario: string;
  /** Requests that arrived, and that completed. Equal at the end of a finished run. */
  readonly arrived: number;
  readonly completed: number;
  /** Jobs still queued anywhere when the run ended (0 unless work was lost). */
  readonly jobsLeft: number;
  readonly tokens: number;
  /** First arrival to last token, ms. */
  readonly makespanMs: number;
  /** Output tokens per second of virtual time. */
  readonly throughputTokPerSec: number;
  readonly requestsPerSec: number;
  readonly ttftMs: LatencySummary;
  /** Per request: (last token - first token) / (tokens - 1). */
  readonly tpotMs: LatencySummary;
  readonly e2eMs: LatencySummary;
  /** Accepted drafts over verified drafts. */
  readonly acceptance: number;
  /** Output tokens per verification task. */
  readonly tokensPerTask: number;
  /** Busy slot-time over available slot-time, mean and max over targets. */
  readonly targetUtilisation: { readonly mean: number; readonly max: number };
  /** Jobs waiting at a target: time average (per target, mean over targets) and the largest seen. */
  readonly queueDepth: { readonly mean: number; readonly max: number };
  readonly prefills: number;
  readonly batches: number;
  readonly meanBatchJobs: number;
  /** Target time spent serving batches (passes), ms, summed over targets. */
  readonly targetBusyMs: number;
  /** Target time spent on cancelled (preempted) jobs, ms, and its share of all busy time. */
  readonly wastedTargetMs: number;
  readonly wastedShare: number;
  readonly cancelledJobs: number;
  /** Simulation events processed. */
  readonly events: number;
}

/** Percentiles of `xs` (nearest rank on the sorted values). */
export function summarize(xs: ArrayLike<number>): LatencySummary {
  if (xs.length === 0) return { mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 };
  const s = Float64Array.from(xs).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  let sum = 0;
  for (const x of s) sum += x;
  return {
    mean: sum / s.length,
    p50: at(0.5),
    p90: at(0.9),
    p95: at(0.95),
    p99: at(0.99),
    max: s[s.length - 1]!,
  };
}

export interface ReportInput {
  readonly scenario: string;
  readonly arrived: number;
  /** The finished requests, taken as they finished. */
  readonly requests: RequestTally;
  /** Verification tasks of the finished requests. */
  readonly tasks: number;
  readonly targets: readonly TargetServer[];
  readonly targetSlots: number;
  readonly jobsLeft: number;
  readonly events: number;
  readonly endMs: number;
}

export function buildReport(i: ReportInput): SimReport {
  const totals = i.requests.totals();
  const { tokens, spanMs: span } = totals;
  const { tasks } = i;
  let busy = 0;
  let wasted = 0;
  let maxUtil = 0;
  let area = 0;
  let maxQueue = 0;
  let prefills = 0;
  let batches = 0;
  let jobs = 0;
  let cancelled = 0;
  for (const t of i.targets) {
    t.account();
    const s = t.stats;
    busy += s.busyMs;
    wasted += s.wastedMs;
    maxUtil = Math.max(maxUtil, span > 0 ? s.busyMs / (span * i.targetSlots) : 0);
    area += s.queueArea;
    maxQueue = Math.max(maxQueue, s.maxQueue);
    prefills += s.prefills;
    batches += s.batches;
    jobs += s.jobs + s.cancelledRunning;
    cancelled += s.cancelledQueued + s.cancelledRunning;
  }
  const n = i.targets.length;
  return {
    scenario: i.scenario,
    arrived: i.arrived,
    completed: totals.requests,
    jobsLeft: i.jobsLeft,
    tokens,
    makespanMs: span,
    throughputTokPerSec: span > 0 ? tokens / (span / 1000) : 0,
    requestsPerSec: span > 0 ? totals.requests / (span / 1000) : 0,
    ttftMs: summarize(totals.ttft),
    tpotMs: summarize(totals.tpot),
    e2eMs: summarize(totals.e2e),
    acceptance: totals.verifiedDrafts > 0 ? totals.acceptedDrafts / totals.verifiedDrafts : 0,
    tokensPerTask: tasks > 0 ? tokens / tasks : 0,
    targetUtilisation: { mean: span > 0 ? busy / (span * i.targetSlots * n) : 0, max: maxUtil },
    queueDepth: { mean: i.endMs > 0 ? area / i.endMs / n : 0, max: maxQueue },
    prefills,
    batches,
    meanBatchJobs: batches > 0 ? jobs / batches : 0,
    targetBusyMs: busy,
    wastedTargetMs: wasted,
    wastedShare: busy > 0 ? wasted / busy : 0,
    cancelledJobs: cancelled,
    events: i.events,
  };
}
