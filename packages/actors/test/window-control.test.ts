/**
 * A live session's window features come from its own measurements and its host's heartbeats, in the
 * simulator's units (sim/src/awc/window-observation.ts); under AWC placement the session knows where
 * AWC wants it to run.
 */
import {
  AWC_FEATURES,
  type AwcWeights,
  type RoundView,
  type WindowFeatures,
  type WindowStats,
} from '@specmesh/core';
import type { BodyOf } from '@specmesh/protocol';
import { sampleBodies } from '@specmesh/protocol/internal';
import { describe, expect, it } from 'vitest';
import { SessionWindowControl, WISH_STREAK } from '../src/session/window-control.js';
import { type HostSurroundings, LiveWindowMeasures } from '../src/session/window-measures.js';
import { rttOnlyAwcWeights } from './rtt-awc-weights.js';

const stats = (over: Partial<WindowStats> = {}): WindowStats => ({
  lastAccepted: 3,
  lastLength: 4,
  lastWindow: 4,
  acceptance: 0.8,
  committed: 10,
  ...over,
});

/** Heartbeat figures as a host would read them: v1 is busy, the pool as a whole less so. */
const around = (edgeRttMs: number | undefined): HostSurroundings => ({
  queue: (_pool, id) =>
    id === 'v1' ? { queueUtil: 0.5, pendingVerifyTokens: 12 } : { queueUtil: 0.25, pendingVerifyTokens: 6 },
  edgeRttMs: () => edgeRttMs,
});

describe('live window features', () => {
  it('follow a recorded sequence of drafts and answers deterministically', () => {
    const m = new LiveWindowMeasures('p', 100, around(30));
    // Before anything is measured: the pool's queue, the host's edge round trip, a full-speed drafter.
    expect(m.features(stats({ lastLength: 0 }))).toEqual({
      acceptance: 0.8,
      lastAcceptance: 1,
      lastWindow: 4,
      queueUtil: 0.25,
      pendingVerifyTokens: 6,
      rttMs: 30,
      drafterCapability: 1,
      contextTokens: 100,
    });
    // A draft of 4 tokens in 8 ms, then one in 4 ms: 2 ms/token, then 0.7 · 2 + 0.3 · 4 = 2.6.
    m.drafted(8, 4);
    m.drafted(4, 1);
    // An answer from v1 after 50 ms, of which it spent 5 queued and 15 computing: 30 ms on the way.
    m.answered({ roundTripMs: 50, queueMs: 5, computeMs: 15, verifierId: 'v1' });
    const f = m.features(stats());
    expect(f.rttMs).toBe(30);
    expect(f.tpotMs).toBe(15);
    expect(f.queueUtil).toBe(0.5);
    expect(f.pendingVerifyTokens).toBe(12);
    expect(f.lastAcceptance).toBe(0.75);
    expect(f.drafterCapability).toBeCloseTo(15 / (15 + 2.6), 12);
    // The edge view replaces only the round trip.
    expect(m.features(stats(), true)).toEqual({ ...f, rttMs: 30 });
    m.answered({ roundTripMs: 12, queueMs: 1, computeMs: 10, verifierId: 'v2' });
    expect(m.features(stats()).rttMs).toBe(1);
    expect(m.features(stats(), true).rttMs).toBe(30);
    // A reported time longer than the measured one (clock noise) never gives a negative round trip.
    // (Before the next check: the edge view's draft speed is the edge drafter's when the host knows it.)
    const told: number[] = [];
    const edge = new LiveWindowMeasures('p', 100, {
      ...around(30),
      edgeDraftMsPerToken: () => 6,
      drafted: (ms) => told.push(ms),
    });
    edge.drafted(3, 2); // the host's own draft model: 1.5 ms per token, told to the host (its heartbeat)
    expect(told).toEqual([1.5]);
    edge.answered({ roundTripMs: 20, queueMs: 1, computeMs: 15, verifierId: 'v1' });
    expect(edge.features(stats()).drafterCapability).toBeCloseTo(15 / 16.5, 12);
    expect(edge.features(stats(), true).drafterCapability).toBeCloseTo(15 / 21, 12);
    m.answered({ roundTripMs: 10, queueMs: 4, computeMs: 7, verifierId: 'v2' });
    expect(m.features(stats()).rttMs).toBe(0);
  });
});

