import { describe, expect, it } from 'vitest';
import type { DraftToken } from '../src/orchestration-types.js';
import { Rng } from '../src/rng.js';
import { argmax, processDistribution, type SparseDist, sample, validateSampling } from '../src/sampling.js';
import { verifyGreedy, verifyRejection } from '../src/verification.js';
import { drive, toyModel } from './sync-driver.js';

/** Pearson chi-square statistic of observed counts against expected probabilities. */
function chiSquare(counts: number[], probs: number[], n: number): number {
  let x2 = 0;
  for (let i = 0; i < probs.length; i++) {
    const e = probs[i]! * n;
    if (e > 0) x2 += (counts[i]! - e) ** 2 / e;
  }
  return x2;
}

const sparse = (tokens: number[], probs: number[]): SparseDist => ({
  tokens: Uint32Array.from(tokens),
  probs: Float32Array.from(probs),
});

describe('Rng', () => {
  it('gives the same stream for the same seed and different streams for splits', () => {
    const a = new Rng(123);
    const b = new Rng(123);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    // Pinned values: the same on every machine.
    const one = new Rng(1);
    expect([one.next(), one.next(), one.next()]).toEqual([2442144158, 3238099751, 3819917871]);
    const s1 = new Rng(7).split();
    const s2 = new Rng(8).split();
    expect(s1.next()).not.toBe(s2.next());
  });

  it('is roughly uniform', () => {
    const r = new Rng(99);
    const bins = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) bins[Math.floor(r.float() * 10)]++;
    expect(chiSquare(bins, new Array(10).fill(0.1), 100_000)).toBeLessThan(30);
  });
});

describe('processDistribution', () => {
  const p = Float32Array.of(0.1, 0.5, 0.3, 0.1);

  it('greedy is the argmax alone', () => {
    expect(processDistribution(p, { temperature: 0, topK: 0, topP: 1 })).toEqual(sparse([1], [1]));
    expect(argmax(Float32Array.of(0.2, 0.4, 0.4))).toBe(1);
  });

  it('top-k keeps the k most likely, renormalised', () => {
    const d = processDistribution(p, { temperature: 1, topK: 2, topP: 1 });
    expect(Array.from(d.tokens)).toEqual([1, 2]);
    expect(d.probs[0]).toBeCloseTo(0.625, 5);
    expect(d.probs[1]).toBeCloseTo(0.375, 5);
  });

  it('top-p keeps the smallest prefix reaching p', () => {
    const d = processDistribution(p, { temperature: 1, topK: 0, topP: 0.75 });
    expect(Array.from(d.tokens)).toEqual([1, 2]);
  });

  it('temperature sharpens (T < 1) and flattens (T > 1)', () => {
    const cold = processDistribution(p, { temperature: 0.5, topK: 0, topP: 1 });
    const hot = processDistribution(p, { temperature: 2, topK: 0, topP: 1 });
    expect(cold.probs[0]!).toBeGreaterThan(0.5);
    expect(hot.probs[0]!).toBeLessThan(0.5);
  });

  it('refuses invalid parameters', () => {
    expect(() => validateSampling({ temperature: -1, topK: 0, topP: 1 })).toThrow(/temperature/);
    expect(() => validateSampling({ temperature: 1, topK: 1.5, topP: 1 })).toThrow(/topK/);
    expect(() => validateSampling({ temperature: 1, topK: 0, topP: 0 })).toThrow(/topP/);
  });
});

