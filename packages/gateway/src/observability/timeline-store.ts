/**
 * The last finished requests as the gateway saw them, with the speculation timeline their drafter
 * sent on the last token chunk. Bounded: the oldest record is dropped when a new one comes in.
 * `/specmesh/requests`, the dashboard and `specmesh trace` read it.
 */
import type { SpeculationTrace } from '@specmesh/protocol';

/** One finished request. Times are ms; `startedAt` is wall clock since the Unix epoch. */
export interface RequestTimeline {
  readonly requestId: string;
  readonly endpoint: string;
  /** HTTP status the request ended with. */
  readonly status: number;
  readonly mode: string;
  readonly k: number;
  readonly drafterId: string | undefined;
  readonly pool: string | undefined;
  readonly startedAt: number;
  readonly ttftMs: number | undefined;
  readonly durationMs: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Completion tokens that came from accepted drafts. */
  readonly draftedTokens: number;
  readonly finishReason: string | null;
  /** Absent when the request failed before its drafter finished. */
  readonly trace: SpeculationTrace | undefined;
}

/** What the request list shows of a timeline. */
export type RequestSummary = Omit<RequestTimeline, 'trace'> & { readonly spans: number };

export class TimelineStore {
  private readonly capacity: number;
  private readonly items = new Map<string, RequestTimeline>();

  /** @param capacity requests kept; 0 keeps none. */
  constructor(capacity: number) {
    this.capacity = capacity;
  }

  add(t: RequestTimeline): void {
    if (this.capacity === 0) return;
    this.items.delete(t.requestId);
    this.items.set(t.requestId, t);
    while (this.items.size > this.capacity) {
      const oldest = this.items.keys().next().value as string;
      this.items.delete(oldest);
    }
  }

  get(requestId: string): RequestTimeline | undefined {
    return this.items.get(requestId);
  }

  /** Newest first, at most `limit`. */
  list(limit = 50): RequestSummary[] {
    const out: RequestSummary[] = [];
    for (const t of [...this.items.values()].reverse()) {
      if (out.length >= limit) break;
      const { trace, ...rest } = t;
      out.push({ ...rest, spans: trace?.spans.length ?? 0 });
    }
    return out;
  }
}
