import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALONE_ROUNDS, Orchestrator } from '../src/orchestrator.js';
import { Rng } from '../src/rng.js';
import { GREEDY } from '../src/sampling.js';
import { drive, greedyReference, toyModel } from './sync-driver.js';

describe('DSI on a shared batching target runs SI rounds', () => {
  const dsi = (shared: () => boolean) =>
    new Orchestrator({
      mode: 'dsi',
      k: 2,
      maxTasks: 2,
      maxTokens: 40,
      prompt: [1],
      parallelism: () => 2,
      sharedTarget: shared,
    });
  const drafted = (pos: number, a: number, b: number) => ({
    type: 'drafted' as const,
    epoch: 0,
    pos,
    tokens: [{ token: a }, { token: b }],
  });

  it('while the target is shared: a window drafted first, one task, no drafting while it is verified', () => {
    const o = dsi(() => true);
    // SI's first round: draft a window, not a prefix task with whatever drafts exist.
    expect(o.start()).toEqual([{ type: 'draft', epoch: 0, pos: 1, n: 2 }]);
    const sent = o.handle(drafted(1, 5, 6));
    expect(sent).toEqual([expect.objectContaining({ type: 'verify', base: 1, parallel: false })]);
    const task = sent[0]!;
    if (task.type !== 'verify') throw new Error('no task');
    // All accepted: the next round drafts again only now (no window was drafted ahead).
    const next = o.handle({ type: 'verified', taskId: task.taskId, accepted: 2, token: 9, bonus: true });
    expect(next.filter((c) => c.type !== 'commit')).toEqual([{ type: 'draft', epoch: 1, pos: 4, n: 2 }]);
  });

  it(`alone at ${ALONE_ROUNDS} round boundaries in a row: DSI again, a task on the prefix at once and drafting on`, () => {
    let shared = true;
    const o = dsi(() => shared);
    shared = false;
    // The start is the first boundary seen alone: still SI.
    expect(o.start()).toEqual([{ type: 'draft', epoch: 0, pos: 1, n: 2 }]);
    const sent = o.handle(drafted(1, 5, 6));
    const task = sent.find((c) => c.type === 'verify');
    if (task?.type !== 'verify') throw new Error('no task');
    // The commit is the second: DSI's round keeps a task on the prefix and drafts on meanwhile.
    const next = o.handle({ type: 'verified', taskId: task.taskId, accepted: 2, token: 9, bonus: true });
    expect(next.filter((c) => c.type === 'verify')).toEqual([
      expect.objectContaining({ type: 'verify', base: 4, drafts: [] }),
    ]);
    expect(next).toContainEqual({ type: 'draft', epoch: 1, pos: 4, n: 1 });
  });

  it('any sequence of shared and alone boundaries, with shuffled results, gives the greedy output', () => {
    fc.assert(
      fc.property(
        fc.record({
          agreement: fc.double({ min: 0, max: 1, noNaN: true }),
          seed: fc.nat(),
          maxTokens: fc.integer({ min: 1, max: 30 }),
          maxTasks: fc.integer({ min: 1, max: 4 }),
          sharedRate: fc.double({ min: 0, max: 1, noNaN: true }),
          declineRate: fc.double({ min: 0, max: 0.9, noNaN: true }),
        }),
        (cfg) => {
          const model = toyModel(40, cfg.agreement, cfg.seed);
          const views = new Rng(cfg.seed ^ 0x5ad);
          const { tokens } = drive({
            mode: 'dsi',
            k: 3,
            maxTasks: cfg.maxTasks,
            maxTokens: cfg.maxTokens,
            prompt: [1, 2],
            model,
            sampling: GREEDY,
            seed: cfg.seed,
            declineRate: cfg.declineRate,
            parallelism: () => cfg.maxTasks,
            sharedTarget: () => views.float() < cfg.sharedRate,
          });
          expect(tokens).toEqual(greedyReference(model, [1, 2], cfg.maxTokens));
        },
      ),
      { numRuns: 500 },
    );
  });
});
