/** The summary table `specmesh sim dsd` prints at the end of a run. */
import type { LatencySummary, SimReport } from '@specmesh/sim';

const ms = (x: number) => x.toFixed(1).padStart(9);
const row = (name: string, l: LatencySummary) =>
  `  ${name.padEnd(12)}${ms(l.mean)}${ms(l.p50)}${ms(l.p90)}${ms(l.p99)}${ms(l.max)}`;

export function formatSimReport(r: SimReport, wallMs: number): string {
  return [
    `scenario ${r.scenario}: ${r.completed}/${r.arrived} requests, ${r.tokens} tokens in ${(r.makespanMs / 1000).toFixed(1)} s of virtual time`,
    `  throughput      ${r.throughputTokPerSec.toFixed(1)} tok/s, ${r.requestsPerSec.toFixed(2)} req/s`,
    '  latency, ms      mean      p50      p90      p99      max',
    row('TTFT', r.ttftMs),
    row('TPOT', r.tpotMs),
    row('end-to-end', r.e2eMs),
    `  acceptance      ${(r.acceptance * 100).toFixed(1)}% of verified drafts; ${r.tokensPerTask.toFixed(2)} tokens per verification`,
    `  targets         utilisation mean ${(r.targetUtilisation.mean * 100).toFixed(1)}%, max ${(r.targetUtilisation.max * 100).toFixed(1)}%; queue depth mean ${r.queueDepth.mean.toFixed(2)}, max ${r.queueDepth.max}`,
    `  batches         ${r.batches} (${r.meanBatchJobs.toFixed(2)} jobs each), ${r.prefills} prefills`,
    `  preempted work  ${r.cancelledJobs} jobs cancelled, ${r.wastedTargetMs.toFixed(1)} target-ms wasted (${(r.wastedShare * 100).toFixed(1)}% of busy time)`,
    `  engine          ${r.events} events in ${(wallMs / 1000).toFixed(2)} s wall (${Math.round(r.events / Math.max(wallMs / 1000, 1e-6))} events/s)`,
  ].join('\n');
}
