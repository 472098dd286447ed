/**
 * Which verifier a session may send a task to directly (`direct.<verifier>.<host>`, protocol 2.1),
 * skipping the batcher: one that is alive, says in its heartbeat that it takes direct tasks, and has a
 * free slot (nothing queued), so a direct task never waits behind other sessions' work where the
 * batcher would have placed it elsewhere.
 */
import type { Member } from '@specmesh/runtime';
import { metaNumber } from './placement.js';

/** Heartbeat meta key by which a verifier says it takes direct tasks (value 1). */
export const DIRECT_META_KEY = 'direct';

/**
 * Heartbeat meta key by which a verifier says it takes DSI parallel tasks directly too, declining one
 * that would not start at once (value 1; protocol 2.2).
 */
export const DIRECT_PARALLEL_META_KEY = 'directParallel';

/** Whether `m` takes direct tasks now and would start one at once. */
function takesDirect(m: Member): boolean {
  const load = m.heartbeat.load;
  return metaNumber(m, DIRECT_META_KEY) === 1 && load.queued === 0 && load.inflight < load.capacity;
}

/**
 * The verifier of `verifiers` (one pool's, alive) a direct task goes to:
 * - `lease` (the verifier holding the session's context) when it takes direct tasks now;
 * - with no lease, when the batcher is not answering or gone (`anyIfNoLease`): the least loaded
 *   verifier that takes direct tasks and has room, other than those in `avoid` (they lost a task of
 *   the session); with none that has room, the least loaded that takes direct tasks at all (a task
 *   queued at a verifier beats one sent to a batcher that is not there);
 * - otherwise none: the task goes through the batcher.
 */
export function directTarget(
  verifiers: readonly Member[],
  lease: string | undefined,
  anyIfNoLease: boolean,
  avoid: ReadonlySet<string>,
): string | undefined {
  if (lease !== undefined) {
    const held = verifiers.find((m) => m.id === lease);
    if (held && takesDirect(held)) return lease;
    if (!anyIfNoLease) return undefined;
  } else if (!anyIfNoLease) {
    return undefined;
  }
  return (
    leastLoaded(verifiers, (m) => !avoid.has(m.id) && takesDirect(m)) ??
    leastLoaded(verifiers, (m) => !avoid.has(m.id) && metaNumber(m, DIRECT_META_KEY) === 1)
  );
}

/**
 * The verifier of `verifiers` (one pool's, alive) a DSI parallel task goes to directly: one that takes
 * direct parallel tasks (`directParallel: 1`) and is not in `busy` (running the session's tasks, or
 * lost one of them), the least loaded by its heartbeat, ties taking turns by `rotation`. It runs the
 * task only if it starts at once (the verifier judges by its figures of that moment) and declines it
 * otherwise. None: undefined.
 */
export function parallelTarget(
  verifiers: readonly Member[],
  busy: ReadonlySet<string>,
  rotation: number,
): string | undefined {
  return leastLoaded(
    verifiers,
    (m) => !busy.has(m.id) && metaNumber(m, DIRECT_PARALLEL_META_KEY) === 1,
    rotation,
  );
}

/**
 * The id of the least loaded (work per slot, queued included) of `verifiers` that pass `ok`; among
 * equals the first, or the one `rotation` picks.
 */
function leastLoaded(
  verifiers: readonly Member[],
  ok: (m: Member) => boolean,
  rotation = 0,
): string | undefined {
  const tied: Member[] = [];
  let bestLoad = Infinity;
  for (const m of verifiers) {
    if (!ok(m)) continue;
    const { inflight, queued, capacity } = m.heartbeat.load;
    const load = (inflight + queued) / Math.max(1, capacity);
    if (load < bestLoad) {
      tied.length = 0;
      bestLoad = load;
    }
    if (load === bestLoad) tied.push(m);
  }
  return tied.length > 0 ? tied[rotation % tied.length]!.id : undefined;
}
