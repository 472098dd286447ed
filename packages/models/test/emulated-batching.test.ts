import { type BatchCostProfile, batchStepMs } from '@specmesh/core';
import { CancelledError } from '@specmesh/protocol';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EmulatedModel } from '../src/emulated/emulated-model.js';
import { WORD_BASE } from '../src/emulated/emulated-tokenizer.js';

// Whole-millisecond costs: fake timers truncate fractional delays.
const PROFILE: BatchCostProfile = { baseMs: 20, perPositionMs: 2, kneePositions: 8 };

// setImmediate stays real (fake timers would delay one scheduled during a tick by 1 ms): a pass starts
// on the real next turn, then its duration runs on the fake clock.
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/** Advances the fake clock by `ms`, letting passes start and chain on the way. */
async function advance(ms: number): Promise<void> {
  await nextTurn();
  await vi.advanceTimersByTimeAsync(ms);
  await nextTurn();
}

/** Resolves to the fake time at which `p` settled. */
function settledAt(p: Promise<unknown>): Promise<number> {
  return p.then(
    () => Date.now(),
    () => Date.now(),
  );
}

const ctx = (...t: number[]) => Uint32Array.from(t);
const batching = (profile = PROFILE) => new EmulatedModel({ seed: 3, batching: profile });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('emulated model with batching', () => {
  it('serves concurrent steps of different sessions in one pass, positions summed', async () => {
    const m = batching();
    const t0 = Date.now();
    const done = [
      m.evaluate('a', ctx(1, 300), 1), // a prefill: 2 positions
      m.predict('b', ctx(1, 301, 302), 2), // 3
      m.predict('c', ctx(1), 1), // 1
    ].map(settledAt);
    await advance(batchStepMs(PROFILE, 6) - 1);
    expect(m.passStats).toEqual({ passes: 1, positions: 6, steps: 3 });
    await advance(1);
    expect((await Promise.all(done)).map((t) => t - t0)).toEqual([30, 30, 30]);
    expect(m.batchCost).toEqual(PROFILE);
  });

  it('gathers the sessions of the last pass: one back a little before the other waits for it', async () => {
    const m = batching(); // gathers up to 5% of a 20 ms pass: 1 ms
    await Promise.all([m.predict('a', ctx(1, 300), 1), m.predict('b', ctx(1, 301), 1), advance(60)]);
    const passes = m.passStats!.passes;
    const a = settledAt(m.predict('a', ctx(1, 300, 302), 1));
    await nextTurn();
    await vi.advanceTimersByTimeAsync(0.5);
    const b = settledAt(m.predict('b', ctx(1, 301, 303), 1));
    await advance(60);
    // One pass for both, not a pass for each.
    expect(m.passStats!.passes).toBe(passes + 1);
    expect(await a).toBe(await b);
    // Nobody else comes back: the pass starts once the gathering time is over.
    const t0 = Date.now();
    const c = settledAt(m.predict('c', ctx(1), 1));
    await advance(1);
    await advance(batchStepMs(PROFILE, 1));
    expect((await c) - t0).toBe(1 + batchStepMs(PROFILE, 1));
    // The next lone step (the last pass held one) does not wait at all.
    const t1 = Date.now();
    const d = settledAt(m.predict('d', ctx(1), 1));
    await advance(batchStepMs(PROFILE, 1));
    expect((await d) - t1).toBe(batchStepMs(PROFILE, 1));
  });

  it('makes a step that arrives during a pass wait for the next one', async () => {
    const m = batching();
    const t0 = Date.now();
    const a = settledAt(m.predict('a', ctx(1, 300, 301, 302), 1)); // 4 positions: 26 ms
    await advance(10);
    const b = settledAt(m.predict('b', ctx(1), 1)); // 1 position: 20 ms
    await advance(16);
    expect((await a) - t0).toBe(26);
    expect(m.passStats).toEqual({ passes: 2, positions: 5, steps: 2 });
    await advance(20);
    expect((await b) - t0).toBe(46);
  });

  it.each([1, 3, 8, 12, 16])('a pass of %i positions lasts batchStepMs of them', async (n) => {
    const m = batching();
    const prompt = Uint32Array.from({ length: n }, (_, i) => WORD_BASE + i);
    const t0 = Date.now();
    const p = settledAt(m.predict('s', prompt, 1));
    await advance(100);
    expect((await p) - t0).toBe(batchStepMs(PROFILE, n));
  });

  it('counts only what a session does not hold: the common prefix is kept, the tail dropped', async () => {
    const m = batching();
    const first = m.predict('s', ctx(1, 300, 301, 302), 1);
    await advance(100);
    await first;
    const t0 = Date.now();
    const p = settledAt(m.predict('s', ctx(1, 300, 305, 306, 307), 2)); // keeps [1, 300]: 3 fresh
    await advance(100);
    expect((await p) - t0).toBe(batchStepMs(PROFILE, 3));
    expect(m.held('s')).toBe(5);
    expect(m.passStats).toEqual({ passes: 2, positions: 7, steps: 2 });
  });

  it('turns compute-bound past the knee: two 8-position prefills cost twice the knee', async () => {
    const m = batching();
    const prompt = Uint32Array.from({ length: 8 }, (_, i) => WORD_BASE + i);
    const t0 = Date.now();
    const done = [m.predict('a', prompt, 1), m.predict('b', prompt, 1)].map(settledAt);
    await advance(100);
    expect((await Promise.all(done)).map((t) => t - t0)).toEqual([68, 68]);
    expect(batchStepMs(PROFILE, 16)).toBe(2 * batchStepMs(PROFILE, 8));
  });

  it('runs generate as one step per token, concurrent generations sharing each pass', async () => {
    const m = batching();
    const reference = new EmulatedModel({ seed: 3 });
    const gens = [m.generate('a', ctx(1, 300), 5), m.generate('b', ctx(1, 400), 5)];
    for (let i = 0; i < 5; i++) await advance(50);
    const [a, b] = await Promise.all(gens);
    expect(a).toEqual(await reference.generate('a', ctx(1, 300), 5));
    expect(b).toEqual(await reference.generate('b', ctx(1, 400), 5));
    // Prefills of 2 positions each, then one position per session per pass.
    expect(m.passStats).toEqual({ passes: 5, positions: 4 + 4 * 2, steps: 10 });
  });

  it('drops a step aborted while it waits: no cost, CancelledError, no pass for it', async () => {
    const m = batching();
    const a = m.predict('a', ctx(1), 1);
    await advance(5);
    const ac = new AbortController();
    const b = m.predict('b', ctx(1, 300, 301), 1, ac.signal);
    ac.abort();
    await expect(b).rejects.toBeInstanceOf(CancelledError);
    await advance(100);
    await a;
    expect(m.passStats).toEqual({ passes: 1, positions: 1, steps: 1 });
    expect(m.held('b')).toBe(0);
  });

  it('rejects a step aborted during its pass at once; the pass runs on for the others', async () => {
    const m = batching();
    const ac = new AbortController();
    const t0 = Date.now();
    const a = m.predict('a', ctx(1, 300), 1, ac.signal);
    const b = settledAt(m.predict('b', ctx(1, 400), 1));
    await advance(5);
    ac.abort();
    await expect(a).rejects.toBeInstanceOf(CancelledError);
    expect(Date.now() - t0).toBe(5);
    await advance(100);
    expect((await b) - t0).toBe(batchStepMs(PROFILE, 4));
    expect(m.passStats).toEqual({ passes: 1, positions: 4, steps: 2 });
    expect(m.held('a')).toBe(0);
    expect(m.held('b')).toBe(2);
  });

  it('refuses a step whose signal was aborted before it started', async () => {
    const m = batching();
    const ac = new AbortController();
    ac.abort();
    await expect(m.predict('a', ctx(1), 1, ac.signal)).rejects.toBeInstanceOf(CancelledError);
    await advance(100);
    expect(m.passStats).toEqual({ passes: 0, positions: 0, steps: 0 });
  });

  it('keeps the per-call model when batching is off, and validates the profile', () => {
    expect(new EmulatedModel().passStats).toBeUndefined();
    expect(new EmulatedModel().batchCost).toBeUndefined();
    expect(() => batching({ ...PROFILE, kneePositions: 0 })).toThrow(/kneePositions/);
  });

  it('produces exactly the non-batching outputs and caches for any concurrent workload', async () => {
    const op = fc.record({
      kind: fc.constantFrom('evaluate', 'predict', 'generate', 'truncate'),
      keep: fc.nat(12),
      add: fc.array(fc.integer({ min: WORD_BASE, max: 511 }), { minLength: 1, maxLength: 5 }),
      count: fc.integer({ min: 1, max: 4 }),
    });
    type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;
    const run = async (m: EmulatedModel, sessions: Op[][]) =>
      Promise.all(
        sessions.map(async (ops, s) => {
          const id = `s${s}`;
          const seen: unknown[] = [];
          let prev: number[] = [1];
          for (const o of ops) {
            if (o.kind === 'truncate') {
              m.truncate(id, o.keep);
              seen.push(m.held(id));
              continue;
            }
            const context = Uint32Array.from([...prev.slice(0, Math.max(1, o.keep)), ...o.add]);
            const outputs = Math.min(o.count, context.length);
            if (o.kind === 'evaluate') seen.push(await m.evaluate(id, context, outputs));
            else if (o.kind === 'predict') seen.push(await m.predict(id, context, outputs));
            else seen.push(await m.generate(id, context, o.count));
            seen.push(m.held(id));
            prev = Array.from(context);
          }
          return seen;
        }),
      );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(op, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        async (sessions, jitter) => {
          const reference = await run(new EmulatedModel({ seed: 7 }), sessions);
          const m = new EmulatedModel({ seed: 7, batching: PROFILE, latency: { jitter } });
          let result: unknown[][] | undefined;
          const pending = run(m, sessions).then((r) => {
            result = r;
          });
          while (result === undefined) await advance(50);
          await pending;
          expect(result).toEqual(reference);
        },
      ),
      { numRuns: 40 },
    );
  });
});
