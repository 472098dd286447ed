import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Orchestrator } from '../src/orchestrator.js';
import { Rng } from '../src/rng.js';
import { argmax, GREEDY } from '../src/sampling.js';
import { agreementOracle, runVirtual } from '../src/virtual-runner.js';
import { drive, greedyReference, toyModel } from './sync-driver.js';

describe('orchestration is lossless under greedy decoding', () => {
  it('SI and DSI reproduce non-SI greedy output for thousands of random configurations (virtual time)', () => {
    fc.assert(
      fc.property(
        fc.record({
          k: fc.integer({ min: 1, max: 8 }),
          targets: fc.integer({ min: 1, max: 7 }),
          a: fc.double({ min: 0, max: 1, noNaN: true }),
          seed: fc.nat(),
          maxTokens: fc.integer({ min: 1, max: 40 }),
          c: fc.double({ min: 0.01, max: 1, noNaN: true }),
          perToken: fc.double({ min: 0, max: 0.3, noNaN: true }),
          eos: fc.boolean(),
        }),
        (cfg) => {
          const oracle = agreementOracle({ acceptance: cfg.a, seed: cfg.seed, vocab: cfg.eos ? 8 : 1000 });
          const base = {
            k: cfg.k,
            targets: cfg.targets,
            maxTokens: cfg.maxTokens,
            prompt: [1, 5, 7],
            oracle,
            drafter: { ttft: cfg.c, tpot: cfg.c },
            target: { ttft: 1, tpot: 1, perToken: cfg.perToken },
            ...(cfg.eos ? { eosId: 3 } : {}),
          };
          const ref = runVirtual({ ...base, mode: 'nonsi' });
          for (const mode of ['si', 'dsi'] as const) {
            const r = runVirtual({ ...base, mode });
            expect(r.tokens).toEqual(ref.tokens);
            expect(r.finishReason).toBe(ref.finishReason);
          }
          // SSD-DSI: pre-drafting on 1 to 4 more drafter instances.
          const ssd = runVirtual({ ...base, mode: 'dsi', predraft: { drafters: 1 + (cfg.seed % 4) } });
          expect(ssd.tokens).toEqual(ref.tokens);
          expect(ssd.finishReason).toBe(ref.finishReason);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('survives results out of order, duplicated and late after a cancel', () => {
    fc.assert(
      fc.property(
        fc.record({
          mode: fc.constantFrom('si' as const, 'dsi' as const, 'nonsi' as const),
          k: fc.integer({ min: 1, max: 6 }),
          maxTasks: fc.integer({ min: 1, max: 5 }),
          agreement: fc.double({ min: 0, max: 1, noNaN: true }),
          seed: fc.nat(),
          maxTokens: fc.integer({ min: 1, max: 30 }),
          duplicateRate: fc.double({ min: 0, max: 0.5, noNaN: true }),
        }),
        (cfg) => {
          const model = toyModel(6, cfg.agreement, cfg.seed);
          const prompt = [1, 2];
          const ref = greedyReference(model, prompt, cfg.maxTokens, 0);
          const r = drive({
            ...cfg,
            maxTasks: cfg.mode === 'dsi' ? cfg.maxTasks : 1,
            prompt,
            eosId: 0,
            model,
            sampling: GREEDY,
            duplicateRate: cfg.duplicateRate,
          });
          expect(r.tokens).toEqual(ref);
        },
      ),
      { numRuns: 1500 },
    );
  });
});

describe('pre-drafting (SSD) is lossless under greedy decoding', () => {
  it('any acceptance pattern, branch hits and misses, failed pre-drafts, results in any order: the target output, every draft from its own prefix', () => {
    let hits = 0;
    let misses = 0;
    fc.assert(
      fc.property(
        fc.record({
          mode: fc.constantFrom('si' as const, 'dsi' as const, 'auto' as const),
          k: fc.integer({ min: 1, max: 5 }),
          maxTasks: fc.integer({ min: 1, max: 5 }),
          agreement: fc.double({ min: 0, max: 1, noNaN: true }),
          seed: fc.nat(),
          maxTokens: fc.integer({ min: 1, max: 30 }),
          duplicateRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
          drafters: fc.integer({ min: 1, max: 4 }),
          alternatives: fc.integer({ min: 1, max: 3 }),
          branches: fc.integer({ min: 1, max: 8 }),
          chunk: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
          randomRunnerUps: fc.double({ min: 0, max: 1, noNaN: true }),
          predraftFailure: fc.double({ min: 0, max: 0.3, noNaN: true }),
          lateResults: fc.boolean(),
        }),
        (cfg) => {
          const model = toyModel(6, cfg.agreement, cfg.seed);
          const prompt = [1, 2];
          const ref = greedyReference(model, prompt, cfg.maxTokens, 0);
          const plans = new Rng(cfg.seed + 5);
          const r = drive({
            ...cfg,
            maxTasks: cfg.mode === 'si' ? 1 : cfg.maxTasks,
            prompt,
            eosId: 0,
            model,
            sampling: GREEDY,
            predraft: {
              drafters: cfg.drafters,
              alternatives: cfg.alternatives,
              branches: cfg.branches,
              ...(cfg.chunk !== undefined ? { chunk: cfg.chunk } : {}),
            },
            nextRound: () => ({ k: Math.floor(plans.float() * 4), sp: 1 + Math.floor(plans.float() * 3) }),
            // Every draft verified, pre-drafted or not, is the drafter's greedy token after exactly
            // the prefix and drafts before it.
            onVerify: (prefix, drafts) => {
              const ctx = [...prefix];
              for (const d of drafts) {
                expect(d.token).toBe(argmax(model.draft(ctx)));
                ctx.push(d.token);
              }
            },
          });
          expect(r.tokens).toEqual(ref);
          // Never more requests running than the instances lent.
          expect(r.maxPredraftsRunning).toBeLessThanOrEqual(cfg.drafters);
          const s = r.orch.predraftStats!;
          const sum = (xs: number[]) => xs.reduce((x, y) => x + y, 0);
          expect(sum(s.rejectionsBySlot)).toBe(r.orch.stats.rejections);
          hits += sum(s.hitsBySlot);
          misses += sum(s.rejectionsBySlot) - sum(s.hitsBySlot);
        },
      ),
      { numRuns: 1000 },
    );
    // The runs exercised both outcomes.
    expect(hits).toBeGreaterThan(100);
    expect(misses).toBeGreaterThan(100);
  });

  it('a matching rejection finds its drafts ready: the next task goes out with them at once', () => {
    // The drafter's first runner-up is always the target's token: every rejection can be a hit.
    const oracle = agreementOracle({ acceptance: 0.6, seed: 3, runnerUpHits: [1] });
    const base = {
      mode: 'dsi' as const,
      k: 2,
      targets: 2,
      maxTokens: 40,
      prompt: [1, 5],
      oracle,
      drafter: { ttft: 0.3, tpot: 0.3 },
      target: { ttft: 1, tpot: 1 },
    };
    const plain = runVirtual(base);
    const ssd = runVirtual({ ...base, predraft: { drafters: 2 } });
    expect(ssd.tokens).toEqual(plain.tokens);
    const s = ssd.predraft!;
    expect(s.hitsBySlot.reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
    expect(s.usedTokens).toBeGreaterThan(0);
    expect(ssd.time).toBeLessThan(plain.time);
    expect(ssd.predraftUnused).toBeLessThanOrEqual(ssd.predraftBusy);
    expect(ssd.predraftBusy).toBeGreaterThan(0);
  });
});

describe('edge cases', () => {
  const oracleFor = (a: number) => agreementOracle({ acceptance: a, seed: 11 });
  const run = (mode: 'nonsi' | 'si' | 'dsi', extra: Partial<Parameters<typeof runVirtual>[0]> = {}) =>
    runVirtual({
      mode,
      k: 4,
      targets: 3,
      maxTokens: 20,
      prompt: [1, 9],
      oracle: oracleFor(0.8),
      drafter: { ttft: 0.1, tpot: 0.1 },
      target: { ttft: 1, tpot: 1 },
      ...extra,
    });

  it('k = 1 works in every mode', () => {
    const ref = run('nonsi').tokens;
    expect(run('si', { k: 1 }).tokens).toEqual(ref);
    expect(run('dsi', { k: 1 }).tokens).toEqual(ref);
  });

  it('acceptance 0: every draft rejected, output still exact; acceptance 1: every draft accepted', () => {
    for (const a of [0, 1]) {
      const oracle = oracleFor(a);
      const ref = run('nonsi', { oracle });
      const si = run('si', { oracle });
      const dsi = run('dsi', { oracle });
      expect(si.tokens).toEqual(ref.tokens);
      expect(dsi.tokens).toEqual(ref.tokens);
      if (a === 0) expect(si.stats.acceptedDrafts).toBe(0);
      if (a === 1) {
        expect(si.stats.acceptedDrafts).toBe(si.stats.verifiedDrafts);
        expect(si.stats.rejections).toBe(0);
      }
    }
  });

  it('stops exactly at EOS inside a draft block, and at max tokens inside a block', () => {
    // A tiny vocabulary makes the end-of-sequence id (3) come up quickly.
    const oracle = agreementOracle({ acceptance: 1, seed: 5, vocab: 6 });
    const ref = run('nonsi', { oracle, eosId: 3, maxTokens: 200 });
    expect(ref.tokens[ref.tokens.length - 1]).toBe(3);
    expect(ref.finishReason).toBe('stop');
    for (const mode of ['si', 'dsi'] as const) {
      const r = run(mode, { oracle, eosId: 3, maxTokens: 200, k: 8 });
      expect(r.tokens).toEqual(ref.tokens);
      expect(r.finishReason).toBe('stop');
    }
    for (const mode of ['si', 'dsi'] as const) {
      const r = run(mode, { maxTokens: 7, k: 5, oracle: oracleFor(1) });
      expect(r.tokens).toHaveLength(7);
      expect(r.finishReason).toBe('length');
    }
  });

  it('ignores unknown, duplicate and post-finish results, and re-issues failed tasks', () => {
    const o = new Orchestrator({ mode: 'nonsi', k: 1, maxTokens: 2, prompt: [1] });
    const [first] = o.start();
    expect(first).toMatchObject({ type: 'verify', base: 1, drafts: [] });
    const id = (first as { taskId: string }).taskId;
    expect(o.handle({ type: 'verified', taskId: 'nope', accepted: 0, token: 5, bonus: true })).toEqual([]);
    const retry = o.handle({ type: 'failed', taskId: id });
    expect(retry[0]).toEqual({ type: 'cancel', taskIds: [id] });
    const id2 = (retry[1] as { taskId: string }).taskId;
    expect(id2).not.toBe(id);
    expect(o.handle({ type: 'verified', taskId: id, accepted: 0, token: 5, bonus: true })).toEqual([]);
    const c1 = o.handle({ type: 'verified', taskId: id2, accepted: 0, token: 5, bonus: true });
    expect(c1[0]).toEqual({ type: 'commit', tokens: [5], sources: [0] });
    expect(o.handle({ type: 'verified', taskId: id2, accepted: 0, token: 5, bonus: true })).toEqual([]);
    expect(o.stats.staleEvents).toBe(3);
  });

  it('cancel ends the generation and cancels tasks in flight', () => {
    const o = new Orchestrator({ mode: 'dsi', k: 2, maxTasks: 3, maxTokens: 50, prompt: [1] });
    o.start();
    const out = o.handle({ type: 'cancelled' });
    expect(out.at(-1)).toEqual({ type: 'done', reason: 'cancelled' });
    expect(out.some((c) => c.type === 'cancel')).toBe(true);
    expect(o.handle({ type: 'cancelled' })).toEqual([]);
  });

  it('validates its options, naming the problem', () => {
    const base = { mode: 'si' as const, k: 4, maxTokens: 8, prompt: [1] };
    expect(() => new Orchestrator({ ...base, k: 0 })).toThrow(/k must be/);
    expect(() => new Orchestrator({ ...base, maxTokens: 0 })).toThrow(/maxTokens/);
    expect(() => new Orchestrator({ ...base, maxTasks: 0 })).toThrow(/maxTasks/);
    expect(() => new Orchestrator({ ...base, maxDepth: 2 })).toThrow(/maxDepth/);
    expect(() => new Orchestrator({ ...base, mode: 'x' as 'si' })).toThrow(/unknown mode/);
  });
});

describe("DSI's theorem in virtual time", () => {
  it('DSI is never slower than non-SI, and on average not slower than SI, over a grid of c, a, k', () => {
    for (const c of [0.05, 0.2, 0.5, 1]) {
      for (const a of [0.1, 0.5, 0.9]) {
        for (const k of [1, 3, 5]) {
          // Enough targets so no task waits: ceil(T_target / (k * T_drafter)), capped at 7.
          const targets = Math.min(7, Math.ceil(1 / (k * c)));
          let si = 0;
          let dsi = 0;
          for (let seed = 0; seed < 6; seed++) {
            const base = {
              k,
              targets,
              maxTokens: 60,
              prompt: [1, seed],
              oracle: agreementOracle({ acceptance: a, seed }),
              drafter: { ttft: c, tpot: c },
              target: { ttft: 1, tpot: 1 },
            };
            const non = runVirtual({ ...base, mode: 'nonsi' }).time;
            const s = runVirtual({ ...base, mode: 'si' }).time;
            const d = runVirtual({ ...base, mode: 'dsi' }).time;
            expect(d).toBeLessThanOrEqual(non + 1e-9);
            si += s;
            dsi += d;
          }
          expect(dsi).toBeLessThanOrEqual(si * 1.02);
        }
      }
    }
  });
});
