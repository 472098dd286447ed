/**
 * Whether a verifier looks stalled from the batches this batcher waits on there: the oldest has been
 * out much longer than the verifier's own step time says it should take. A stopped (paused, hung)
 * verifier is then passed over for new tasks, re-issued ones included, so a session whose verifier
 * stopped goes on elsewhere after one re-issue instead of queueing behind it until the batch timeout
 * (10 s by default). Nothing is failed on this guess alone: the batch itself still waits for its
 * reply or its timeout, and the verifier is picked again as soon as it answers.
 *
 * @example
 *   isStalled(700, 3);    // → true: a 3 ms step, a batch out for 700 ms (over the 500 ms floor)
 *   isStalled(700, 120);  // → false: 8 steps of a 120 ms target is 960 ms
 */

/** Below this a batch is never suspect: scheduling noise on a busy host, a prefill. */
export const STALL_FLOOR_MS = 500;
/** Steps of the verifier's own step time a batch may take before it is suspect. */
export const STALL_STEPS = 8;

/**
 * @param oldestOutMs age of the oldest batch this batcher has outstanding at the verifier, ms
 * @param stepMs the verifier's smoothed step time from its heartbeats, when it reports one
 */
export function isStalled(oldestOutMs: number | undefined, stepMs: number | undefined): boolean {
  if (oldestOutMs === undefined) return false;
  return oldestOutMs > Math.max(STALL_FLOOR_MS, STALL_STEPS * (stepMs ?? 0));
}
