import type { BodyOf } from '@specmesh/protocol';
import { sampleBodies } from '@specmesh/protocol/internal';
import { describe, expect, it } from 'vitest';
import {
  awcChoosesFused,
  bestEdgeRttMs,
  choosePlacement,
  edgeSessionMove,
  queueFigures,
  shouldLeaveEdge,
  shouldLeaveFused,
  verifierSessionMove,
} from '../src/placement/placement.js';
import { verifierMember } from './verifier-member.js';

const adaptive = { policy: 'adaptive' as const, fusedRttMs: 8, busyLoad: 0.75 };
const both = { drafter: { id: 'd1', rttMs: 2 }, fusedHost: 'v1', targetOnlyHost: 'v1', drafterAlive: true };

describe('placement: where a session runs', () => {
  it('adaptive keeps a request at the edge while the link is fast', () => {
    expect(choosePlacement(adaptive, { ...both, poolLoad: 0.1 })).toEqual({ id: 'd1', kind: 'edge' });
  });

  it('adaptive runs it fused when the edge link is slow and the cloud has room', () => {
    const slow = { ...both, drafter: { id: 'd1', rttMs: 30 } };
    expect(choosePlacement(adaptive, { ...slow, poolLoad: 0.2 })).toEqual({ id: 'v1', kind: 'fused' });
    // A busy cloud keeps it at the edge, where drafting costs the targets nothing.
    expect(choosePlacement(adaptive, { ...slow, poolLoad: 0.9 })).toEqual({ id: 'd1', kind: 'edge' });
  });

  it('fixed policies follow what exists', () => {
    expect(choosePlacement({ ...adaptive, policy: 'edge' }, { ...both, poolLoad: 0 })?.kind).toBe('edge');
    expect(choosePlacement({ ...adaptive, policy: 'fused' }, { ...both, poolLoad: 0.99 })?.kind).toBe(
      'fused',
    );
    // Fused without a host that drafts: the edge.
    const noFused = { drafter: { id: 'd1' }, drafterAlive: true, poolLoad: 0 };
    expect(choosePlacement({ ...adaptive, policy: 'fused' }, noFused)?.kind).toBe('edge');
  });

  it('with no drafter alive, a request decodes target-only; with drafters all busy, it waits', () => {
    const noDrafter = { targetOnlyHost: 'v2', poolLoad: 0.5 };
    expect(choosePlacement(adaptive, { ...noDrafter, drafterAlive: false })).toEqual({
      id: 'v2',
      kind: 'target-only',
    });
    expect(choosePlacement(adaptive, { ...noDrafter, drafterAlive: true })).toBeUndefined();
  });

  it('running sessions move only past wider margins than placement uses (no flapping)', () => {
    // Just slow enough to place fused, not enough to move a running edge session.
    expect(shouldLeaveEdge(adaptive, { rttMs: 10, poolLoad: 0.2, fusedHostFree: true })).toBe(false);
    expect(shouldLeaveEdge(adaptive, { rttMs: 13, poolLoad: 0.2, fusedHostFree: true })).toBe(true);
    expect(shouldLeaveEdge(adaptive, { rttMs: 13, poolLoad: 0.7, fusedHostFree: true })).toBe(false);
    expect(shouldLeaveEdge(adaptive, { rttMs: 50, poolLoad: 0.2, fusedHostFree: false })).toBe(false);
    expect(
      shouldLeaveEdge({ ...adaptive, policy: 'edge' }, { rttMs: 50, poolLoad: 0, fusedHostFree: true }),
    ).toBe(false);
    // Busy enough to place at the edge, not enough to move a running fused session.
    expect(shouldLeaveFused(adaptive, { poolLoad: 0.8, drafterFree: true })).toBe(false);
    expect(shouldLeaveFused(adaptive, { poolLoad: 0.95, drafterFree: true })).toBe(true);
    expect(shouldLeaveFused(adaptive, { poolLoad: 0.95, drafterFree: false })).toBe(false);
  });
});

const member = verifierMember;

const start = (
  kind: 'edge' | 'fused' | 'target-only',
  policy: 'adaptive' | 'edge' = 'adaptive',
  window = 'awc',
): BodyOf<'session.start'> => ({
  ...sampleBodies()['session.start'],
  window: { policy: window, k: 4 },
  placement: { kind, policy, fusedRttMs: 8, busyLoad: 0.75 },
});

