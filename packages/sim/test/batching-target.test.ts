import { batchStepMs, TARGET_70B_PROFILE } from '@specmesh/core';
import { ConfigError } from '@specmesh/protocol';
import { describe, expect, it } from 'vitest';
import {
  loadCellScenario,
  newTargetJob,
  runScenario,
  type Scenario,
  Simulation,
  type TargetJob,
  TargetRouter,
  TargetServer,
} from '../src/index.js';

const profile = TARGET_70B_PROFILE;

function setup(cache: 'session' | 'prefix' = 'session', count = 1) {
  const sim = new Simulation();
  const targets = Array.from(
    { length: count },
    (_, index) =>
      new TargetServer(sim, { index, latency: { ttftMs: 999, tpotMs: 999 }, batchCost: profile, cache }),
  );
  const done: Array<{ id: string; at: number; target: number }> = [];
  const job = (id: string, session: number, drafts: number, prompt = 0, tokens?: number[]) =>
    newTargetJob(
      id,
      session,
      drafts,
      prompt,
      (j: TargetJob) => done.push({ id: j.taskId, at: sim.now, target: j.target }),
      tokens ? Uint32Array.from(tokens) : undefined,
    );
  /** Makes `sessions` known to target 0 (their prefill behind them), then clears the record. */
  const warm = (...sessions: number[]) => {
    for (const s of sessions) targets[0]!.submit(job(`warm${s}`, s, 0));
    sim.run();
    done.length = 0;
    return sim.now;
  };
  return { sim, target: targets[0]!, targets, done, job, warm };
}

