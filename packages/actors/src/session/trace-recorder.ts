/**
 * Records one session's speculation timeline: each draft call and each verification task (sent →
 * verdict, on which target, how many drafts kept, or preempted / failed / timed out).
 *
 * Why the timeline rides on the session's last token chunk instead of its own `trace.<requestId>`
 * subject: every consumer that wants it (the gateway's metrics, timeline endpoint and dashboard, and
 * `specmesh generate`) already subscribes to the token subject, which is ordered and per request; a
 * second subject would cost a subscription and a publish per round on the hot path and a second
 * ordering problem, for data nobody reads before the request ends. Recording is a few numbers per
 * round in memory, bounded by {@link MAX_TRACE_SPANS}, so it is always on: acceptance per
 * drafter-target pair at the gateway is computed from it.
 *
 * @example
 *   const rec = new TraceRecorder('d0');
 *   rec.taskSent('s:t0', 0, 12, 4);
 *   rec.taskVerified('s:t0', 'v1', 3); // → span outcome 'rejected', accepted 3 of 4
 *   rec.snapshot(); // { drafterId: 'd0', startedAt, spans: [...], dropped: 0 }
 */
import { performance } from 'node:perf_hooks';
import { MAX_TRACE_SPANS, type SpeculationTrace, type TraceSpan } from '@specmesh/protocol';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Outcome = NonNullable<TraceSpan['outcome']>;

export class TraceRecorder {
  private readonly drafterId: string;
  private readonly startedAt = Date.now();
  private readonly t0 = performance.now();
  private readonly spans: Mutable<TraceSpan>[] = [];
  private readonly open = new Map<string, Mutable<TraceSpan>>();
  private dropped = 0;

  constructor(drafterId: string) {
    this.drafterId = drafterId;
  }

  private now(): number {
    return Math.round((performance.now() - this.t0) * 1000) / 1000;
  }

  private add(span: Mutable<TraceSpan>): Mutable<TraceSpan> | undefined {
    if (this.spans.length >= MAX_TRACE_SPANS) {
      this.dropped++;
      return undefined;
    }
    this.spans.push(span);
    return span;
  }

  /** A draft call of `n` tokens at `pos` begins; call the returned function when it ends. */
  draftStarted(epoch: number, pos: number, n: number): () => void {
    const span = this.add({ kind: 'draft', start: this.now(), end: 0, epoch, pos, n });
    return () => {
      if (span) span.end = this.now();
    };
  }

  /** A verification task of `n` drafts after `pos` tokens was sent. */
  taskSent(taskId: string, epoch: number, pos: number, n: number): void {
    const t = this.now();
    const span = this.add({ kind: 'verify', start: t, end: t, epoch, pos, n, taskId });
    if (span) this.open.set(taskId, span);
  }

  /**
   * The task's verdict came back from `verifierId`: `accepted` of its drafts were kept; the verifier
   * spent `at.queueMs` waiting and `at.computeMs` on the step.
   */
  taskVerified(
    taskId: string,
    verifierId: string,
    accepted: number,
    at?: { readonly queueMs: number; readonly computeMs: number },
  ): void {
    const span = this.open.get(taskId);
    if (!span) return;
    this.open.delete(taskId);
    span.end = this.now();
    span.verifierId = verifierId;
    span.accepted = accepted;
    if (at) {
      span.queueMs = Math.round(at.queueMs * 1000) / 1000;
      span.computeMs = Math.round(at.computeMs * 1000) / 1000;
    }
    span.outcome = accepted >= span.n ? 'accepted' : 'rejected';
  }

  /** The task ended without a verdict. */
  taskEnded(taskId: string, outcome: Exclude<Outcome, 'accepted' | 'rejected'>): void {
    const span = this.open.get(taskId);
    if (!span) return;
    this.open.delete(taskId);
    span.end = this.now();
    span.outcome = outcome;
  }

  /** The timeline so far; tasks still open are reported as preempted (the session is ending). */
  snapshot(): SpeculationTrace {
    for (const id of [...this.open.keys()]) this.taskEnded(id, 'preempted');
    const end = this.now();
    for (const s of this.spans) if (s.kind === 'draft' && s.end === 0) s.end = end;
    return {
      drafterId: this.drafterId,
      startedAt: this.startedAt,
      spans: this.spans.map((s) => ({ ...s })),
      dropped: this.dropped,
    };
  }
}
