/**
 * Which verifier gets a task: join-shortest-queue over the live verifiers of a pool, with session
 * stickiness where it helps the verifier's prefix cache.
 *
 * A verifier's load is the larger of what this batcher has outstanding there and what the verifier
 * reported in its last heartbeat (other batchers send to it too), divided by its capacity. A task goes
 * to the verifier that last served its session when that verifier (a) is a candidate, (b) is not
 * already working on another task of the same session, and (c) is at most `stickySlack` above the
 * least loaded one. A parallel task of that session (DSI) from a sender that does not mark it
 * (`verify.task.parallel`, before protocol 1.3) goes to an idle verifier if there is one, else it too
 * stays with the sticky verifier; a marked one goes through {@link pickParallelVerifier}. Otherwise
 * the least loaded candidate wins; ties rotate so equal verifiers share the work.
 *
 * @example
 *   pickVerifier({ sessionId: 's' }, [{ id: 'v1', load: 0.5, busyWith: new Set() }, { id: 'v2', load: 0, busyWith: new Set() }], 'v1', 1, 0)
 *   // → 'v1' (sticky, within slack)
 */

/** What the picker knows about one verifier. */
export interface VerifierCandidate {
  readonly id: string;
  /** Normalised load (outstanding work / capacity). */
  readonly load: number;
  /** Sessions with a task in flight on this verifier (from this batcher). */
  readonly busyWith: { has(sessionId: string): boolean };
}

/**
 * @param stickyId verifier that last served the session, if any
 * @param stickySlack how much more loaded the sticky verifier may be than the least loaded one
 * @param rotation a counter the caller increments per pick, to rotate among equally loaded verifiers
 * @returns the chosen verifier id, or undefined when there is no candidate
 */
export function pickVerifier(
  task: { readonly sessionId: string },
  candidates: readonly VerifierCandidate[],
  stickyId: string | undefined,
  stickySlack: number,
  rotation: number,
): string | undefined {
  if (candidates.length === 0) return undefined;
  let min = Number.POSITIVE_INFINITY;
  for (const c of candidates) min = Math.min(min, c.load);
  if (stickyId !== undefined) {
    const sticky = candidates.find((c) => c.id === stickyId);
    if (sticky && sticky.load <= min + stickySlack) {
      if (!sticky.busyWith.has(task.sessionId)) return sticky.id;
      // A parallel task of the session (DSI). Elsewhere it runs at once only on an idle verifier;
      // on a busy one it would wait as well and, lacking the session's cache, pay a prefill of the
      // whole prefix on top. So it spreads to idle verifiers only, and otherwise stays where the
      // session's cache is (tasks of one session run there in order).
      const idle = candidates.filter((c) => c.load === 0 && !c.busyWith.has(task.sessionId));
      return idle.length > 0 ? idle[rotation % idle.length]!.id : sticky.id;
    }
  }
  // Prefer verifiers not already busy with this session, then the least loaded.
  const free = candidates.filter((c) => !c.busyWith.has(task.sessionId));
  const pool = free.length > 0 ? free : candidates;
  let best = Number.POSITIVE_INFINITY;
  for (const c of pool) best = Math.min(best, c.load);
  const tied = pool.filter((c) => c.load === best);
  return tied[rotation % tied.length]!.id;
}

/** A verifier as a parallel task sees it: whether the task would run there at once. */
export interface ParallelCandidate extends VerifierCandidate {
  readonly runsAtOnce: boolean;
}

/**
 * Where a DSI parallel task (marked `parallel`) runs: only on a verifier that runs it at once (room
 * below its knee, or a free slot, and nothing queued; see placement/target-capacity.ts) and that is
 * not already working on the same session (its tasks run there in order, so it would wait). The least
 * loaded such verifier wins, ties rotating. None: undefined, and the task is declined instead of
 * queued behind other sessions' work (their rounds would pay for this session's speculation).
 *
 * @example
 *   pickParallelVerifier({ sessionId: 's' }, [{ id: 'v1', load: 0.9, runsAtOnce: false, busyWith: new Set() }], 0)
 *   // → undefined: declined, the session lowers its SP degree
 */
export function pickParallelVerifier(
  task: { readonly sessionId: string },
  candidates: readonly ParallelCandidate[],
  rotation: number,
): string | undefined {
  const free = candidates.filter((c) => c.runsAtOnce && !c.busyWith.has(task.sessionId));
  if (free.length === 0) return undefined;
  let best = Number.POSITIVE_INFINITY;
  for (const c of free) best = Math.min(best, c.load);
  const tied = free.filter((c) => c.load === best);
  return tied[rotation % tied.length]!.id;
}
