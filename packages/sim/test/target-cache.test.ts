import { describe, expect, it } from 'vitest';
import { newTargetJob, Simulation, type TargetJob, TargetRouter, TargetServer } from '../src/index.js';

// Emulated-model-like costs: a cold target pays 10 + 1 per prefix token + 1 per draft; a warm one
// 4 + 1 per fresh position beyond the first.
const latency = { ttftMs: 10, tpotMs: 4, prefillPerTokenMs: 1, perTokenMs: 1, perJobMs: 4 };

function setup(count: number, cache: 'session' | 'prefix', policy: 'batcher' | 'jsq-sticky' = 'batcher') {
  const sim = new Simulation();
  const targets = Array.from(
    { length: count },
    (_, index) => new TargetServer(sim, { index, latency, cache }),
  );
  const router = new TargetRouter(policy, targets);
  const done: Array<{ id: string; at: number; target: number }> = [];
  const job = (id: string, session: number, prefix: number[], drafts: number[]) =>
    newTargetJob(
      id,
      session,
      drafts.length,
      3,
      (j: TargetJob) => {
        router.done(j);
        done.push({ id: j.taskId, at: sim.now, target: j.target });
      },
      Uint32Array.from([...prefix, ...drafts]),
    );
  return { sim, targets, router, done, job };
}

describe('targets with a prefix cache (cache: prefix)', () => {
  it('charges a cold target the whole prefix, a warm one its fresh positions, a stale one its catch-up', () => {
    const { sim, router, done, job } = setup(1, 'prefix');
    router.submit(job('a', 1, [1, 2, 3], [4, 5]));
    sim.run();
    // Cold: 10 + 3 prefix tokens + 2 drafts.
    expect(done.at(-1)!.at).toBe(15);
    // Drafts 4 and 5 accepted; token 6 and two drafts: 3 fresh positions, 4 + 2.
    router.submit(job('b', 1, [1, 2, 3, 4, 5, 6], [7, 8]));
    sim.run();
    expect(done.at(-1)!.at - 15).toBe(6);
    // Rejected at 7: the cache keeps [1..6]; 9..12 and two drafts are 6 fresh positions: 4 + 5.
    router.submit(job('c', 1, [1, 2, 3, 4, 5, 6, 9, 10, 11, 12], [13, 14]));
    sim.run();
    expect(done.at(-1)!.at - 21).toBe(4 + 5);
  });

  it('matches the session cache where only the prompt is new (backward compatible figures)', () => {
    const p = setup(1, 'prefix');
    const s = setup(1, 'session');
    for (const x of [p, s]) {
      x.router.submit(x.job('a', 1, [1, 2, 3], [4, 5, 6]));
      x.sim.run();
      x.router.submit(x.job('b', 1, [1, 2, 3, 4, 5, 6, 7], [8, 9, 10]));
      x.sim.run();
    }
    expect(p.done.map((d) => d.at)).toEqual(s.done.map((d) => d.at));
  });
});

describe("TargetRouter 'batcher' (the specmesh batcher's rule)", () => {
  it('sends a parallel job of a session to an idle target, paying the prefix there', () => {
    const { sim, router, done, job } = setup(2, 'prefix');
    router.submit(job('a0', 1, [1, 2, 3], [4]));
    sim.run();
    const home = done[0]!.target;
    router.submit(job('a1', 1, [1, 2, 3, 4, 5], [6]));
    router.submit(job('a2', 1, [1, 2, 3, 4, 5, 6], [7]));
    sim.run();
    const byId = new Map(done.map((d) => [d.id, d]));
    expect(byId.get('a1')!.target).toBe(home);
    expect(byId.get('a2')!.target).toBe(1 - home);
    // a2 on the cold target: 10 + 6 prefix tokens + 1 draft, in parallel with a1 (4 + 1).
    expect(byId.get('a2')!.at - byId.get('a0')!.at).toBe(17);
    expect(byId.get('a1')!.at - byId.get('a0')!.at).toBe(5);
  });

  it('queues a parallel job behind its session on the warm target when no other target is idle', () => {
    const { sim, router, done, job } = setup(2, 'prefix');
    router.submit(job('a0', 1, [1, 2, 3], [4]));
    router.submit(job('b0', 2, [7, 8, 9], [4]));
    sim.run();
    const home = done.find((d) => d.id === 'a0')!.target;
    expect(done.find((d) => d.id === 'b0')!.target).toBe(1 - home);
    router.submit(job('b1', 2, [7, 8, 9, 4, 5], [6]));
    router.submit(job('a1', 1, [1, 2, 3, 4, 5], [6]));
    router.submit(job('a2', 1, [1, 2, 3, 4, 5, 6], [7]));
    sim.run();
    for (const id of ['a1', 'a2']) expect(done.find((d) => d.id === id)!.target).toBe(home);
  });

  it('leaves jsq-sticky as it was: every job of a session on one target', () => {
    const { sim, router, done, job } = setup(2, 'prefix', 'jsq-sticky');
    router.submit(job('a0', 1, [1, 2, 3], [4]));
    router.submit(job('a1', 1, [1, 2, 3, 4], [5]));
    sim.run();
    expect(new Set(done.map((d) => d.target)).size).toBe(1);
  });
});
