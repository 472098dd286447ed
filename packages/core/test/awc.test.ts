import { describe, expect, it } from 'vitest';
import {
  AWC_FEATURES,
  AwcFeatureTracker,
  AwcMlp,
  type AwcObservation,
  AwcPostProcessor,
  type AwcWeights,
  createAwcPolicy,
  createWindowPolicy,
  roundToAllowed,
  silu,
} from '../src/index.js';

describe('WC-DNN', () => {
  it('computes SiLU', () => {
    expect(silu(0)).toBe(0);
    expect(silu(1)).toBeCloseTo(0.7310585786300049, 15);
    expect(silu(-2)).toBeCloseTo(-0.2384058440442351, 15);
  });

  it('matches a hand-computed residual network', () => {
    // h0 = SiLU(I·x); h1 = h0 + SiLU([[1,0],[0,0]]·h0 + [0,1]); y = [1,2]·h1 + 0.5.
    const w: AwcWeights = {
      version: 1,
      inputs: 2,
      hidden: 2,
      inW: [1, 0, 0, 1],
      inB: [0, 0],
      blocks: [{ w: [1, 0, 0, 0], b: [0, 1] }],
      outW: [1, 2],
      outB: 0.5,
    };
    const net = new AwcMlp(w);
    expect(net.predict([1, -1])).toBeCloseTo(2.648784868436038, 12);
    // Same input, same answer: no state leaks between calls.
    expect(net.predict([1, -1])).toBeCloseTo(2.648784868436038, 12);
  });

  it('refuses malformed weights, naming the field', () => {
    const good: AwcWeights = {
      version: 1,
      inputs: 1,
      hidden: 1,
      inW: [1],
      inB: [0],
      blocks: [],
      outW: [1],
      outB: 0,
    };
    expect(() => new AwcMlp({ ...good, version: 2 as 1 })).toThrow(/version 2/);
    expect(() => new AwcMlp({ ...good, inW: [1, 2] })).toThrow(/inW/);
    expect(() => new AwcMlp({ ...good, blocks: [{ w: [Number.NaN], b: [0] }] })).toThrow(/blocks\[0\]\.w/);
    expect(() => createAwcPolicy({ weights: good })).toThrow(/inputs/);
  });
});

describe('AWC post-processing', () => {
  it('clamps to the window bounds', () => {
    expect(new AwcPostProcessor().next(40)).toBe(8);
    expect(new AwcPostProcessor({ gammaMin: 2 }).next(-3)).toBe(2);
  });

  it('smooths with an EMA of alpha 0.4 per pair', () => {
    const p = new AwcPostProcessor();
    expect(p.next(8)).toBe(8); // s = 8
    expect(p.next(2)).toBe(6); // s = 0.4·2 + 0.6·8 = 5.6 → 6
    expect(p.next(2)).toBe(4); // s = 0.4·2 + 0.6·5.6 = 4.16 → 4
  });

  it('rounds to the allowed set, ties to the smaller window', () => {
    expect(roundToAllowed(5, [1, 2, 3, 4, 6, 8])).toBe(4);
    expect(roundToAllowed(5.01, [1, 2, 3, 4, 6, 8])).toBe(6);
    expect(roundToAllowed(7, [1, 2, 3, 4, 6, 8])).toBe(6);
    expect(roundToAllowed(1.4, [1, 2, 3, 4, 6, 8])).toBe(1);
  });

  it('holds fused mode (window 1) for one more decision', () => {
    const p = new AwcPostProcessor({ alpha: 1 });
    expect(p.next(1)).toBe(1);
    expect(p.next(8)).toBe(1); // held
    expect(p.next(8)).toBe(8);
    const two = new AwcPostProcessor({ alpha: 1, hold: 2 });
    expect([two.next(1), two.next(8), two.next(8), two.next(8)]).toEqual([1, 1, 1, 8]);
  });
});

describe('AWC features', () => {
  const obs = (o: Partial<AwcObservation>): AwcObservation => ({
    queueLength: 6,
    pendingVerifyTokens: 24,
    rttMs: 30,
    tpotMs: 15,
    drafterCapability: 0.5,
    acceptance: 0.8,
    lastGamma: 4,
    promptTokens: 1024,
    ...o,
  });

  it('are the same for the same recorded trace, with trends from the history', () => {
    const trace = [
      obs({}),
      obs({ queueLength: 12, rttMs: 60, tpotMs: 30 }),
      obs({ queueLength: 0, rttMs: 0 }),
    ];
    const run = () => {
      const t = new AwcFeatureTracker();
      return trace.map((o) => Array.from(t.observe(o, new Float64Array(AWC_FEATURES))));
    };
    const [a, b, c] = run() as [number[], number[], number[]];
    expect(run()).toEqual([a, b, c]);
    // First observation: no history, so trends and deltas are 0.
    expect(a).toEqual([0.5, 0, 0.5, 1, 0, 1, 0, 0.5, 0.8, 0.5, 0.5, 0, 0, 0]);
    // Second: queue 1.0 against a history mean of 0.5; RTT mean (30 + 60) / 2 / 30; delta 30 / 30.
    expect(b).toEqual([1, 0.5, 0.5, 1.5, 1, 1.5, 1, 0.5, 0.8, 0.5, 0.5, 0, 0, 0]);
    // Third: queue 0 against (0.5 + 1) / 2; RTT mean 90 / 3 / 30; delta −60 / 30; TPOT mean (15+30+15)/3/15.
    expect(c[0]).toBe(0);
    expect(c[1]).toBeCloseTo(-0.75, 12);
    expect(c[3]).toBeCloseTo(1, 12);
    expect(c[4]).toBeCloseTo(-2, 12);
    expect(c[5]).toBeCloseTo(60 / 3 / 15, 12);
    expect(c[6]).toBeCloseTo(-1, 12);
  });

  it('clip pending verify tokens to [0, 2] of a default batch', () => {
    const t = new AwcFeatureTracker();
    expect(t.observe(obs({ pendingVerifyTokens: 10_000 }), new Float64Array(AWC_FEATURES))[2]).toBe(2);
  });
});

describe('AWC policy', () => {
  it('turns features into an allowed window through the network and post-processing', () => {
    // A network answering 5 · (SiLU(acceptance) − SiLU(0.5)) over γ_default 4: higher acceptance, longer windows.
    const inW = new Array(AWC_FEATURES).fill(0);
    inW[8] = 1;
    const weights: AwcWeights = {
      version: 1,
      inputs: AWC_FEATURES,
      hidden: 1,
      inW,
      inB: [0],
      blocks: [],
      outW: [5],
      outB: -5 * silu(0.5),
    };
    const policy = createWindowPolicy({ policy: 'awc', weights, k: 4 });
    const f = { lastAcceptance: 1, lastWindow: 4 };
    expect(policy.nextWindow({ ...f, acceptance: 0.5 })).toBe(4);
    const hi = createWindowPolicy({ policy: 'awc', weights, k: 4 });
    // 4 + 5 · (SiLU(1) − SiLU(0.5)) = 6.10 → 6.
    expect(hi.nextWindow({ ...f, acceptance: 1 })).toBe(6);
    // EMA then pulls a low reading only part of the way: 0.4 · (4 + 5 · (SiLU(0) − SiLU(0.5))) + 0.6 · 6.10.
    expect(hi.nextWindow({ ...f, acceptance: 0 })).toBe(4);
  });
});
