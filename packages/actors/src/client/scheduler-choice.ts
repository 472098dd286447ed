/**
 * Which scheduler a repeated `submit` goes to by name (`sched.submit.<id>`, protocol 2.4).
 *
 * A first attempt goes to the schedulers' queue group, where NATS picks a member at random. A paused
 * scheduler (SIGSTOP, a VM stall, a long collection) keeps its subscription, so it keeps its place in
 * the group and gets every other attempt while it sleeps: with one of two paused, a request had a
 * half chance at each repeat to wait out another silent timeout. After a silent attempt the client
 * therefore names a scheduler: the one heard from last (its heartbeat, when the caller tracks them, or
 * its latest answer to this client), never one already silent for this request, and never one that
 * stopped beating while the caller watches heartbeats. With no such scheduler the repeat goes to the
 * group as before.
 *
 * @example
 *   const seen = new SchedulerSightings();
 *   seen.answered('s1', 1000); seen.answered('s2', 2000);
 *   seen.pick(new Set());                                   // → 's2' (heard from last)
 *   seen.pick(new Set(['s2']));                             // → 's1'
 *   seen.pick(new Set(), [{ id: 's1', lastSeen: 2500 }]);   // → 's1' (s2 no longer beats)
 */

/** A scheduler the caller's membership view sees alive, with its last heartbeat's local time (ms). */
export interface LiveScheduler {
  readonly id: string;
  readonly lastSeen: number;
}

/** Schedulers remembered per client, at most: ids churn only as schedulers are replaced. */
const MAX_REMEMBERED = 64;

/** Answers older than this say little about a scheduler now, ms. */
const ANSWER_HORIZON_MS = 60_000;

export class SchedulerSightings {
  private readonly answeredAt = new Map<string, number>();

  /** Scheduler `id` answered a submit of this client at `at` (epoch ms). */
  answered(id: string, at: number = Date.now()): void {
    this.answeredAt.delete(id);
    this.answeredAt.set(id, at);
    if (this.answeredAt.size > MAX_REMEMBERED) {
      // Insertion order is answer order: the first key is the one heard from longest ago.
      this.answeredAt.delete(this.answeredAt.keys().next().value!);
    }
  }

  /**
   * The scheduler to name for the next attempt, or undefined for the queue group. `exclude`: the
   * schedulers already named for this request (silent, or with no responders). `live`: the schedulers
   * the caller's membership view sees alive; when given, only those are named.
   */
  pick(
    exclude: ReadonlySet<string>,
    live?: Iterable<LiveScheduler>,
    now: number = Date.now(),
  ): string | undefined {
    let best: string | undefined;
    let bestAt = -Infinity;
    const consider = (id: string, at: number) => {
      if (exclude.has(id) || at <= bestAt) return;
      best = id;
      bestAt = at;
    };
    if (live) {
      for (const s of live) consider(s.id, Math.max(s.lastSeen, this.answeredAt.get(s.id) ?? -Infinity));
      return best;
    }
    for (const [id, at] of this.answeredAt) if (now - at <= ANSWER_HORIZON_MS) consider(id, at);
    return best;
  }
}
