/**
 * Where a request's session runs: on an edge drafter (distributed: every verification round crosses
 * the drafter's network path to the pool), fused on a cloud verifier that also holds a draft model
 * (DSD's fused mode: drafting and verification next to each other, no network per round, but the
 * drafting takes target compute), or target-only on a verifier when no drafter is alive.
 *
 * `adaptive` weighs the two from live figures: the edge drafter's measured round trip to the pool
 * (pings over NATS, in its heartbeat) and the pool's load. A slow edge link and an idle cloud favour
 * fused; a busy cloud favours the edge, where drafting costs the targets nothing. Sessions that are
 * running move (hand over) only past wider thresholds than placement uses, so a request never flaps
 * between the two.
 *
 * @example
 *   choosePlacement({ policy: 'adaptive', fusedRttMs: 8, busyLoad: 0.75 },
 *     { drafter: { id: 'd1', rttMs: 40 }, fusedHost: 'v1', poolLoad: 0.2, drafterAlive: true })
 *   // → { id: 'v1', kind: 'fused' }
 */

import type { Placement } from '@specmesh/protocol';
import type { Member } from '@specmesh/runtime';

/** The scheduler's placement settings (they travel to hosts in `session.start`). */
export type PlacementConfig = Omit<Placement, 'kind'>;

export interface PlacementInputs {
  /** The best edge drafter with a free slot, and its measured round trip to the pool. */
  readonly drafter?: { readonly id: string; readonly rttMs?: number };
  /** A verifier of the pool with a draft model and a free hosted slot. */
  readonly fusedHost?: string;
  /** A verifier of the pool that can host a target-only session. */
  readonly targetOnlyHost?: string;
  /** Work over capacity across the pool's verifiers. */
  readonly poolLoad: number;
  /** Whether any drafter (busy or not) is alive. */
  readonly drafterAlive: boolean;
}

/** A chosen host. */
export interface Host {
  readonly id: string;
  readonly kind: Placement['kind'];
}

export function choosePlacement(c: PlacementConfig, i: PlacementInputs): Host | undefined {
  const edge = i.drafter && { id: i.drafter.id, kind: 'edge' as const };
  const fused = i.fusedHost !== undefined ? { id: i.fusedHost, kind: 'fused' as const } : undefined;
  let chosen: Host | undefined;
  switch (c.policy) {
    case 'edge':
      chosen = edge;
      break;
    case 'fused':
      chosen = fused ?? edge;
      break;
    case 'adaptive': {
      const slowEdge = (i.drafter?.rttMs ?? 0) >= c.fusedRttMs;
      const cloudHasRoom = i.poolLoad < c.busyLoad;
      chosen = fused && cloudHasRoom && (slowEdge || !edge) ? fused : (edge ?? fused);
      break;
    }
  }
  if (chosen) return chosen;
  // No drafter alive at all: decode target-only rather than fail.
  if (!i.drafterAlive && i.targetOnlyHost !== undefined) return { id: i.targetOnlyHost, kind: 'target-only' };
  return undefined;
}

/** Hysteresis margins of {@link shouldLeaveEdge} and {@link shouldLeaveFused}. */
const RTT_MARGIN = 1.5;
const LOAD_MARGIN = 0.15;

/** A running edge session moves to the cloud when its link got clearly slow and the cloud clearly idle. */
export function shouldLeaveEdge(
  c: PlacementConfig,
  i: { rttMs?: number; poolLoad: number; fusedHostFree: boolean },
): boolean {
  return (
    c.policy === 'adaptive' &&
    i.fusedHostFree &&
    (i.rttMs ?? 0) >= c.fusedRttMs * RTT_MARGIN &&
    i.poolLoad < c.busyLoad - LOAD_MARGIN
  );
}

/** A running fused session moves back to the edge when the cloud got clearly busy and a drafter can take it. */
export function shouldLeaveFused(c: PlacementConfig, i: { poolLoad: number; drafterFree: boolean }): boolean {
  return c.policy === 'adaptive' && i.drafterFree && i.poolLoad >= c.busyLoad + LOAD_MARGIN;
}

/** Work over capacity across verifiers, from their heartbeats (0 when there is none). */
export function poolLoad(verifiers: readonly Member[]): number {
  let work = 0;
  let capacity = 0;
  for (const v of verifiers) {
    work += v.heartbeat.load.inflight + v.heartbeat.load.queued;
    capacity += v.heartbeat.load.capacity;
  }
  return capacity > 0 ? work / capacity : 0;
}

/** A number a heartbeat's `meta` holds under `key`, if it is one. */
export function metaNumber(m: Member, key: string): number | undefined {
  const v = m.heartbeat.meta?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
