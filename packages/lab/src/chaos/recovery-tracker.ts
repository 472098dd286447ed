/**
 * Recovery time of each injected fault: from the fault until every request that was in flight at
 * that moment (submitting or streaming) made progress again (a new chunk) or ended. A fault that hit
 * nothing a request depended on recovers at the next chunk of each; one that took a request's host
 * down recovers when the request has moved and streams again.
 *
 * It also keeps the longest stall any request saw: the longest time between two signs of progress of
 * one request (its start, each chunk, its end), whatever caused it.
 */

export interface FaultRecord {
  readonly kind: string;
  readonly victim: string;
  readonly at: number;
  /** Until when the fault itself lasts (a pause: until the process runs again), when known. */
  readonly lastsUntil?: number;
  /** ms from the fault until every request in flight then progressed; undefined while waiting. */
  recoveryMs?: number;
  /** Requests in flight at the fault that have not progressed yet. */
  readonly waiting: Set<string>;
}

/** The longest time one request went without progress, with what happened around it. */
export interface Stall {
  readonly requestId: string;
  readonly ms: number;
  /**
   * Faults from {@link STALL_CAUSE_WINDOW_MS} before the stall began to its end, `at` relative to its
   * start, ms: what the request waited on.
   */
  readonly faults: ReadonlyArray<{ readonly kind: string; readonly victim: string; readonly at: number }>;
  /**
   * What the client saw of the request during the stall: its moves (`hung drafter-2→drafter-1`) and
   * submit attempts (`submit silent 1.5 s`), `at` relative to the stall's start, ms.
   */
  readonly events: ReadonlyArray<{ readonly what: string; readonly at: number }>;
}

/** How long before a stall a fault may have caused it, ms (a pause's length and a probe's wait). */
export const STALL_CAUSE_WINDOW_MS = 3000;

export class RecoveryTracker {
  private readonly inflight = new Set<string>();
  /** Last sign of progress of each request in flight. */
  private readonly lastProgress = new Map<string, number>();
  /** Events of each request in flight since its last progress (see {@link Stall.events}). */
  private readonly eventsSince = new Map<string, Array<{ what: string; t: number }>>();
  readonly faults: FaultRecord[] = [];
  /** Longest stall seen so far (none before a request progressed). */
  longestStall: Stall | undefined;

  constructor(private readonly now: () => number = () => performance.now()) {}

  started(requestId: string): void {
    this.inflight.add(requestId);
    this.lastProgress.set(requestId, this.now());
  }

  /** A chunk arrived (progress). */
  progressed(requestId: string): void {
    this.stalled(requestId);
    this.settle(requestId);
  }

  /** Something happened to the request that is no progress: a move, a submit attempt (`what`). */
  noted(requestId: string, what: string): void {
    const list = this.eventsSince.get(requestId) ?? [];
    list.push({ what, t: this.now() });
    this.eventsSince.set(requestId, list);
  }

  ended(requestId: string): void {
    this.stalled(requestId);
    this.lastProgress.delete(requestId);
    this.eventsSince.delete(requestId);
    this.inflight.delete(requestId);
    this.settle(requestId);
  }

  /** `durationMs`: how long the fault itself lasts (a pause), when it does. */
  fault(kind: string, victim: string, durationMs?: number): FaultRecord {
    const at = this.now();
    const f: FaultRecord = {
      kind,
      victim,
      at,
      ...(durationMs !== undefined ? { lastsUntil: at + durationMs } : {}),
      waiting: new Set(this.inflight),
    };
    if (f.waiting.size === 0) f.recoveryMs = 0;
    this.faults.push(f);
    return f;
  }

  private stalled(requestId: string) {
    const t = this.now();
    const last = this.lastProgress.get(requestId);
    if (last === undefined) return;
    this.lastProgress.set(requestId, t);
    const events = this.eventsSince.get(requestId) ?? [];
    this.eventsSince.delete(requestId);
    if (!this.longestStall || t - last > this.longestStall.ms) {
      this.longestStall = {
        requestId,
        ms: t - last,
        faults: this.faults
          .filter((f) => f.at >= last - STALL_CAUSE_WINDOW_MS && f.at <= t)
          .map((f) => ({ kind: f.kind, victim: f.victim, at: f.at - last })),
        events: events.map((m) => ({ what: m.what, at: m.t - last })),
      };
    }
  }

  private settle(requestId: string) {
    const t = this.now();
    for (const f of this.faults) {
      if (f.recoveryMs !== undefined || !f.waiting.delete(requestId)) continue;
      if (f.waiting.size === 0) f.recoveryMs = t - f.at;
    }
  }
}

/**
 * Faults that met the cluster alone: every earlier fault had recovered (and, a pause, ended) before
 * it, and it recovered before the next one. Their recovery is what one fault costs; the others show
 * faults piling up.
 */
export function singleFaults(faults: readonly FaultRecord[]): FaultRecord[] {
  const sorted = [...faults].sort((a, b) => a.at - b.at);
  const single: FaultRecord[] = [];
  let busyUntil = Number.NEGATIVE_INFINITY;
  sorted.forEach((f, i) => {
    const end = f.recoveryMs === undefined ? Number.POSITIVE_INFINITY : f.at + f.recoveryMs;
    const next = sorted[i + 1]?.at ?? Number.POSITIVE_INFINITY;
    if (f.recoveryMs !== undefined && busyUntil <= f.at && end <= next) single.push(f);
    busyUntil = Math.max(busyUntil, end, f.lastsUntil ?? Number.NEGATIVE_INFINITY);
  });
  return single;
}
