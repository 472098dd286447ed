/**
 * What `specmesh trace <requestId>` does when it runs; the command and its flags are described in
 * commands/trace.ts.
 */ import type { RequestTimeline } from '@specmesh/gateway';
import { ConnectionError, MissingError, type TraceSpan } from '@specmesh/protocol';
import type { ArgumentsCamelCase } from 'yargs';
import { Colour, colourEnabled, painter } from '../colour.js';
import type { TraceArgs } from '../commands/trace.js';
import { createOutput } from '../output.js';

const MARK: Record<string, string> = {
  draft: '=',
  accepted: '#',
  rejected: 'x',
  preempted: '-',
  failed: '!',
  timeout: '!',
};
const COLOUR: Record<string, number> = {
  draft: Colour.blue,
  accepted: Colour.green,
  rejected: Colour.yellow,
  preempted: Colour.red,
  failed: Colour.magenta,
  timeout: Colour.magenta,
};

const outcomeOf = (s: TraceSpan) => (s.kind === 'draft' ? 'draft' : (s.outcome ?? 'preempted'));
const laneOf = (s: TraceSpan, t: RequestTimeline) =>
  s.kind === 'draft'
    ? `draft ${t.trace?.drafterId}`
    : `verify ${s.verifierId ?? `${t.pool ?? 'pool'} (no verdict)`}`;

/**
 * Renders a timeline as text: a summary, lanes `width` characters wide over the session's duration,
 * and one line per span. `colour` wraps marks in ANSI colours.
 */
export function renderTimeline(t: RequestTimeline, width: number, colour: boolean): string {
  const ansi = painter(colour);
  const paint = (key: string, s: string) => ansi(COLOUR[key] ?? 0, s);
  const out: string[] = [];
  const spans = t.trace?.spans ?? [];
  let drafted = 0;
  let accepted = 0;
  for (const s of spans) {
    if (s.kind === 'verify' && s.accepted !== undefined) {
      drafted += s.n;
      accepted += s.accepted;
    }
  }
  out.push(
    `request ${t.requestId}  mode ${t.mode}  k ${t.k}  drafter ${t.drafterId ?? '-'}  status ${t.status}`,
    `tokens ${t.completionTokens} (${t.draftedTokens} from drafts)  TTFT ${t.ttftMs?.toFixed(1) ?? '-'} ms  total ${t.durationMs.toFixed(1)} ms  acceptance ${drafted > 0 ? `${accepted}/${drafted} = ${(accepted / drafted).toFixed(3)}` : '-'}`,
  );
  if (!t.trace) {
    out.push('no speculation timeline: the request ended before its drafter finished');
    return `${out.join('\n')}\n`;
  }
  if (t.trace.dropped > 0) out.push(`(${t.trace.dropped} spans past the trace limit were not recorded)`);
  const span = Math.max(1e-6, ...spans.map((s) => s.end));
  const lanes = new Map<string, string[]>();
  for (const s of spans) {
    const lane = laneOf(s, t);
    const cells = lanes.get(lane) ?? Array.from({ length: width }, () => ' ');
    lanes.set(lane, cells);
    const from = Math.min(width - 1, Math.floor((s.start / span) * width));
    const to = Math.min(width - 1, Math.max(from, Math.ceil((s.end / span) * width) - 1));
    for (let i = from; i <= to; i++) cells[i] = paint(outcomeOf(s), MARK[outcomeOf(s)] ?? '?');
  }
  const pad = Math.max(...[...lanes.keys()].map((l) => l.length));
  out.push('');
  for (const [lane, cells] of lanes) out.push(`${lane.padEnd(pad)} |${cells.join('')}|`);
  out.push(`${''.padEnd(pad)}  0 ms${`${span.toFixed(1)} ms`.padStart(width - 4)}`);
  out.push(
    `legend: ${Object.entries(MARK)
      .filter(([k]) => k !== 'timeout')
      .map(([k, m]) => `${paint(k, m)} ${k === 'failed' ? 'failed/timeout' : k}`)
      .join('  ')}`,
    '',
  );
  for (const s of spans) {
    const when = `${s.start.toFixed(2).padStart(9)} - ${s.end.toFixed(2).padStart(9)} ms`;
    const what =
      s.kind === 'draft'
        ? `draft   ${String(s.n).padStart(3)} tokens at ${s.pos}`
        : `verify  ${String(s.n).padStart(3)} drafts at ${s.pos} on ${s.verifierId ?? '-'}: ${paint(outcomeOf(s), outcomeOf(s))}${s.accepted === undefined ? '' : `, accepted ${s.accepted}`}`;
    out.push(`${when}  epoch ${s.epoch}  ${what}`);
  }
  return `${out.join('\n')}\n`;
}

export async function runTrace(args: ArgumentsCamelCase<TraceArgs>): Promise<void> {
  const url = `${args.gateway.replace(/\/+$/, '')}/specmesh/requests/${encodeURIComponent(args.requestId)}`;
  let res: Response;
  try {
    res = await fetch(url);
  } catch (cause) {
    throw new ConnectionError(`gateway ${args.gateway} unreachable`, { cause });
  }
  if (res.status === 404) {
    throw new MissingError(`gateway ${args.gateway} keeps no timeline for request ${args.requestId}`, {
      context: { requestId: args.requestId },
    });
  }
  if (!res.ok) throw new ConnectionError(`gateway ${args.gateway} answered HTTP ${res.status} for ${url}`);
  const t = (await res.json()) as RequestTimeline;
  createOutput(args.json).result(t, () =>
    renderTimeline(t, args.width, colourEnabled(process.stdout)).replace(/\n$/, ''),
  );
}
