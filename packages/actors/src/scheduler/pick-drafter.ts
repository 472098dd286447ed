/**
 * Which drafter takes a new session: the one with the most free session slots, counting the sessions
 * this scheduler started there since that drafter's last heartbeat (the heartbeat cannot know them yet).
 * Ties rotate. A drafter without a free slot is never chosen.
 */

export interface DrafterSlots {
  readonly id: string;
  /** Sessions the drafter can hold (heartbeat `capacity`). */
  readonly capacity: number;
  /** Sessions it reported (`inflight + queued`) plus those started since that report. */
  readonly used: number;
}

export function pickDrafter(
  drafters: readonly DrafterSlots[],
  exclude: ReadonlySet<string>,
  rotation: number,
): string | undefined {
  let best = 0;
  let tied: string[] = [];
  for (const d of drafters) {
    if (exclude.has(d.id)) continue;
    const free = d.capacity - d.used;
    if (free <= 0) continue;
    if (free > best) {
      best = free;
      tied = [d.id];
    } else if (free === best) {
      tied.push(d.id);
    }
  }
  return tied.length === 0 ? undefined : tied[rotation % tied.length];
}
