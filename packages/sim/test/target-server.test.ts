import { describe, expect, it } from 'vitest';
import { newTargetJob, Simulation, type TargetJob, TargetServer } from '../src/index.js';

const latency = { ttftMs: 10, tpotMs: 4, perTokenMs: 0.5, perJobMs: 1 };

function setup(windowMs: number, maxJobs: number) {
  const sim = new Simulation();
  const target = new TargetServer(sim, { index: 0, latency, windowMs, maxJobs });
  const done: Array<{ id: string; at: number }> = [];
  const job = (id: string, session: number, drafts = 4) =>
    newTargetJob(id, session, drafts, 0, (j: TargetJob) => done.push({ id: j.taskId, at: sim.now }));
  return { sim, target, done, job };
}

describe('TargetServer', () => {
  it('waits the window for company, then serves the batch as one step', () => {
    const { sim, target, done, job } = setup(0.3, 12);
    // Sessions 1..3 are held already (their prefill is behind them).
    for (const s of [1, 2, 3]) target.submit(job(`warm${s}`, s, 0));
    sim.run();
    done.length = 0;
    const t0 = sim.now;
    for (const s of [1, 2, 3]) target.submit(job(`v${s}`, s));
    sim.run();
    // One batch, leaving when the window closes: 4 + 1 * 2 jobs + 0.5 * 12 drafts = 12 ms.
    expect(done.map((d) => d.id)).toEqual(['v1', 'v2', 'v3']);
    for (const d of done) expect(d.at - t0).toBeCloseTo(0.3 + 12, 9);
    expect(target.stats.batches).toBe(2);
  });

  it('starts a full batch at once and keeps the rest for the next one', () => {
    const { sim, target, done, job } = setup(0.3, 2);
    for (let s = 0; s < 3; s++) target.submit(job(`p${s}`, s, 0));
    sim.run();
    // Prefills: a batch of 2 at once (10 + 1 = 11 ms), then the third after the window... already due.
    expect(done.map((d) => d.at)).toEqual([11, 11, 21]);
    expect(target.stats.prefills).toBe(3);
  });

  it('preempts: cancelling every job of a running batch frees the slot at once', () => {
    const { sim, target, done, job } = setup(0, 1);
    const a = job('a', 1, 0);
    const b = job('b', 2, 0);
    target.submit(a);
    target.submit(b);
    sim.at(3, () => target.cancel(a));
    sim.run();
    expect(done).toEqual([{ id: 'b', at: 13 }]);
    expect(target.stats.wastedMs).toBeCloseTo(3, 9);
    expect(target.stats.busyMs).toBeCloseTo(13, 9);
    expect(target.stats.cancelledRunning).toBe(1);
  });

  it('drops a cancelled queued job without serving it', () => {
    const { sim, target, done, job } = setup(0, 1);
    const a = job('a', 1, 0);
    const b = job('b', 2, 0);
    target.submit(a);
    target.submit(b);
    target.cancel(b);
    sim.run();
    expect(done.map((d) => d.id)).toEqual(['a']);
    expect(target.stats.cancelledQueued).toBe(1);
    expect(target.queued).toBe(0);
  });

  it('a prefill stopped by preemption leaves no cache: the next job of the session is a prefill again', () => {
    const { sim, target, done, job } = setup(0, 1);
    const a = job('a', 1, 0);
    target.submit(a);
    sim.at(3, () => target.cancel(a));
    sim.run();
    const t0 = sim.now;
    target.submit(job('b', 1, 0));
    sim.run();
    // b pays the prefill (ttft 10), not a verify step (tpot 4).
    expect(done).toEqual([{ id: 'b', at: t0 + 10 }]);
    expect(target.stats.prefills).toBe(2);
  });

  it('starts a full batch of one queue while the older head of the other waits for its window', () => {
    const sim = new Simulation();
    const target = new TargetServer(sim, { index: 0, latency, windowMs: 50, maxJobs: 2, slots: 2 });
    const done: Array<{ id: string; at: number }> = [];
    const job = (id: string, session: number) =>
      newTargetJob(id, session, 0, 0, (j: TargetJob) => done.push({ id: j.taskId, at: sim.now }));
    // Sessions 1 and 2 are held already.
    for (const s of [1, 2]) target.submit(job(`warm${s}`, s));
    sim.run();
    done.length = 0;
    const t0 = sim.now;
    target.submit(job('fresh', 3)); // a prefill, alone in its queue: waits for the window
    sim.at(t0 + 1, () => {
      target.submit(job('v1', 1));
      target.submit(job('v2', 2)); // a full verify batch: leaves at once
    });
    sim.run();
    const at = Object.fromEntries(done.map((d) => [d.id, d.at - t0]));
    // Verify batch of 2 from t0 + 1: 4 + 1 per extra job = 5 ms; the prefill after its 50 ms window: 10.
    expect(at.v1).toBeCloseTo(6, 9);
    expect(at.v2).toBeCloseTo(6, 9);
    expect(at.fresh).toBeCloseTo(60, 9);
  });

  it("runs fused rounds' drafting on the target: one batched phase that every job of the batch waits for", () => {
    const { sim, target, done } = setup(0.3, 12);
    const job = (id: string, session: number, drafts: number, serverDraftMs = 0) =>
      newTargetJob(
        id,
        session,
        drafts,
        0,
        (j: TargetJob) => done.push({ id: j.taskId, at: sim.now }),
        undefined,
        serverDraftMs,
      );
    for (const s of [1, 2, 3]) target.submit(job(`warm${s}`, s, 0));
    sim.run();
    done.length = 0;
    const t0 = sim.now;
    // Two fused rounds (1 and 2 drafts at 1.5 ms each) and a distributed round of 4 in one batch.
    target.submit(job('f1', 1, 1, 1.5));
    target.submit(job('f2', 2, 2, 3));
    target.submit(job('d', 3, 4));
    sim.run();
    // Drafting phase 3 ms (the longest, not the sum), then 4 + 1 * 2 jobs + 0.5 * 7 drafts = 9.5 ms.
    for (const d of done) expect(d.at - t0).toBeCloseTo(0.3 + 3 + 9.5, 9);
    expect(target.stats.draftMs).toBeCloseTo(3, 9);
  });

  it("a target busy drafting for fused rounds delays another session's verify job", () => {
    const finishOfB = (serverDraftMs: number) => {
      const { sim, target, done } = setup(0, 1);
      const job = (id: string, session: number, draftMs: number) =>
        newTargetJob(
          id,
          session,
          1,
          0,
          (j: TargetJob) => done.push({ id: j.taskId, at: sim.now }),
          undefined,
          draftMs,
        );
      for (const s of [1, 2]) target.submit(job(`warm${s}`, s, 0));
      sim.run();
      done.length = 0;
      const t0 = sim.now;
      target.submit(job('fused', 1, serverDraftMs));
      target.submit(job('b', 2, 0));
      sim.run();
      return done.find((d) => d.id === 'b')!.at - t0;
    };
    // Each verify step: 4 + 0.5 * 1 = 4.5 ms; b waits for the fused job's batch, drafting included.
    expect(finishOfB(0)).toBeCloseTo(9, 9);
    expect(finishOfB(6)).toBeCloseTo(15, 9);
  });
});
