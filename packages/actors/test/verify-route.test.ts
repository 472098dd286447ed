import type { Member } from '@specmesh/runtime';
import { describe, expect, it } from 'vitest';
import { directTarget } from '../src/placement/direct-target.js';
import { VerifyRoute } from '../src/session/verify-route.js';
import { verifierMember } from './verifier-member.js';

const free = (id: string, inflight = 0) =>
  verifierMember(id, { inflight, queued: 0, capacity: 8 }, { direct: 1, directParallel: 1 });

describe('directTarget', () => {
  it('takes the lease only while it says it takes direct tasks and has a free slot', () => {
    expect(directTarget([free('a'), free('b')], 'a', false, new Set())).toBe('a');
    const full = verifierMember('a', { inflight: 8, queued: 2, capacity: 8 }, { direct: 1 });
    expect(directTarget([full, free('b')], 'a', false, new Set())).toBeUndefined();
    // An older verifier (protocol 2.0) does not say `direct: 1`.
    const old = verifierMember('a', { inflight: 0, queued: 0, capacity: 8 });
    expect(directTarget([old], 'a', false, new Set())).toBeUndefined();
    // A lease on a verifier no longer alive.
    expect(directTarget([free('b')], 'a', false, new Set())).toBeUndefined();
  });

  it('with the batcher silent, picks the least loaded verifier that takes direct tasks, avoiding lost ones', () => {
    const pool = [free('a', 5), free('b', 1), free('c', 3)];
    expect(directTarget(pool, undefined, true, new Set())).toBe('b');
    expect(directTarget(pool, undefined, true, new Set(['b']))).toBe('c');
    expect(directTarget(pool, undefined, false, new Set())).toBeUndefined();
    expect(directTarget([], undefined, true, new Set())).toBeUndefined();
  });

  it('with the batcher silent and every verifier full, still picks the least loaded one rather than none', () => {
    const full = (id: string, queued: number) =>
      verifierMember(id, { inflight: 8, queued, capacity: 8 }, { direct: 1 });
    expect(directTarget([full('a', 4), full('b', 1)], undefined, true, new Set())).toBe('b');
    // Not one that does not take direct tasks at all.
    const old = verifierMember('c', { inflight: 0, queued: 0, capacity: 8 });
    expect(directTarget([full('a', 4), old], undefined, true, new Set())).toBe('a');
    // With the batcher answering, a full lease sends the task through it.
    expect(directTarget([full('a', 4)], 'a', false, new Set())).toBeUndefined();
  });
});

