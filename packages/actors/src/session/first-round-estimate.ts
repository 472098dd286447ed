/**
 * The round trip a new session's first verification should take, from what its host already knows
 * about the cluster: the network time its host measured to the pool (its sessions' rounds, else pings
 * to the verifiers; see the drafter's `rttMs`) plus what the target that will likely serve it reports
 * in its heartbeats (its step time, and the work queued ahead of the task). It seeds the session's
 * {@link VerifyTimeout}, so a first task lost to a hung verifier or a restarting batcher is re-issued
 * after a few round trips instead of the configured ceiling.
 *
 * @example
 *   // 4 ms to the pool, a 30 ms step, two tasks waiting per slot:
 *   expectedFirstRoundMs({ networkRttMs: 4, target: { stepMs: 30, lanes: 1, sessions: 0 }, queueUtil: 2 });
 *   // → 94 (4 + 30 · (1 + 2)); the timeout then is 3 · 94 = 282 ms, raised to the 500 ms floor
 */
import { batchStepMs, type TargetView } from '@specmesh/core';
import type { HostSurroundings } from './window-measures.js';

export interface FirstRoundFigures {
  /** Network time host → pool → host of one round, ms; undefined when the host has none yet. */
  readonly networkRttMs: number | undefined;
  /** The target as the first task would meet it (heartbeats), when known. */
  readonly target?: TargetView;
  /** Tasks waiting for a slot over slots, across the pool (heartbeats): steps queued ahead. Defaults to 0. */
  readonly queueUtil?: number;
  /** Positions the first task makes the target evaluate (prompt not held there, plus the drafts). */
  readonly positions?: number;
}

/**
 * The network round trip assumed while a host has measured none (it just started), when the target
 * is known: a slow wide-area path. Too short a guess costs a re-issued task and a doubled timeout;
 * none at all made a restarted drafter's first lost task wait the whole 10 s ceiling.
 */
export const UNMEASURED_NETWORK_RTT_MS = 250;

/**
 * Expected first round trip, ms. Without a network figure, the target's with
 * {@link UNMEASURED_NETWORK_RTT_MS} for the network; without either, undefined (the timeout keeps its
 * ceiling).
 */
export function expectedFirstRoundMs(f: FirstRoundFigures): number | undefined {
  const t = f.target;
  const measured = f.networkRttMs !== undefined && f.networkRttMs >= 0;
  if (!measured && !t) return undefined;
  const network = measured ? f.networkRttMs! : UNMEASURED_NETWORK_RTT_MS;
  if (!t) return network;
  // A batching target prices the task's positions itself; otherwise its smoothed step stands for it
  // (that average already includes the prefills of first tasks it ran).
  const step = t.batchCost && f.positions !== undefined ? batchStepMs(t.batchCost, f.positions) : t.stepMs;
  const ahead = Math.max(0, f.queueUtil ?? 0);
  return network + step * (1 + ahead);
}

/**
 * {@link expectedFirstRoundMs} from a host's surroundings, for a first task of `positions` on `pool`.
 * Undefined for a host that verifies in-process (no network to lose a task on) or knows no round trip.
 */
export function firstRoundFromSurroundings(
  around: HostSurroundings | undefined,
  pool: string,
  positions: number,
): number | undefined {
  if (!around || around.local) return undefined;
  return expectedFirstRoundMs({
    networkRttMs: around.edgeRttMs(),
    ...(around.pool
      ? { target: around.pool(pool, undefined, positions, undefined, new Set(), 0).target }
      : {}),
    queueUtil: around.queue(pool, undefined).queueUtil,
    positions,
  });
}
