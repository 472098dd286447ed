import { describe, expect, it } from 'vitest';
import {
  AWC_FEATURES,
  AWC_LOAD_FEATURES,
  AwcFeatureSource,
  AwcPostProcessor,
  DSD_ALLOWED_WINDOWS,
  type RoundView,
  TARGET_70B_PROFILE,
  writeLoadFeatures,
} from '../src/index.js';

const view = (sessions: number, rttMs: number): RoundView => ({
  acceptance: 0.8,
  draftMsPerToken: 2,
  rttMs,
  target: { batchCost: TARGET_70B_PROFILE, stepMs: 30, lanes: 1, sessions },
  freeTargets: 1,
});

const load = (v: RoundView | undefined) => {
  const out = new Float64Array(AWC_LOAD_FEATURES).fill(9);
  writeLoadFeatures(v, out, 0);
  return Array.from(out);
};

describe('AWC load features', () => {
  it('read 0 without a view of the target', () => {
    expect(load(undefined)).toEqual([0, 0, 0]);
  });

  it('say speculation pays on an idle target over a fast link', () => {
    const [gain, computeBound, fill] = load(view(0, 2)) as [number, number, number];
    expect(gain).toBeGreaterThan(0.5);
    expect(computeBound).toBeLessThan(1);
    expect(fill).toBeCloseTo(1 / 32, 12);
  });

  it('say plain decoding wins on a target past its knee, and grow with the load', () => {
    const idle = load(view(0, 2));
    const busy = load(view(95, 2)) as [number, number, number];
    expect(busy[0]).toBeLessThan(0);
    expect(busy[1]).toBeGreaterThanOrEqual(1);
    expect(busy[2]).toBe(3);
    expect(busy[0]).toBeLessThan(idle[0]!);
  });

  it('say a slow link makes plain decoding at the target win even when idle', () => {
    expect(load(view(0, 200))[0]).toBeLessThan(0);
  });

  it('are the last three of the AWC vector, from WindowFeatures.round', () => {
    const src = new AwcFeatureSource();
    const x = src.observe({ acceptance: 0.8, lastAcceptance: 1, lastWindow: 4, round: view(95, 2) });
    expect(x.length).toBe(AWC_FEATURES);
    expect(Array.from(x.slice(AWC_FEATURES - AWC_LOAD_FEATURES))).toEqual(load(view(95, 2)));
  });
});

describe('AWC post-processing with plain steps', () => {
  it('rounds low outputs to 0 and holds it like fused mode', () => {
    const p = new AwcPostProcessor({ alpha: 1 });
    expect(p.next(-2)).toBe(0);
    expect(p.next(8)).toBe(0); // held
    expect(p.next(8)).toBe(8);
  });

  it("keeps DSD's behaviour with DSD's set", () => {
    const p = new AwcPostProcessor({ allowed: DSD_ALLOWED_WINDOWS, gammaMin: 1, alpha: 1 });
    expect(p.next(-2)).toBe(1);
    expect(p.next(0.2)).toBe(1);
  });
});
