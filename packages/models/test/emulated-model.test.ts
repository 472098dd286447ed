import { argmax, runVirtual } from '@specmesh/core';
import { CancelledError } from '@specmesh/protocol';
import { describe, expect, it } from 'vitest';
import { EmulatedModel, emulatedPair } from '../src/emulated/emulated-model.js';
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

  it('validates its options', () => {
    expect(() => new EmulatedModel({ vocabSize: 100 })).toThrow(/vocabSize/);
    expect(() => new EmulatedModel({ peak: 1.5 })).toThrow(/peak/);
    expect(() => new EmulatedModel({ agreement: 2 })).toThrow(/agreement/);
  });
});
