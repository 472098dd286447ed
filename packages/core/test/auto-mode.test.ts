import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseRound, estimateRound, expectedTokens, type RoundView } from '../src/auto/round-choice.js';
import { batchStepMs, TARGET_70B_PROFILE } from '../src/batch-cost.js';
import { Orchestrator } from '../src/orchestrator.js';
import { Rng } from '../src/rng.js';
import { GREEDY } from '../src/sampling.js';
import { drive, greedyReference, toyModel } from './sync-driver.js';

describe('auto mode is lossless whatever it plans', () => {
  it('any sequence of round plans, with declined parallel tasks and shuffled results, gives the greedy output', () => {
    fc.assert(
      fc.property(
        fc.record({
          agreement: fc.double({ min: 0, max: 1, noNaN: true }),
          seed: fc.nat(),
          maxTokens: fc.integer({ min: 1, max: 30 }),
          maxTasks: fc.integer({ min: 1, max: 5 }),
          declineRate: fc.double({ min: 0, max: 0.9, noNaN: true }),
          duplicateRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
          eos: fc.boolean(),
          // The pool's offer of targets for a parallel task, drawn anew at each task (absent: none asked).
          offers: fc.boolean(),
        }),
        (cfg) => {
          const model = toyModel(cfg.eos ? 6 : 40, cfg.agreement, cfg.seed);
          const prompt = [1, 2];
          const plans = new Rng(cfg.seed ^ 0xabc);
          const offers = new Rng(cfg.seed ^ 0x0ff);
          const { tokens, orch } = drive({
            mode: 'auto',
            k: 4,
            maxTasks: cfg.maxTasks,
            maxTokens: cfg.maxTokens,
            prompt,
            model,
            sampling: GREEDY,
            seed: cfg.seed,
            declineRate: cfg.declineRate,
            duplicateRate: cfg.duplicateRate,
            nextRound: () => ({ k: Math.floor(plans.float() * 9), sp: 1 + Math.floor(plans.float() * 4) }),
            ...(cfg.offers ? { parallelism: () => 1 + Math.floor(offers.float() * 3) } : {}),
            ...(cfg.eos ? { eosId: 3 } : {}),
          });
          expect(tokens).toEqual(greedyReference(model, prompt, cfg.maxTokens, cfg.eos ? 3 : undefined));
          expect(orch.rounds.nonsi + orch.rounds.si + orch.rounds.dsi).toBeGreaterThan(0);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('runs each round as its plan says: no drafts in a plain round, one task in an SI round', () => {
    const o = new Orchestrator({
      mode: 'auto',
      k: 4,
      maxTasks: 3,
      maxTokens: 8,
      prompt: [1, 2],
      nextRound: () => ({ k: 0, sp: 3 }),
    });
    expect(o.start()).toEqual([
      expect.objectContaining({ type: 'verify', drafts: [], parallel: false, base: 2 }),
    ]);
    const si = new Orchestrator({
      mode: 'auto',
      k: 4,
      maxTasks: 3,
      maxTokens: 8,
      prompt: [1, 2],
      nextRound: () => ({ k: 3, sp: 1 }),
    });
    expect(si.start()).toEqual([{ type: 'draft', epoch: 0, pos: 2, n: 3 }]);
    expect(si.currentRound).toEqual({ k: 3, sp: 1 });
  });

  it('a DSI round sends its parallel tasks only while the pool offers a target for them', () => {
    const round = (offered: () => number) => {
      const o = new Orchestrator({
        mode: 'auto',
        k: 2,
        maxTasks: 2,
        maxTokens: 40,
        prompt: [1],
        nextRound: () => ({ k: 2, sp: 2 }),
        parallelism: offered,
      });
      o.start();
      const first = o.handle({ type: 'drafted', epoch: 0, pos: 1, tokens: [{ token: 5 }, { token: 6 }] });
      expect(first.filter((c) => c.type === 'verify')).toEqual([
        expect.objectContaining({ type: 'verify', parallel: false }),
      ]);
      return o;
    };
    // One target free: full windows as SI verifies them, the next drafted ahead meanwhile.
    const held = round(() => 1);
    const ahead = held.handle({ type: 'drafted', epoch: 0, pos: 3, tokens: [{ token: 7 }, { token: 8 }] });
    expect(ahead.filter((c) => c.type === 'verify')).toEqual([]);
    expect(held.currentRound).toEqual({ k: 2, sp: 2 });
    // The other target frees up within the round: the next window goes out at once, in parallel.
    let offered = 1;
    const freed = round(() => offered);
    offered = 2;
    const more = freed.handle({ type: 'drafted', epoch: 0, pos: 3, tokens: [{ token: 7 }, { token: 8 }] });
    expect(more.filter((c) => c.type === 'verify')).toEqual([
      expect.objectContaining({ type: 'verify', parallel: true, base: 3 }),
    ]);
  });

  it('a declined parallel task is dropped and the SP degree stays at what is in flight until a commit', () => {
    const o = new Orchestrator({ mode: 'dsi', k: 1, maxTasks: 3, maxTokens: 20, prompt: [1] });
    const out = o.start();
    expect(out).toEqual([
      expect.objectContaining({ type: 'verify', parallel: false }),
      { type: 'draft', epoch: 0, pos: 1, n: 1 },
    ]);
    const second = o.handle({ type: 'drafted', epoch: 0, pos: 1, tokens: [{ token: 5 }] });
    const parallel = second.find((c) => c.type === 'verify');
    expect(parallel).toEqual(expect.objectContaining({ parallel: true }));
    if (parallel?.type !== 'verify') throw new Error('no parallel task');
    const afterDecline = o.handle({ type: 'declined', taskId: parallel.taskId });
    expect(o.stats.declinedTasks).toBe(1);
    // More drafts arrive, but no new parallel task while the cap holds.
    const more = o.handle({ type: 'drafted', epoch: 0, pos: 2, tokens: [{ token: 6 }] });
    expect([...afterDecline, ...more].filter((c) => c.type === 'verify')).toEqual([]);
    expect(o.inflight).toHaveLength(1);
  });

  it('a gap at the verified prefix (a declined task, then a plain or SI round) gets its task: no stall', () => {
    let plan = { k: 2, sp: 3 };
    const o = new Orchestrator({
      mode: 'auto',
      k: 2,
      maxTasks: 3,
      maxTokens: 20,
      prompt: [1],
      nextRound: () => plan,
    });
    const verifies = (cmds: ReturnType<Orchestrator['start']>) =>
      cmds.flatMap((c) => (c.type === 'verify' ? [c] : []));
    const a = verifies(o.start())[0]!; // the prefix task, no drafts yet
    o.handle({ type: 'drafted', epoch: 0, pos: 1, tokens: [{ token: 7 }] });
    const b = verifies(o.handle({ type: 'drafted', epoch: 0, pos: 2, tokens: [{ token: 8 }] }))[0]!;
    o.handle({ type: 'drafted', epoch: 0, pos: 3, tokens: [{ token: 9 }] });
    const c = verifies(o.handle({ type: 'drafted', epoch: 0, pos: 4, tokens: [{ token: 10 }] }))[0]!;
    expect([a.base, b.base, c.base]).toEqual([1, 1, 3]);
    expect([a.parallel, b.parallel, c.parallel]).toEqual([false, true, true]);
    o.handle({ type: 'declined', taskId: b.taskId });
    // The prefix task confirms token 7; task c starts at 3, so position 2 has no task: the gap.
    plan = { k: 2, sp: 1 };
    const next = verifies(
      o.handle({ type: 'verified', taskId: a.taskId, accepted: 0, token: 7, bonus: true }),
    );
    expect(next).toEqual([expect.objectContaining({ base: 2, parallel: false })]);
    // Its verdict, then c's, commit in order.
    expect(next[0]!.drafts.map((d) => d.token)).toEqual([8, 9]);
    o.handle({ type: 'verified', taskId: next[0]!.taskId, accepted: 2, token: 10, bonus: true });
    o.handle({ type: 'verified', taskId: c.taskId, accepted: 2, token: 11, bonus: true });
    expect(o.output).toEqual([7, 8, 9, 10, 11]);
  });

  it('an auto plan with k = 0 never drafts', () => {
    const model = toyModel(30, 0.9, 5);
    const { tokens, orch } = drive({
      mode: 'auto',
      k: 4,
      maxTasks: 2,
      maxTokens: 25,
      prompt: [3],
      model,
      sampling: GREEDY,
      seed: 1,
      nextRound: () => ({ k: 0, sp: 2 }),
    });
    expect(tokens).toEqual(greedyReference(model, [3], 25));
    expect(orch.stats.drafted).toBe(0);
    expect(orch.stats.tasks).toBe(25);
  });
});

describe('chooseRound', () => {
  const target = (sessions: number) => ({ batchCost: TARGET_70B_PROFILE, stepMs: 30, lanes: 1, sessions });
  const view = (o: Partial<RoundView> & { sessions?: number }): RoundView => ({
    acceptance: 0.8,
    draftMsPerToken: 2,
    rttMs: 1,
    target: target(o.sessions ?? 0),
    freeTargets: 1,
    ...o,
  });

  it('speculates on an idle target and decodes plainly on a saturated one, for any acceptance below 1', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.3, max: 0.99, noNaN: true }),
        fc.double({ min: 0.1, max: 5, noNaN: true }),
        fc.double({ min: 0, max: 30, noNaN: true }),
        (acceptance, draftMsPerToken, rttMs) => {
          const idle = chooseRound(view({ acceptance, draftMsPerToken: draftMsPerToken / 4, rttMs }));
          expect(idle.k).toBeGreaterThan(0);
          // Two knees' worth of sessions doing plain steps already keep the target compute-bound.
          const busy = chooseRound(view({ acceptance, draftMsPerToken, rttMs, sessions: 4 * 32 }));
          expect(busy).toEqual({ k: 0, sp: 1 });
        },
      ),
    );
  });

  it('chooses DSI only with free targets, and shorter windows as the target fills', () => {
    expect(chooseRound(view({ freeTargets: 1 })).sp).toBe(1);
    expect(chooseRound(view({ freeTargets: 3 })).sp).toBeGreaterThan(1);
    const ks = [0, 8, 16, 24].map((n) => chooseRound(view({ sessions: n })).k);
    for (let i = 1; i < ks.length; i++) expect(ks[i]!).toBeLessThanOrEqual(ks[i - 1]!);
  });

  it('a target that runs each task alone at a cost that ignores the drafts always pays for speculation', () => {
    // Each task holds a lane for the same time whatever it checks, so drafts are free to the target:
    // the old emulated model's view, under which every load test favoured speculation.
    const lanes = (sessions: number) => ({ stepMs: 20, lanes: 4, sessions });
    for (const n of [0, 4, 400])
      expect(chooseRound(view({ target: lanes(n), acceptance: 0.6 })).k).toBeGreaterThan(0);
    const busy = estimateRound(view({ target: lanes(399) }), { k: 0, sp: 1 });
    expect(busy.throughputMs).toBeCloseTo((400 * 20) / 4, 6);
  });

  it('estimates follow the closed forms: E(k) tokens per round, and the roofline past the knee', () => {
    expect(expectedTokens(0.5, 2)).toBeCloseTo(1.75);
    expect(expectedTokens(1, 4)).toBe(5);
    const plain = estimateRound(view({ sessions: 63, acceptance: 0.8 }), { k: 0, sp: 1 });
    // 64 sessions, one position each: the target runs at its peak rate, 32 positions per step(32).
    expect(plain.throughputMs).toBeCloseTo((64 * batchStepMs(TARGET_70B_PROFILE, 32)) / 32, 6);
    expect(plain.msPerToken).toBeGreaterThanOrEqual(plain.latencyMs);
  });
});
