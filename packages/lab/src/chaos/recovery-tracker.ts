/**
 * Recovery time of each injected fault: from the fault until every request that was in flight at
 * that moment (submitting or streaming) made progress again (a new chunk) or ended. A fault that hit
 * nothing a request depended on recovers at the next chunk of each; one that took a request's host
 * down recovers when the request has moved and streams again.
 */

export interface FaultRecord {
  readonly kind: string;
  readonly victim: string;
  readonly at: number;
  /** ms from the fault until every request in flight then progressed; undefined while waiting. */
  recoveryMs?: number;
  /** Requests in flight at the fault that have not progressed yet. */
  readonly waiting: Set<string>;
}

export class RecoveryTracker {
  private readonly inflight = new Set<string>();
  readonly faults: FaultRecord[] = [];

  constructor(private readonly now: () => number = () => performance.now()) {}

  started(requestId: string): void {
    this.inflight.add(requestId);
  }

  /** A chunk arrived (progress). */
  progressed(requestId: string): void {
    this.settle(requestId);
  }

  ended(requestId: string): void {
    this.inflight.delete(requestId);
    this.settle(requestId);
  }

  fault(kind: string, victim: string): FaultRecord {
    const f: FaultRecord = { kind, victim, at: this.now(), waiting: new Set(this.inflight) };
    if (f.waiting.size === 0) f.recoveryMs = 0;
    this.faults.push(f);
    return f;
  }

  private settle(requestId: string) {
    const t = this.now();
    for (const f of this.faults) {
      if (f.recoveryMs !== undefined || !f.waiting.delete(requestId)) continue;
      if (f.waiting.size === 0) f.recoveryMs = t - f.at;
    }
  }
}