describe('batching targets (targets.batchCost)', () => {
  it('a pass lasts batchStepMs of its positions and holds every job waiting when it starts', () => {
    const { sim, target, done, job, warm } = setup();
    const t0 = warm(1, 2, 3);
    // A plain step (1 position) and a verification of 4 drafts (5) arrive together: one pass of 6.
    target.submit(job('a', 1, 0));
    target.submit(job('b', 2, 4));
    // C arrives during that pass and waits for the next, alone.
    sim.at(t0 + 10, () => target.submit(job('c', 3, 0)));
    sim.run();
    const first = batchStepMs(profile, 6);
    expect(first).toBeCloseTo(30.75, 9);
    expect(done.map((d) => d.id)).toEqual(['a', 'b', 'c']);
    const at = done.map((d) => d.at - t0);
    // Each pass starts with fewer jobs than the one before held (3 warm-up prefills, then a and b), so
    // it first gathers for 5% of a pass (1.5 ms) for the rest to come back.
    const gather = 0.05 * profile.baseMs;
    expect(at[0]).toBeCloseTo(gather + first, 9);
    expect(at[1]).toBeCloseTo(gather + first, 9);
    expect(at[2]).toBeCloseTo(gather + first + gather + batchStepMs(profile, 1), 9);
    expect(target.stats.positions).toBe(3 + 6 + 1);
  });

  it('prices a pass past the knee in proportion to its positions (compute-bound)', () => {
    const { sim, target, done, job, warm } = setup();
    const sessions = Array.from({ length: 16 }, (_, i) => i);
    const t0 = warm(...sessions);
    // 16 verifications of 4 drafts: 80 positions, past the knee of 32.
    for (const s of sessions) target.submit(job(`v${s}`, s, 4));
    sim.run();
    const expected = (80 * batchStepMs(profile, 32)) / 32;
    expect(batchStepMs(profile, 80)).toBeCloseTo(expected, 9);
    for (const d of done) expect(d.at - t0).toBeCloseTo(expected, 9);
    // The warm-up prefills arrived together too: two passes in all.
    expect(target.stats.batches).toBe(2);
  });

  it("charges a session's first job its prompt and drafts, and with a prefix cache what the cache lacks", () => {
    const s = setup('session');
    s.target.submit(s.job('p', 1, 4, 32)); // cold: 32 prompt + 4 drafts
    s.sim.run();
    expect(s.done[0]!.at).toBeCloseTo(batchStepMs(profile, 36), 9);
    const p = setup('prefix');
    p.target.submit(p.job('p', 1, 2, 3, [1, 2, 3, 4, 5]));
    p.sim.run();
    // Cold: the 3 prefix tokens and 2 drafts.
    expect(p.done.at(-1)!.at).toBeCloseTo(batchStepMs(profile, 5), 9);
    const t1 = p.sim.now;
    // Drafts 4 and 5 accepted, 6 corrected, two new drafts: 3 fresh positions.
    p.target.submit(p.job('q', 1, 2, 3, [1, 2, 3, 4, 5, 6, 7, 8]));
    p.sim.run();
    expect(p.done.at(-1)!.at - t1).toBeCloseTo(batchStepMs(profile, 3), 9);
  });

  it('runs a pass whose jobs are all cancelled to its end, and charges a partly cancelled one by positions', () => {
    const { sim, target, done, job, warm } = setup();
    const t0 = warm(1, 2);
    const a = job('a', 1, 0);
    target.submit(a);
    sim.at(t0 + 5, () => target.cancel(a));
    sim.at(t0 + 6, () => target.submit(job('b', 2, 0)));
    sim.run();
    // a's pass started after gathering 1.5 ms (the warm-up pass held two) and, an accelerator's pass,
    // ran to its end at t0 + 31.5 though a was cancelled (30 ms wasted); b waited for it, then ran.
    expect(done.map((d) => d.id)).toEqual(['b']);
    expect(done[0]!.at - t0).toBeCloseTo(1.5 + 30 + 30, 9);
    expect(target.stats.wastedMs).toBeCloseTo(30, 9);
    const t1 = sim.now;
    const c = job('c', 1, 4);
    target.submit(c);
    target.submit(job('d', 2, 0));
    sim.at(t1 + 1, () => target.cancel(c));
    sim.run();
    // The pass (6 positions) runs on for d; c's 5 positions of it are wasted.
    const pass = batchStepMs(profile, 6);
    expect(done.at(-1)!.id).toBe('d');
    expect(done.at(-1)!.at - t1).toBeCloseTo(pass, 9);
    expect(target.stats.wastedMs - 30).toBeCloseTo((pass * 5) / 6, 9);
  });

  it('runs a task at once only with room below the knee beside the pass under way and the queue', () => {
    const { sim, target, job, warm } = setup();
    warm(...Array.from({ length: 6 }, (_, i) => i));
    expect(target.runsAtOnce(5)).toBe(true);
    for (let s = 0; s < 5; s++) target.submit(job(`v${s}`, s, 4)); // 25 positions waiting
    expect(target.positions).toBe(25);
    expect(target.runsAtOnce(7)).toBe(true);
    expect(target.runsAtOnce(8)).toBe(false);
    sim.run(sim.now); // the pass starts: its positions still count
    expect(target.positions).toBe(25);
    expect(target.runsAtOnce(8)).toBe(false);
    sim.run();
    expect(target.positions).toBe(0);
  });

  it('sends a parallel task only where it runs at once, never beside another task of its session', () => {
    const { sim, targets, job } = setup('session', 2);
    const router = new TargetRouter('jsq-sticky', targets, true);
    const a = job('a', 1, 4);
    router.submit(a);
    // The session's own target holds a task of it; the other is idle.
    const b = job('b', 1, 4);
    expect(router.submitParallel(b, 5)).toBe(true);
    expect(b.target).toBe(1);
    // Both now hold a task of session 1: a third parallel task has nowhere to go.
    expect(router.submitParallel(job('c', 1, 4), 5)).toBe(false);
    // Another session fills target 0 past its knee (5 + 31 positions): only target 1 has room left.
    router.submit(job('big', 2, 30));
    expect(router.freeFor(3, 5).map((t) => t.index)).toEqual([1]);
    // b is session 1's first job on target 1: its 4 drafts and no prompt, 4 positions.
    expect(router.freeFor(3, 28).map((t) => t.index)).toEqual([1]);
    expect(router.freeFor(3, 29).map((t) => t.index)).toEqual([]);
    sim.run();
    // Its results back (the session tells the router), session 1 may use either target again.
    router.done(a);
    router.done(b);
    expect(router.freeFor(1, 5).map((t) => t.index)).toEqual([0, 1]);
  });

  it("a session's view counts one-task targets that hold only its own tasks as free for it (its SP degree)", () => {
    const sim = new Simulation();
    const targets = Array.from(
      { length: 3 },
      (_, index) => new TargetServer(sim, { index, latency: { ttftMs: 10, tpotMs: 10 } }),
    );
    const job = (id: string, session: number) => newTargetJob(id, session, 4, 0, () => undefined);
    const router = new TargetRouter('jsq-sticky', targets, true);
    router.submit(job('a', 1)); // target 0, the session's own
    expect(router.submitParallel(job('b', 1), 5)).toBe(true); // target 1
    // Target 1 runs only session 1's task: free for its view, not for another parallel task of it.
    expect(router.freeFor(1, 5, targets[0], true).map((t) => t.index)).toEqual([1, 2]);
    expect(router.freeFor(1, 5, targets[0]).map((t) => t.index)).toEqual([2]);
    // Another session's task on target 2: busy for session 1 either way.
    router.submit(job('c', 2));
    expect(router.freeFor(1, 5, targets[0], true).map((t) => t.index)).toEqual([1]);
  });

  it("a round plans on batching targets whose passes hold only the session's own work", () => {
    const { targets, job } = setup('session', 2);
    const router = new TargetRouter('jsq-sticky', targets, true);
    router.submit(job('a', 1, 4)); // target 0, the session's own
    // A parallel task of 100 positions (the whole prefix) starts on idle target 1: a pass under way.
    expect(router.submitParallel(job('b', 1, 4), 100)).toBe(true);
    // Not free for another such task now, but the session's round may plan on it: only its work is there.
    expect(router.freeFor(1, 100, targets[0], true)).toEqual([]);
    expect(router.plannableFor(1, 100, targets[0]).map((t) => t.index)).toEqual([1]);
    // Another session's step waits there too: not the session's to plan on.
    targets[1]!.submit(job('c', 2, 0));
    expect(router.plannableFor(1, 100, targets[0])).toEqual([]);
  });

  it('rejects a batching target with a batching window, several slots or a shared queue', () => {
    const base = loadCellScenario({
      concurrency: 2,
      rttMs: 1,
      mode: 'si',
      k: 4,
      targets: 2,
      batchCost: profile,
      drafterTpotMs: 2,
      acceptance: 0.8,
      promptTokens: 8,
      outputTokens: 8,
      requests: 4,
    });
    const bad: Scenario[] = [
      { ...base, targets: { ...base.targets, batching: { windowMs: 1, maxJobs: 4 } } },
      { ...base, targets: { ...base.targets, slots: 2 } },
      { ...base, routing: { targets: 'shared-queue' } },
    ];
    for (const s of bad) expect(() => runScenario(s)).toThrow(ConfigError);
    expect(runScenario(base).completed).toBe(4);
  });
});
