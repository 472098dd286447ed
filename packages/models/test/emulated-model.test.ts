import { argmax, runVirtual } from '@specmesh/core';
import { CancelledError } from '@specmesh/protocol';
import { describe, expect, it } from 'vitest';
import { EmulatedModel, emulatedPair } from '../src/emulated/emulated-model.js';
import { generateRanked } from '../src/greedy.js';
import { estimateAcceptance, oracleOf } from '../src/oracle.js';

describe('emulated model', () => {
  it.each([0.3, 0.5, 0.7, 0.9, 0.95])(
    'a drafter built with agreement %f measures within ±0.02 (DSI estimator)',
    (a) => {
      for (const seed of [3, 17]) {
        const { target, drafter } = emulatedPair({ agreement: a, seed });
        expect(
          Math.abs(estimateAcceptance(target, drafter, [1, 400 + seed], 20_000) - a),
        ).toBeLessThanOrEqual(0.02);
      }
    },
  );

  it('is deterministic and its distributions have a clear argmax that matches the greedy rule', () => {
    const m1 = new EmulatedModel({ seed: 5 });
    const m2 = new EmulatedModel({ seed: 5 });
    const ctx = [1, 300, 301];
    const p = m1.distribution(ctx);
    expect(Array.from(p)).toEqual(Array.from(m2.distribution(ctx)));
    expect(argmax(p)).toBe(m1.targetArgmax(ctx));
    expect(p[argmax(p)]!).toBeGreaterThan(0.8);
    expect(p.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 5);
  });

  it('tokenizes any text through byte fallback and detokenizes it back', () => {
    const m = new EmulatedModel();
    for (const text of ['hello', 'Grüße, 世界! 🚀', '']) expect(m.detokenize(m.tokenize(text))).toBe(text);
  });

  it('evaluates only what a session lacks and truncates a diverging tail', async () => {
    const m = new EmulatedModel();
    const out = await m.evaluate('s', Uint32Array.of(1, 300, 301, 302), 3);
    expect(out).toHaveLength(3);
    expect(m.held('s')).toBe(4);
    await m.evaluate('s', Uint32Array.of(1, 300, 305), 1);
    expect(m.held('s')).toBe(3);
    m.truncate('s', 1);
    expect(m.held('s')).toBe(1);
    m.release('s');
    expect(m.held('s')).toBe(0);
  });

  it('waits on timers, not the CPU: 40 concurrent 200 ms evaluations overlap', async () => {
    const m = new EmulatedModel({ latency: { ttftMs: 200 } });
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 40 }, (_, i) => m.evaluate(`s${i}`, Uint32Array.of(1, 300), 1)));
    // Sequential would be 8 s.
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('charges TTFT on a session first call, TPOT after, plus per-token cost', async () => {
    const m = new EmulatedModel({ latency: { ttftMs: 400, tpotMs: 20, perTokenMs: 10 } });
    let t0 = Date.now();
    await m.evaluate('x', Uint32Array.of(1, 300), 1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(395);
    t0 = Date.now();
    await m.evaluate('x', Uint32Array.of(1, 300, 301, 302, 303, 304), 5);
    const took = Date.now() - t0;
    // Four new positions: 20 + 3 × 10 ms, far below the first call's 400 ms even on a busy machine.
    expect(took).toBeGreaterThanOrEqual(45);
    expect(took).toBeLessThan(300);
  });

  it('honours an AbortSignal', async () => {
    const m = new EmulatedModel({ latency: { ttftMs: 5000 } });
    const ac = new AbortController();
    const p = m.evaluate('a', Uint32Array.of(1), 1, ac.signal);
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(CancelledError);
  });

  it('refuses at once a step whose signal was aborted before it started (a preempted, queued step)', async () => {
    const m = new EmulatedModel({ latency: { ttftMs: 2000 } });
    const ac = new AbortController();
    ac.abort();
    const t0 = Date.now();
    await expect(m.evaluate('q', Uint32Array.of(1), 1, ac.signal)).rejects.toBeInstanceOf(CancelledError);
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it('drives the core runner losslessly through its token oracle', () => {
    const { target, drafter } = emulatedPair({ agreement: 0.7, seed: 9 });
    const base = {
      k: 4,
      targets: 3,
      maxTokens: 40,
      prompt: [1, 333],
      oracle: oracleOf(target, drafter),
      drafter: { ttft: 0.1, tpot: 0.1 },
      target: { ttft: 1, tpot: 1 },
    };
    const ref = runVirtual({ ...base, mode: 'nonsi' }).tokens;
    expect(runVirtual({ ...base, mode: 'si' }).tokens).toEqual(ref);
    expect(runVirtual({ ...base, mode: 'dsi' }).tokens).toEqual(ref);
  });

  it('holds the target token at its runner-up ranks as often as runnerUpHits says, where the draft is wrong', () => {
    const hits = [0.5, 0.2, 0.1];
    const { target, drafter } = emulatedPair({ agreement: 0.6, seed: 4, runnerUpHits: hits });
    const at = [0, 0, 0, 0];
    let wrong = 0;
    for (let i = 0; i < 20_000; i++) {
      const ctx = [1, 300 + (i % 97), 301 + ((i * 7) % 89), 260 + (i % 151), i % 200];
      const t = target.argmax(ctx);
      if (drafter.argmax(ctx) === t) continue;
      wrong++;
      const ups = drafter.runnerUps(ctx, 4);
      expect(new Set(ups).size).toBe(4);
      expect(ups).not.toContain(drafter.argmax(ctx));
      const r = ups.indexOf(t);
      if (r >= 0) at[r]!++;
    }
    expect(wrong).toBeGreaterThan(6000);
    for (const [r, h] of hits.entries()) expect(Math.abs(at[r]! / wrong - h)).toBeLessThan(0.02);
    // Rank 4 is beyond the model's shares: never the target's token.
    expect(at[3]).toBe(0);
  });

  it('ranks its runner-ups in its distribution, and leaves the target and the old runner-up alone', () => {
    const ctx = [1, 310, 320, 330];
    const plain = new EmulatedModel({ seed: 2, agreement: 0.5 });
    const ranked = new EmulatedModel({ seed: 2, agreement: 0.5, runnerUpHits: [0.5, 0.25] });
    // Without hits: one runner-up with the whole runner-up mass, as before.
    const p = plain.distribution(ctx);
    const [first] = plain.runnerUps(ctx, 1);
    const spread = Math.min(...Array.from(p).filter((x) => x > 0));
    expect(p[first!]! - spread).toBeCloseTo(0.1, 5);
    // With hits: the mass splits 2:1 over the two ranks, the order of `alternatives`.
    const q = ranked.distribution(ctx);
    const alts = ranked.alternatives(ctx, 2);
    expect(alts.map((a) => q[a.token]!)).toEqual(alts.map((a) => Math.fround(a.prob)));
    expect(alts[0]!.prob - alts[1]!.prob).toBeCloseTo(0.1 / 3, 5);
    expect(q.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 5);
    // A target ignores the option: its distribution is the plain one.
    const t1 = new EmulatedModel({ seed: 2 }).distribution(ctx);
    const t2 = new EmulatedModel({ seed: 2, runnerUpHits: [0.5] }).distribution(ctx);
    expect(Array.from(t2)).toEqual(Array.from(t1));
  });

  it('generates with runner-ups at the cost of a plain generation, tokens unchanged', async () => {
    const m = new EmulatedModel({
      seed: 6,
      agreement: 0.7,
      runnerUpHits: [0.5, 0.2],
      latency: { tpotMs: 1 },
    });
    const ctx = Uint32Array.from([1, 300, 301]);
    const plain = await m.generate('a', ctx, 5);
    const r = await m.generateRanked('b', ctx, 5, 3);
    expect(Array.from(r.tokens)).toEqual(Array.from(plain));
    expect(r.width).toBe(3);
    const seq = [...ctx];
    for (let i = 0; i < 5; i++) {
      expect(Array.from(r.alternatives.subarray(i * 3, i * 3 + 3))).toEqual(m.runnerUps(seq, 3));
      seq.push(r.tokens[i]!);
    }
    // The generic path (from distributions) ranks the same tokens.
    const generic = await generateRanked(
      { info: m.info, evaluate: (s, c, o, sig) => m.evaluate(s, c, o, sig) },
      'c',
      ctx,
      5,
      2,
    );
    expect(Array.from(generic.tokens)).toEqual(Array.from(r.tokens));
    // (Only the ranks with a mass of their own: the rest tie.)
    expect(Array.from(generic.alternatives)).toEqual(Array.from(r.alternatives).filter((_, i) => i % 3 < 2));
  });

  it('validates its options', () => {
    expect(() => new EmulatedModel({ agreement: 0.5, runnerUpHits: [0.7, 0.6] })).toThrow(/runnerUpHits/);
    expect(() => new EmulatedModel({ vocabSize: 100 })).toThrow(/vocabSize/);
    expect(() => new EmulatedModel({ peak: 1.5 })).toThrow(/peak/);
    expect(() => new EmulatedModel({ agreement: 2 })).toThrow(/agreement/);
  });
});
