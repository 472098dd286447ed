/** The scheduler's first AWC decision sees the target's load as a session's round planner would. */
import { PRIOR_ACCEPTANCE } from '@specmesh/core';
import { describe, expect, it } from 'vitest';
import { placementRoundView } from '../src/placement/awc-placement-view.js';
import { verifierMember } from './verifier-member.js';

const batching = (sessions: number) => ({
  kneePositions: 8,
  costBaseMs: 15,
  costPerPositionMs: 0.4,
  sessions,
  positions: sessions,
});

describe('AWC placement view', () => {
  it('reads the least loaded verifier of the pool, its cost profile and sessions', () => {
    const busy = verifierMember('v1', { inflight: 4, queued: 2, capacity: 4 }, batching(12));
    const calm = verifierMember('v2', { inflight: 1, queued: 0, capacity: 4 }, batching(3));
    const v = placementRoundView([busy, calm], 22, 40, 6);
    expect(v.rttMs).toBe(22);
    expect(v.draftMsPerToken).toBe(6);
    expect(v.acceptance).toBe(PRIOR_ACCEPTANCE);
    expect(v.target.sessions).toBe(3);
    expect(v.target.batchCost).toEqual({ kneePositions: 8, baseMs: 15, perPositionMs: 0.4 });
  });

  it('reads no round trip as 0 (nothing measured yet)', () => {
    const v = placementRoundView(
      [verifierMember('v1', { inflight: 0, queued: 0, capacity: 1 })],
      undefined,
      10,
      undefined,
    );
    expect(v.rttMs).toBe(0);
    expect(v.draftMsPerToken).toBe(0);
    expect(v.target.sessions).toBe(0);
  });
});