describe('VerifyRoute', () => {
  const route = (pool: Member[] = [free('a'), free('b')]) => new VerifyRoute(true, () => pool);

  it('sends through the batcher until a sequential task is answered, then directly to that verifier', () => {
    const r = route();
    expect(r.choose('t1', false)).toBeUndefined();
    r.answered('t1', 'b', false);
    expect(r.leaseHolder).toBe('b');
    expect(r.choose('t2', false)).toBe('b');
    expect(r.isDirect('t2')).toBe(true);
  });

  it('with no live batcher in the pool, sends every task directly, parallel ones and first ones included', () => {
    let batcherAlive = false;
    const r = new VerifyRoute(
      true,
      () => [free('a', 2), free('b')],
      () => batcherAlive,
    );
    expect(r.choose('t1', false)).toBe('b');
    // `b` runs the session's task: the parallel one goes to `a`.
    expect(r.choose('p1', true)).toBe('a');
    r.answered('t1', 'b', false);
    r.answered('p1', 'a', true);
    // The batcher is back: first tasks go through it again, the lease stays direct.
    batcherAlive = true;
    expect(r.choose('t2', false)).toBe('b');
  });

  it('sends a parallel task directly to a verifier running none of the session tasks; its answer does not move the lease', () => {
    const r = route([free('a'), free('b'), free('c', 3)]);
    r.answered('t1', 'a', false);
    expect(r.choose('t2', false)).toBe('a');
    // `a` runs t2: the least loaded other one.
    expect(r.choose('p1', true)).toBe('b');
    // `a` and `b` run the session's tasks: `c`, loaded as it is (it declines the task unless it runs it at once).
    expect(r.choose('p2', true)).toBe('c');
    // Every verifier runs one of its tasks: through the batcher.
    expect(r.choose('p3', true)).toBeUndefined();
    r.answered('p1', 'b', true);
    expect(r.leaseHolder).toBe('a');
  });

  it('sends no parallel task directly to a verifier that does not decline them (protocol 2.1)', () => {
    const older = verifierMember('b', { inflight: 0, queued: 0, capacity: 8 }, { direct: 1 });
    const r = route([free('a'), older]);
    r.answered('t1', 'a', false);
    expect(r.choose('t2', false)).toBe('a');
    expect(r.choose('p1', true)).toBeUndefined();
  });

  it('a declined parallel task is forgotten, not lost: its verifier stays a candidate and the lease stays', () => {
    const r = route();
    r.answered('t1', 'a', false);
    expect(r.choose('t2', false)).toBe('a');
    expect(r.choose('p1', true)).toBe('b');
    r.forget('p1');
    expect(r.choose('p2', true)).toBe('b');
    expect(r.leaseHolder).toBe('a');
  });

  it('while a task through the batcher is in flight, a parallel task avoids the lease holder (the batcher keeps the session there)', () => {
    // Lease on `a`; a sequential task goes through the batcher when the lease is unusable, e.g. `a` full.
    const full = verifierMember('a', { inflight: 8, queued: 2, capacity: 8 }, { direct: 1 });
    const r2 = route([full, free('b')]);
    r2.answered('t1', 'a', false);
    expect(r2.choose('t2', false)).toBeUndefined();
    expect(r2.choose('p1', true)).toBe('b');
    r2.answered('p1', 'b', true);
    expect(r2.choose('p2', true)).toBe('b');
  });

  it('a lost direct task ends the lease: the next task goes through the batcher, which places it', () => {
    const r = route();
    r.answered('t1', 'a', false);
    expect(r.choose('t2', false)).toBe('a');
    r.failed('t2', true);
    expect(r.leaseHolder).toBeUndefined();
    expect(r.choose('t3', false)).toBeUndefined();
    // The batcher placed it on `a` again and `a` answered: the lease is back.
    r.answered('t3', 'a', false);
    expect(r.choose('t4', false)).toBe('a');
  });

  it('a batcher that lets a task time out is bypassed until a task through it comes back', () => {
    const pool = [free('a', 4), free('b', 1)];
    const r = route(pool);
    expect(r.choose('t1', false)).toBeUndefined();
    r.failed('t1', true);
    // No lease yet: the least loaded verifier, with the whole prefix (the caller's business).
    expect(r.choose('t2', false)).toBe('b');
    r.answered('t2', 'b', false);
    expect(r.choose('t3', false)).toBe('b');
    // The lease verifier lost a task while the batcher is still silent: another verifier, not it.
    r.failed('t3', true);
    expect(r.choose('t4', false)).toBe('a');
    r.answered('t4', 'a', false);
    // Parallel tasks go directly, never to a verifier that lost one (`b`).
    expect(r.choose('p1', true)).toBe('a');
    r.answered('p1', 'a', true);
    // A failure answered by the batcher (it is alive) ends the bypass: back to the lease.
    r.failed('t5-through-batcher', false);
    expect(r.choose('t6', false)).toBe('a');
  });

  it('a batcher timeout then a batcher answer: back to leases only', () => {
    const r = route();
    r.choose('t1', false);
    r.failed('t1', true);
    expect(r.choose('t2', false)).toBe('a');
    r.failed('t2', true);
    // Through the batcher again: `a` is avoided and there is no lease, `b` is the silent-batcher pick.
    expect(r.choose('t3', false)).toBe('b');
    r.forget('t3');
    expect(r.isDirect('t3')).toBe(false);
  });

  it('disabled: every task goes through the batcher', () => {
    const r = new VerifyRoute(false, () => [free('a')]);
    r.answered('t1', 'a', false);
    expect(r.choose('t2', false)).toBeUndefined();
    r.failed('t2', true);
    expect(r.choose('t3', false)).toBeUndefined();
  });
});