describe('placement under AWC', () => {
  it('a handed-over request goes where its last host asked, when such a host has room', () => {
    const fastEdge = { ...both, poolLoad: 0.1 };
    expect(choosePlacement(adaptive, { ...fastEdge, prefer: 'fused' })).toEqual({ id: 'v1', kind: 'fused' });
    const slowEdge = { ...both, drafter: { id: 'd1', rttMs: 30 }, poolLoad: 0.1 };
    expect(choosePlacement(adaptive, { ...slowEdge, prefer: 'edge' })).toEqual({ id: 'd1', kind: 'edge' });
    // No fused host with room: the usual rules.
    const { fusedHost: _none, ...edgeOnly } = fastEdge;
    expect(choosePlacement(adaptive, { ...edgeOnly, prefer: 'fused' })).toEqual({ id: 'd1', kind: 'edge' });
    // A fixed policy is not overridden.
    expect(choosePlacement({ ...adaptive, policy: 'edge' }, { ...fastEdge, prefer: 'fused' })?.kind).toBe(
      'edge',
    );
  });

  it("AWC's first decision replaces the round-trip threshold", () => {
    const fastEdge = { ...both, poolLoad: 0.1 };
    expect(choosePlacement(adaptive, { ...fastEdge, awcFused: true })?.kind).toBe('fused');
    const slowEdge = { ...both, drafter: { id: 'd1', rttMs: 30 }, poolLoad: 0.1 };
    expect(choosePlacement(adaptive, { ...slowEdge, awcFused: false })?.kind).toBe('edge');
    // The shipped network runs fused at a 200 ms edge round trip and an idle cloud (RTT x 20 of DSD's sweep).
    expect(
      awcChoosesFused({ policy: 'awc', k: 4 }, { rttMs: 200, queueUtil: 0, pendingVerifyTokens: 0 }),
    ).toBe(true);
  });

  it('running sessions move by what AWC wants, when a host of that kind has room', () => {
    const i = { poolLoad: 0.1, fusedHostFree: true };
    expect(edgeSessionMove(start('edge'), 'fused', i)).toBe('fused');
    expect(edgeSessionMove(start('edge'), 'fused', { ...i, fusedHostFree: false })).toBeUndefined();
    // Under AWC the round-trip threshold no longer decides.
    expect(edgeSessionMove(start('edge'), undefined, { ...i, rttMs: 100 })).toBeUndefined();
    // Without AWC it does.
    expect(edgeSessionMove(start('edge', 'adaptive', 'static'), undefined, { ...i, rttMs: 100 })).toBe(
      'fused',
    );
    expect(edgeSessionMove(start('fused'), 'fused', i)).toBeUndefined();

    const v = { poolLoad: 0.1, drafterFree: true, drafterAlive: true };
    expect(verifierSessionMove(start('fused'), 'edge', v)).toBe('edge');
    expect(verifierSessionMove(start('fused'), 'edge', { ...v, drafterFree: false })).toBeUndefined();
    expect(verifierSessionMove(start('fused'), undefined, { ...v, poolLoad: 0.99 })).toBeUndefined();
    expect(
      verifierSessionMove(start('fused', 'adaptive', 'static'), undefined, { ...v, poolLoad: 0.99 }),
    ).toBe('edge');
    // Target-only sessions return to the edge as soon as a drafter is alive.
    expect(verifierSessionMove(start('target-only'), undefined, { ...v, drafterFree: false })).toBe('edge');
    expect(
      verifierSessionMove(start('target-only'), undefined, { ...v, drafterAlive: false }),
    ).toBeUndefined();
  });

  it('queue figures and the edge round trip come from heartbeats', () => {
    const vs = [
      member('v1', { inflight: 8, queued: 4, capacity: 8 }, { queuedDrafts: 16 }),
      member('v2', { inflight: 2, queued: 0, capacity: 8 }),
    ];
    expect(queueFigures(vs, 'v1')).toEqual({ queueUtil: 0.5, pendingVerifyTokens: 16 });
    expect(queueFigures(vs, undefined)).toEqual({ queueUtil: 0.25, pendingVerifyTokens: 16 });
    expect(queueFigures(vs, 'gone')).toEqual({ queueUtil: 0.25, pendingVerifyTokens: 16 });
    expect(queueFigures([], undefined)).toEqual({ queueUtil: 0, pendingVerifyTokens: 0 });
    const ds = [
      member('d1', { inflight: 4, queued: 0, capacity: 4 }, { rttMs: 3 }),
      member('d2', { inflight: 1, queued: 0, capacity: 4 }, { rttMs: 12 }),
      member('d3', { inflight: 0, queued: 0, capacity: 4 }),
    ];
    // d1 is full; d3 has measured nothing.
    expect(bestEdgeRttMs(ds)).toBe(12);
    expect(bestEdgeRttMs([])).toBeUndefined();
  });
});
