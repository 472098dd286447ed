/**
 * Where a request's session runs: on an edge drafter (distributed: every verification round crosses
 * the drafter's network path to the pool), fused on a cloud verifier that also holds a draft model
 * (DSD's fused mode: drafting and verification next to each other, no network per round, but the
 * drafting takes target compute), or target-only on a verifier when no drafter is alive.
 *
 * `adaptive` weighs the two from live figures: the edge drafter's measured round trip to the pool
 * (its sessions' rounds, else pings over NATS, in its heartbeat) and the pool's load. Under AWC
 * (`awcPlaces`) AWC's own decision replaces the round-trip threshold. A slow edge link and an idle cloud favour
 * fused; a busy cloud favours the edge, where drafting costs the targets nothing. Sessions that are
 * running move (hand over) only past wider thresholds than placement uses, so a request never flaps
 * between the two.
 *
 * @example
 *   choosePlacement({ policy: 'adaptive', fusedRttMs: 8, busyLoad: 0.75 },
 *     { drafter: { id: 'd1', rttMs: 40 }, fusedHost: 'v1', poolLoad: 0.2, drafterAlive: true })
 *   // → { id: 'v1', kind: 'fused' }
 */

import { type AwcWeights, createWindowPolicy, type WindowFeatures } from '@specmesh/core';
import type { BodyOf, HandoverTarget, Placement } from '@specmesh/protocol';
import type { Member } from '@specmesh/runtime';
import type { QueueFigures } from '../session/window-measures.js';

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
  /**
   * `adaptive` under AWC (see {@link awcPlaces}): whether AWC's first decision is fused mode; it
   * replaces the round-trip threshold.
   */
  readonly awcFused?: boolean;
  /** Where the previous host asked the rest to run (`submit.prefer`): taken when such a host has room. */
  readonly prefer?: HandoverTarget;
}

/** A chosen host. */
export interface Host {
  readonly id: string;
  readonly kind: Placement['kind'];
}

export function choosePlacement(c: PlacementConfig, i: PlacementInputs): Host | undefined {
  const edge = i.drafter && { id: i.drafter.id, kind: 'edge' as const };
  const fused = i.fusedHost !== undefined ? { id: i.fusedHost, kind: 'fused' as const } : undefined;
  if (c.policy === 'adaptive' && i.prefer) {
    const preferred = i.prefer === 'fused' ? fused : edge;
    if (preferred) return preferred;
  }
  let chosen: Host | undefined;
  switch (c.policy) {
    case 'edge':
      chosen = edge;
      break;
    case 'fused':
      chosen = fused ?? edge;
      break;
    case 'adaptive': {
      const slowEdge = i.awcFused ?? (i.drafter?.rttMs ?? 0) >= c.fusedRttMs;
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

/** Whether AWC, rather than fixed thresholds, decides where a request's session runs. */
export function awcPlaces(r: {
  window: { policy: string };
  placement?: { policy: string } | undefined;
}): boolean {
  return r.window.policy === 'awc' && r.placement?.policy === 'adaptive';
}

/**
 * AWC's first decision for a request about to be placed, from what the scheduler knows (the edge
 * drafter's measured round trip, the pool's queue): true for running at the target (fused mode γ = 1, or a
 * plain step γ = 0). Acceptance and the
 * last window start as a session's do (1 and `k`), so the decision is the one the session would take.
 */
export function awcChoosesFused(
  window: { policy: string; k: number },
  f: Omit<WindowFeatures, 'acceptance' | 'lastAcceptance' | 'lastWindow'>,
  weights?: AwcWeights,
): boolean {
  const policy = createWindowPolicy({ policy: 'awc', k: window.k, ...(weights ? { weights } : {}) });
  return policy.nextWindow({ ...f, acceptance: 1, lastAcceptance: 1, lastWindow: window.k }) <= 1;
}

type Start = BodyOf<'session.start'>;

/**
 * Where a running edge session moves, if anywhere: fused when AWC chose fused mode (under AWC
 * placement) or when the link got clearly slow and the cloud clearly idle (thresholds), and a fused
 * host has room.
 */
export function edgeSessionMove(
  start: Start,
  awcWish: HandoverTarget | undefined,
  i: { rttMs?: number; poolLoad: number; fusedHostFree: boolean },
): HandoverTarget | undefined {
  const p = start.placement;
  if (p?.kind !== 'edge') return undefined;
  const leave = awcPlaces(start) ? awcWish === 'fused' && i.fusedHostFree : shouldLeaveEdge(p, i);
  return leave ? 'fused' : undefined;
}

/**
 * Where a session running on a verifier moves, if anywhere: a target-only one to the edge as soon as
 * a drafter is alive; a fused one back to the edge when AWC at the edge would run distributed rounds
 * again (under AWC placement) or the cloud got clearly busy (thresholds), and a drafter has room.
 */
export function verifierSessionMove(
  start: Start,
  awcWish: HandoverTarget | undefined,
  i: { poolLoad: number; drafterFree: boolean; drafterAlive: boolean },
): HandoverTarget | undefined {
  const p = start.placement;
  if (p?.kind !== 'fused') return i.drafterAlive ? 'edge' : undefined;
  const leave = awcPlaces(start) ? awcWish === 'edge' && i.drafterFree : shouldLeaveFused(p, i);
  return leave ? 'edge' : undefined;
}

/** Queue figures of verifier `id` from its heartbeat, or of all `verifiers` when it is not among them. */
export function queueFigures(verifiers: readonly Member[], id: string | undefined): QueueFigures {
  const one = id !== undefined ? verifiers.find((v) => v.id === id) : undefined;
  let queued = 0;
  let capacity = 0;
  let drafts = 0;
  for (const v of one ? [one] : verifiers) {
    queued += v.heartbeat.load.queued;
    capacity += v.heartbeat.load.capacity;
    drafts += metaNumber(v, 'queuedDrafts') ?? 0;
  }
  return { queueUtil: capacity > 0 ? queued / capacity : 0, pendingVerifyTokens: drafts };
}

/** The round trip to the pool that the drafter with room and the fastest link reports, ms. */
export function bestEdgeRttMs(drafters: readonly Member[]): number | undefined {
  let best: number | undefined;
  for (const d of drafters) {
    if (d.heartbeat.load.inflight >= d.heartbeat.load.capacity) continue;
    const rtt = metaNumber(d, 'rttMs');
    if (rtt !== undefined && (best === undefined || rtt < best)) best = rtt;
  }
  return best;
}

/**
 * The draft speed (heartbeat meta `draftMsPerToken`) of the free drafter `bestEdgeRttMs` picks: what a
 * session moved to the edge would draft at.
 */
export function bestEdgeDraftMsPerToken(drafters: readonly Member[]): number | undefined {
  let best: Member | undefined;
  for (const d of drafters) {
    if (d.heartbeat.load.inflight >= d.heartbeat.load.capacity) continue;
    const rtt = metaNumber(d, 'rttMs');
    if (rtt !== undefined && (best === undefined || rtt < metaNumber(best, 'rttMs')!)) best = d;
  }
  return best ? metaNumber(best, 'draftMsPerToken') : undefined;
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
