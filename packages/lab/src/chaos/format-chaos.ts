/** The chaos summary as a terminal report and as the verdict the command exits with. */

import { percentile } from '../percentile.js';
import type { ChaosSummary } from './chaos-run.js';
import { type Stall, singleFaults } from './recovery-tracker.js';

/**
 * Faults grouped by `kind:role` (e.g. `kill:drafter`, `nats`), with recovery percentiles, ms: over
 * every fault, and over the single ones (see {@link singleFaults}), what one fault alone costs.
 */
export function recoveryByKind(s: ChaosSummary): Array<{
  kind: string;
  faults: number;
  p50: number;
  p90: number;
  max: number;
  unrecovered: number;
  /** Faults that met the cluster alone, and their recovery's p90 and max, ms. */
  single: number;
  singleP90: number;
  singleMax: number;
}> {
  const groups = new Map<string, { times: number[]; unrecovered: number; single: number[] }>();
  const single = new Set(singleFaults(s.faults));
  for (const f of s.faults) {
    const key = f.kind === 'nats' ? 'kill:nats-node' : `${f.kind}:${f.victim.replace(/-\d+$/, '')}`;
    const g = groups.get(key) ?? { times: [], unrecovered: 0, single: [] };
    if (f.recoveryMs === undefined) g.unrecovered++;
    else g.times.push(f.recoveryMs);
    if (single.has(f) && f.recoveryMs !== undefined) g.single.push(f.recoveryMs);
    groups.set(key, g);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, g]) => ({
      kind,
      faults: g.times.length + g.unrecovered,
      p50: percentile(g.times, 50),
      p90: percentile(g.times, 90),
      max: g.times.length ? Math.max(...g.times) : Number.NaN,
      unrecovered: g.unrecovered,
      single: g.single.length,
      singleP90: percentile(g.single, 90),
      singleMax: g.single.length ? Math.max(...g.single) : Number.NaN,
    }));
}

/** What went wrong, one line each; empty when the run passed. */
export function chaosViolations(s: ChaosSummary): string[] {
  const v: string[] = [];
  const failed = Object.values(s.failed).reduce((a, b) => a + b, 0);
  if (failed > 0) v.push(`${failed} request(s) failed: ${JSON.stringify(s.failed)}`);
  if (s.different > 0) {
    v.push(`${s.different} output(s) differ from the target's greedy output`);
    for (const d of s.differences)
      v.push(
        `  ${d.requestId} (${d.mode}): from token ${d.at} (${d.length} tokens, expected ${d.expectedLength}); moves: ${d.moves.join(', ') || 'none'}; spans there: ${d.spans.join(', ') || 'none'}`,
      );
  }
  if (s.brokenStreams > 0) v.push(`${s.brokenStreams} stream(s) skipped or repeated a token`);
  if (s.leftoverLoad > 0) v.push(`instances still report ${s.leftoverLoad} unit(s) of work in flight`);
  const { before, after, extra } = s.subscriptions;
  if (after > before)
    v.push(`subscriptions ${before} before, ${after} after (a leak); new: ${extra.slice(0, 10).join(', ')}`);
  else if (after < before)
    v.push(`subscriptions ${before} before, ${after} after: some instance did not come back`);
  const unrecovered = s.faults.filter((f) => f.recoveryMs === undefined).length;
  if (unrecovered > 0) v.push(`${unrecovered} fault(s) after which some request never progressed`);
  return v;
}

export function formatChaos(s: ChaosSummary): string {
  const ms = (x: number) => (Number.isNaN(x) ? '–' : x.toFixed(0));
  const lines = [
    `• ${s.requests} requests in ${s.seconds} s (seed ${s.seed}): ${s.identical} identical to the target's greedy output, ${s.different} different, ${Object.values(s.failed).reduce((a, b) => a + b, 0)} failed; ${s.brokenStreams} broken streams`,
    `• ${s.faults.length} faults, ${s.restarts} process restarts (${s.promotions} by a warm spare), ${s.moves} request moves; subscriptions ${s.subscriptions.before} → ${s.subscriptions.after}; load left ${s.leftoverLoad}`,
    `• longest stall: ${s.longestStall ? `${ms(s.longestStall.ms)} ms (${s.longestStall.requestId}${stallContext(s.longestStall)})` : '–'}`,
    '',
    '  fault                 count  recovery p50 ms  p90 ms  max ms  unrecovered   single  p90 ms  max ms',
  ];
  for (const r of recoveryByKind(s)) {
    lines.push(
      `  ${r.kind.padEnd(22)}${String(r.faults).padStart(5)}${ms(r.p50).padStart(17)}${ms(r.p90).padStart(8)}${ms(r.max).padStart(8)}${String(r.unrecovered).padStart(13)}${String(r.single).padStart(9)}${ms(r.singleP90).padStart(8)}${ms(r.singleMax).padStart(8)}`,
    );
  }
  const v = chaosViolations(s);
  lines.push('', v.length === 0 ? '• PASS: nothing lost, nothing changed' : `• FAIL:\n  ${v.join('\n  ')}`);
  return lines.join('\n');
}

/** What happened around a stall, times relative to its start: `; faults: pause drafter-1 -0.4 s; events: …`. */
function stallContext(stall: Stall): string {
  const at = (t: number) => `${t >= 0 ? '+' : ''}${(t / 1000).toFixed(1)} s`;
  const faults = stall.faults.map((f) => `${f.kind} ${f.victim} ${at(f.at)}`);
  const events = stall.events.map((m) => `${m.what} ${at(m.at)}`);
  return `${faults.length ? `; faults: ${faults.join(', ')}` : ''}${events.length ? `; events: ${events.join(', ')}` : ''}`;
}