const start = (
  kind: 'edge' | 'fused',
  window: BodyOf<'session.start'>['window'] = { policy: 'awc', k: 4 },
): BodyOf<'session.start'> => ({
  ...sampleBodies()['session.start'],
  window,
  placement: { kind, policy: 'adaptive', fusedRttMs: 8, busyLoad: 0.75 },
});

/** Decisions until the EMA settles. */
const decide = (c: SessionWindowControl, n: number) => {
  let k = 0;
  for (let i = 0; i < n; i++) k = c.next(stats());
  return k;
};

describe('where AWC wants a session to run', () => {
  it('an edge session on a slow link wants to run at the target once AWC settles on γ ≤ 1', () => {
    const slow = new LiveWindowMeasures('p', 10, around(undefined));
    slow.answered({ roundTripMs: 45, queueMs: 2, computeMs: 3, verifierId: 'v1' });
    const c = new SessionWindowControl(start('edge'), slow, rttOnlyAwcWeights());
    // Before its first decision the session runs the request's k.
    expect(c.wish()).toBeUndefined();
    // γ = 8 − silu(42 / 3) < 0.5: a plain step, which runs best at the target too.
    expect(decide(c, 10)).toBe(0);
    expect(c.wish()).toBe('fused');

    const fast = new LiveWindowMeasures('p', 10, around(undefined));
    fast.answered({ roundTripMs: 6, queueMs: 2, computeMs: 3, verifierId: 'v1' });
    const stay = new SessionWindowControl(start('edge'), fast, rttOnlyAwcWeights());
    expect(decide(stay, 10)).toBe(8);
    expect(stay.wish()).toBeUndefined();
  });

  it('a fused session wants the edge back when AWC at the edge would run distributed rounds', () => {
    const local = () => {
      const m = new LiveWindowMeasures('p', 10, around(0.5));
      m.answered({ roundTripMs: 4, queueMs: 1, computeMs: 3, verifierId: 'v1' });
      return m;
    };
    const back = new SessionWindowControl(start('fused'), local(), rttOnlyAwcWeights());
    decide(back, 3);
    expect(back.wish()).toBe('edge');
    // The edge link is slow: stay at the target (γ = 8 − silu(60 / 3) < 0.5: plain steps there).
    const m = new LiveWindowMeasures('p', 10, around(60));
    m.answered({ roundTripMs: 4, queueMs: 1, computeMs: 3, verifierId: 'v1' });
    const stay = new SessionWindowControl(start('fused'), m, rttOnlyAwcWeights());
    expect(decide(stay, 10)).toBe(0);
    expect(stay.wish()).toBeUndefined();
    // Nothing known of the edge: no opinion.
    const unknown = new SessionWindowControl(
      start('fused'),
      new LiveWindowMeasures('p', 10, around(undefined)),
      rttOnlyAwcWeights(),
    );
    decide(unknown, 3);
    expect(unknown.wish()).toBeUndefined();
  });

  it('asks to move only after WISH_STREAK decisions agree, not on a verdict that flips', () => {
    const m = new LiveWindowMeasures('p', 10, around(20));
    const c = new SessionWindowControl(start('edge'), m, rttOnlyAwcWeights());
    // A policy whose verdict flips every decision (fused, distributed, …), then settles on fused.
    const windows = [1, 8, 1, 8, 1, 8, 1, 8, ...Array(WISH_STREAK).fill(1)];
    (c as unknown as { policy: { nextWindow: () => number } }).policy = {
      nextWindow: () => windows.shift()!,
    };
    const asks: (string | undefined)[] = [];
    for (let i = 0; i < 8 + WISH_STREAK; i++) {
      c.next(stats());
      asks.push(c.wish());
    }
    expect(asks.slice(0, 8 + WISH_STREAK - 1).every((a) => a === undefined)).toBe(true);
    expect(asks.at(-1)).toBe('fused');
  });

  it('only AWC under adaptive placement has wishes', () => {
    const slow = new LiveWindowMeasures('p', 10, around(60));
    slow.answered({ roundTripMs: 65, queueMs: 2, computeMs: 3, verifierId: 'v1' });
    const backoff = new SessionWindowControl(start('edge', { policy: 'backoff', k: 4 }), slow);
    decide(backoff, 5);
    expect(backoff.wish()).toBeUndefined();
    const fixedPlacement = {
      ...start('edge'),
      placement: { ...start('edge').placement!, policy: 'edge' as const },
    };
    const c = new SessionWindowControl(fixedPlacement, slow, rttOnlyAwcWeights());
    expect(decide(c, 10)).toBe(0);
    expect(c.wish()).toBeUndefined();
  });
});

