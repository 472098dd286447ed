/** A live session's `auto` round plan, before and after it has measured anything of its own. */
import { TARGET_70B_PROFILE } from '@specmesh/core';
import { describe, expect, it } from 'vitest';
import { SessionRoundPlanner } from '../src/session/round-planner.js';
import { type HostSurroundings, LiveWindowMeasures } from '../src/session/window-measures.js';

/** An idle batching target two verifiers strong, 2 ms of round trip, a host drafting at `draftMs`. */
const around = (draftMs: number | undefined, freeTargets = 2): HostSurroundings => ({
  queue: () => ({ queueUtil: 0, pendingVerifyTokens: 0 }),
  edgeRttMs: () => 2,
  edgeDraftMsPerToken: () => draftMs,
  pool: () => ({
    target: { batchCost: TARGET_70B_PROFILE, stepMs: 30, lanes: 256, sessions: 0 },
    freeTargets,
    planTargets: 2,
  }),
});

const planner = (host: HostSurroundings) => {
  const measures = new LiveWindowMeasures('p', 60, host);
  const p = new SessionRoundPlanner(
    'p',
    measures,
    () => 0.8,
    host,
    () => 2,
    () => 64,
    () => 0,
  );
  return { p, measures };
};

describe('auto round plans of a live session', () => {
  it("before its first draft, judge windows by the host's draft speed, not as free", () => {
    const slow = planner(around(20)).p;
    expect(slow.roundView().draftMsPerToken).toBe(20);
    // Drafting at 20 ms a token against a 30 ms step: short windows.
    expect(slow.next().k).toBeLessThanOrEqual(2);
    // A host that has drafted nothing yet either: nothing to go by.
    expect(planner(around(undefined)).p.roundView().draftMsPerToken).toBe(0);
  });

  it('plans DSI on a target busy only with its own work, and sends parallel tasks as targets free up', () => {
    // The other verifier still runs the pass of a parallel task this session just cancelled: not free
    // for a task now, but the round may count on it.
    const { p, measures } = planner(around(2, 1));
    measures.drafted(8, 4);
    expect(p.next().sp).toBe(2);
    expect(p.parallelism()).toBe(1);
  });

  it('its own draft speed wins once it has drafted', () => {
    const { p, measures } = planner(around(20));
    measures.drafted(8, 4);
    expect(p.roundView().draftMsPerToken).toBe(2);
  });
});
