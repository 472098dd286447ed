import { describe, expect, it } from 'vitest';
import {
  AWC_ALLOWED_WINDOWS,
  AWC_FEATURES,
  AwcFeatureSource,
  AwcMlp,
  AwcPostProcessor,
  createAwcPolicy,
  createWindowPolicy,
  type RoundView,
  shippedAwcWeights,
  type WindowFeatures,
} from '../src/index.js';

describe('shipped AWC weights', () => {
  it('createWindowPolicy({ policy: "awc" }) works without weights, from the shipped ones', () => {
    const shipped = shippedAwcWeights();
    expect(shipped.inputs).toBe(AWC_FEATURES);
    expect(shipped.meta?.scenario).toMatch(/^dsd-gsm8k/);
    const policy = createWindowPolicy({ policy: 'awc' });
    expect(policy.name).toBe('awc');
    const f: WindowFeatures = {
      acceptance: 0.8,
      lastAcceptance: 0.75,
      lastWindow: 4,
      queueUtil: 0.2,
      rttMs: 20,
      tpotMs: 16,
    };
    for (let i = 0; i < 20; i++) expect(AWC_ALLOWED_WINDOWS).toContain(policy.nextWindow(f));
    // The same decisions as with the weights passed explicitly.
    const again = createWindowPolicy({ policy: 'awc', weights: shippedAwcWeights() });
    const fresh = createWindowPolicy({ policy: 'awc' });
    expect(again.nextWindow(f)).toBe(fresh.nextWindow(f));
  });

  it('the shipped policy runs at the target over a slow link, and plain steps on a target far past its knee', () => {
    /** A batching target of knee 8 shared by `sessions` others, as heartbeats describe it. */
    const view = (sessions: number, rttMs: number): RoundView => ({
      acceptance: 0.8,
      draftMsPerToken: 6,
      rttMs,
      target: {
        batchCost: { baseMs: 15, perPositionMs: 0.4, kneePositions: 8 },
        stepMs: 15,
        lanes: 1,
        sessions,
      },
      freeTargets: 1,
    });
    const decide = (rttMs: number, sessions: number) => {
      const p = createWindowPolicy({ policy: 'awc' });
      let w = 4;
      for (let i = 0; i < 6; i++)
        w = p.nextWindow({
          acceptance: 0.8,
          lastAcceptance: 0.8,
          lastWindow: w,
          queueUtil: 0.1,
          rttMs,
          tpotMs: 16,
          drafterCapability: 0.71,
          contextTokens: 95,
          round: view(sessions, rttMs),
        });
      return w;
    };
    // Fused rounds or plain steps: no round crosses a slow link.
    expect(decide(300, 0)).toBeLessThanOrEqual(1);
    expect(decide(20, 0)).toBeLessThanOrEqual(1);
    // An idle target: fused rounds; one far past its knee: plain steps (throughput labels: every draft
    // position there costs a token's compute).
    expect(decide(20, 0)).toBe(1);
    expect(decide(20, 24)).toBe(0);
    expect(decide(5, 48)).toBe(0);
  });
});

describe('AWC features from WindowFeatures', () => {
  // A recorded sequence of what a drafter hands its policy, decision by decision.
  const trace: WindowFeatures[] = [
    {
      acceptance: 0.8,
      lastAcceptance: 1,
      lastWindow: 4,
      queueUtil: 0.5,
      pendingVerifyTokens: 24,
      rttMs: 30,
      tpotMs: 15,
      drafterCapability: 0.5,
      contextTokens: 1024,
    },
    {
      acceptance: 0.7,
      lastAcceptance: 0.5,
      lastWindow: 6,
      queueUtil: 1,
      pendingVerifyTokens: 48,
      rttMs: 60,
      tpotMs: 30,
      drafterCapability: 0.5,
      contextTokens: 1024,
    },
    {
      acceptance: 0.75,
      lastAcceptance: 1,
      lastWindow: 1,
      queueUtil: 0,
      rttMs: 0,
      tpotMs: 15,
      contextTokens: 1024,
    },
  ];

  it('are deterministic for a recorded sequence and follow the reference definitions', () => {
    const run = () => {
      const src = new AwcFeatureSource();
      return trace.map((f) => Array.from(src.observe(f)));
    };
    const [a, b, c] = run() as [number[], number[], number[]];
    expect(run()).toEqual([a, b, c]);
    // queue 6 / 12, no trend yet, 24 / (12 · 4), RTT 30 / 30, TPOT 15 / 15, capability, acceptance,
    // last γ 4 / 8, prompt 1024 / 2048.
    expect(a).toEqual([0.5, 0, 0.5, 1, 0, 1, 0, 0.5, 0.8, 0.5, 0.5, 0, 0, 0]);
    expect(b).toEqual([1, 0.5, 1, 1.5, 1, 1.5, 1, 0.5, 0.7, 0.75, 0.5, 0, 0, 0]);
    // Fields left out read as 0, except the drafter's capability, which reads as 1.
    expect(c[2]).toBe(0);
    expect(c[7]).toBe(1);
    expect(c[9]).toBe(1 / 8);
  });

  it('are what the AWC policy decides from', () => {
    const w = shippedAwcWeights();
    const policy = createAwcPolicy({ weights: w });
    const src = new AwcFeatureSource();
    const net = new AwcMlp(w);
    const post = new AwcPostProcessor();
    for (const f of trace) expect(policy.nextWindow(f)).toBe(post.next(4 + net.predict(src.observe(f))));
  });
});