describe('verification', () => {
  it('greedy: accepted prefix plus corrected or bonus token', () => {
    expect(verifyGreedy([5, 7, 9], [5, 7, 2, 4])).toEqual({ accepted: 2, token: 2, bonus: false });
    expect(verifyGreedy([5, 7], [5, 7, 4])).toEqual({ accepted: 2, token: 4, bonus: true });
    expect(verifyGreedy([], [3])).toEqual({ accepted: 0, token: 3, bonus: true });
  });

  // One position: draw x ~ q, verify against p; the emitted token must be distributed as p.
  const p = sparse([0, 1, 2, 3], [0.5, 0.3, 0.15, 0.05]);
  const q = sparse([1, 0, 3], [0.6, 0.3, 0.1]); // sparse: token 2 outside the draft support
  const N = 60_000;
  // Critical chi-square value for 3 degrees of freedom at p = 0.001 is 16.27.
  const CRITICAL = 16.27;

  function emitted(rule: 'exact' | 'greedy-accept'): number[] {
    const rng = new Rng(2024);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < N; i++) {
      const x = sample(q, rng);
      let token: number;
      if (rule === 'exact') {
        const r = verifyRejection([x], [q], [p, p], rng);
        token = r.accepted === 1 ? x : r.token;
      } else {
        // A plausible but wrong rule: accept whenever p(x) > q(x), else resample from p.
        const px = p.probs[Array.from(p.tokens).indexOf(x)] ?? 0;
        const qx = q.probs[Array.from(q.tokens).indexOf(x)] ?? 0;
        token = px > qx ? x : sample(p, rng);
      }
      counts[token]!++;
    }
    return counts;
  }

  it('rejection sampling emits exactly the target distribution, with a sparse draft distribution', () => {
    expect(chiSquare(emitted('exact'), Array.from(p.probs), N)).toBeLessThan(CRITICAL);
  });

  it('the same test catches a wrong acceptance rule', () => {
    expect(chiSquare(emitted('greedy-accept'), Array.from(p.probs), N)).toBeGreaterThan(CRITICAL * 10);
  });
});

describe('SI, DSI, SSD-DSI and auto (any plan per round, declined tasks) under sampling keep the target distribution', () => {
  // Target-only sampling of the first two output tokens gives the reference distribution.
  const V = 3;
  const model = toyModel(V, 0.6, 77, 0.55);
  const sampling = { temperature: 1, topK: 0, topP: 1 };
  const prompt = [1, 2];
  const N = 6000;
  /** Pre-drafted tokens that went to verification, over every `ssd` run. */
  let predraftsUsed = 0;

  /** `ssd`: DSI with pre-drafting (branches of the drafter's runner-ups, some requests failing). */
  function histogram(mode: 'nonsi' | 'si' | 'dsi' | 'auto' | 'ssd', seed0: number): number[] {
    const counts = new Array(V * V).fill(0);
    const ssd = mode === 'ssd';
    for (let i = 0; i < N; i++) {
      // auto: every round a different plan (plain, SI or DSI, any window), parallel tasks declined at
      // random, as a loaded cluster would make it.
      const plans = new Rng(seed0 + i + 99);
      const { tokens, orch } = drive({
        mode: ssd ? 'dsi' : mode,
        k: 3,
        maxTasks: mode === 'dsi' || mode === 'auto' || ssd ? 3 : 1,
        maxTokens: 2,
        prompt,
        model,
        sampling,
        seed: seed0 + i,
        declineRate: mode === 'nonsi' ? 0 : 0.3,
        nextRound: () => ({ k: Math.floor(plans.float() * 4), sp: 1 + Math.floor(plans.float() * 3) }),
        ...(ssd
          ? {
              predraft: { drafters: 2, alternatives: 2 },
              predraftFailure: 0.1,
              // A pre-draft goes to verification with the drafter's distribution after exactly the
              // prefix it extends: the one its token was sampled from.
              onVerify: (prefix: readonly number[], drafts: readonly DraftToken[]) => {
                const ctx = [...prefix];
                for (const d of drafts) {
                  const q = processDistribution(model.draft(ctx), sampling);
                  expect(Array.from(d.dist!.tokens)).toEqual(Array.from(q.tokens));
                  expect(Array.from(d.dist!.probs)).toEqual(Array.from(q.probs));
                  ctx.push(d.token);
                }
              },
            }
          : {}),
      });
      counts[tokens[0]! * V + tokens[1]!]++;
      predraftsUsed += orch.predraftStats?.usedTokens ?? 0;
    }
    return counts;
  }

  it('matches the non-speculative distribution over the first two tokens (chi-square, 8 dof)', () => {
    const reference = histogram('nonsi', 1_000_000).map((c) => c / N);
    // 8 degrees of freedom: critical value 26.12 at p = 0.001. Both samples are noisy: double it.
    for (const mode of ['si', 'dsi', 'auto', 'ssd'] as const) {
      const x2 = chiSquare(histogram(mode, 0), reference, N);
      expect(x2).toBeLessThan(2 * 26.12);
    }
    // The second token came from a pre-draft in a good share of the SSD-DSI runs.
    expect(predraftsUsed).toBeGreaterThan(N / 10);
  });
});
