import { describe, expect, it } from 'vitest';
import { choosePlacement, shouldLeaveEdge, shouldLeaveFused } from '../src/placement/placement.js';

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