/** A target view: `sessions` others on a batching target of knee 8. */
const view = (sessions: number): RoundView => ({
  acceptance: 0.9,
  draftMsPerToken: 1.5,
  rttMs: 0,
  target: { batchCost: { baseMs: 15, perPositionMs: 0.4, kneePositions: 8 }, stepMs: 15, lanes: 1, sessions },
  freeTargets: 1,
});

/** A WC-DNN reading only the compute-bound load feature: γ = 4 − 20 · silu(compute_bound). */
function loadOnlyAwcWeights(): AwcWeights {
  const inW = new Array<number>(AWC_FEATURES).fill(0);
  inW[AWC_FEATURES - 2] = 1;
  return { version: 1, inputs: AWC_FEATURES, hidden: 1, inW, inB: [0], blocks: [], outW: [-20], outB: 0 };
}

describe('plain steps (γ = 0) in a live session', () => {
  it('policies that may choose them plan rounds; the others keep the orchestrator window', () => {
    const m = () => new LiveWindowMeasures('p', 10, around(10));
    expect(new SessionWindowControl(start('edge'), m(), rttOnlyAwcWeights()).plansRounds).toBe(true);
    expect(new SessionWindowControl(start('edge', { policy: 'bandit', k: 4 }), m()).plansRounds).toBe(true);
    expect(new SessionWindowControl(start('edge', { policy: 'backoff', k: 4 }), m()).plansRounds).toBe(false);
    expect(new SessionWindowControl(start('edge', { policy: 'static', k: 4 }), m()).plansRounds).toBe(false);
  });

  it('a fused session runs plain steps while its target is busy and fused rounds while it is idle', () => {
    const local = () => {
      const m = new LiveWindowMeasures('p', 10, around(60));
      m.answered({ roundTripMs: 4, queueMs: 1, computeMs: 3, verifierId: 'v1' });
      return m;
    };
    let sessions = 40;
    const c = new SessionWindowControl(start('fused'), local(), loadOnlyAwcWeights(), () => view(sessions));
    expect(decide(c, 4)).toBe(0);
    sessions = 0;
    expect(decide(c, 8)).toBe(1);
  });

  it('hands the policy the load view, the clock, the committed count and its own last window', () => {
    const seen: WindowFeatures[] = [];
    const m = new LiveWindowMeasures('p', 10, around(25));
    m.answered({ roundTripMs: 4, queueMs: 1, computeMs: 3, verifierId: 'v1' });
    const spy = { ...start('fused'), window: { policy: 'static', k: 4 } };
    const c = new SessionWindowControl(spy, m, undefined, () => view(3));
    // Reach the features through a policy that records them.
    (c as unknown as { policy: { nextWindow: (f: WindowFeatures) => number } }).policy = {
      nextWindow: (f) => {
        seen.push(f);
        return 4;
      },
    };
    c.next(stats({ committed: 17 }));
    expect(seen[0]!.round).toEqual(view(3));
    expect(seen[0]!.committed).toBe(17);
    expect(typeof seen[0]!.nowMs).toBe('number');
    expect(seen[0]!.lastWindow).toBe(4);
  });
});
