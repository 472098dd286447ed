import {
  type BodyOf,
  ErrorCode,
  hasErrorCode,
  InternalError,
  NoCapacityError,
  OverloadedError,
} from '@specmesh/protocol';
import { sampleBodies } from '@specmesh/protocol/internal';
import { Actor, machineLoadFactor } from '@specmesh/runtime';
import { describe, expect, it } from 'vitest';
import { pickDrafter } from '../src/scheduler/pick-drafter.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import type { SchedulerOptions } from '../src/scheduler/scheduler-options.js';
import { useNatsServer } from './harness.js';

const nats = useNatsServer();

const prefix = () => ({ prefix: `t${Math.floor(Math.random() * 1e9)}` });

/** A drafter stand-in with `capacity` session slots; `finish()` frees one. */
async function fakeDrafter(
  subjects: { prefix: string },
  id: string,
  capacity: number,
  fail = false,
  /** Sessions it really takes; beyond that it refuses with E_OVERLOADED whatever its heartbeat says. */
  realCapacity = capacity,
) {
  const sessions: BodyOf<'session.start'>[] = [];
  const actor = await Actor.start({
    role: 'drafter',
    id,
    subjects,
    servers: nats.url,
    heartbeatIntervalMs: 30,
    load: () => ({ inflight: sessions.length, queued: 0, capacity }),
  });
  actor.handle(actor.subjects.session(id), 'session.start', (msg) => {
    if (fail) throw new InternalError('drafter broken');
    if (sessions.length >= realCapacity) throw new OverloadedError(`${id} is full`);
    sessions.push(msg.body);
    return { kind: 'session.ok', body: { sessionId: msg.body.sessionId, drafterId: id } };
  });
  await actor.flush();
  nats.defer(() => actor.stop());
  return { actor, sessions, finish: () => sessions.shift() };
}

/** A verifier and a batcher heartbeat for `pool`, so the scheduler sees a usable target pool. */
async function targetPool(subjects: { prefix: string }, pool: string) {
  for (const role of ['verifier', 'batcher'] as const) {
    const a = await Actor.start({ role, pool, subjects, servers: nats.url, heartbeatIntervalMs: 30 });
    nats.defer(() => a.stop());
  }
}

async function startScheduler(subjects: { prefix: string }, extra: Partial<SchedulerOptions> = {}) {
  const s = await Scheduler.start({ servers: nats.url, subjects, heartbeatIntervalMs: 0, ...extra });
  nats.defer(() => s.stop());
  return s;
}

async function client(subjects: { prefix: string }) {
  const c = await Actor.start({ role: 'gateway', subjects, servers: nats.url, heartbeatIntervalMs: 0 });
  nats.defer(() => c.stop());
  const submit = (requestId: string, over: Partial<BodyOf<'submit'>> = {}) =>
    c.request(
      c.subjects.submit(),
      'submit',
      { ...sampleBodies().submit, requestId, deadlineAt: Date.now() + 60_000, ...over },
      { expect: 'submit.ok', timeoutMs: 10_000 },
    );
  return { c, submit };
}

async function until(cond: () => boolean, ms = 5000 * machineLoadFactor()) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('pickDrafter', () => {
  it('picks the drafter with most free slots, never a full one, rotating ties', () => {
    const d = [
      { id: 'a', capacity: 4, used: 3 },
      { id: 'b', capacity: 4, used: 1 },
      { id: 'c', capacity: 2, used: 2 },
    ];
    expect(pickDrafter(d, new Set(), 0)).toBe('b');
    expect(pickDrafter(d, new Set(['b']), 0)).toBe('a');
    expect(pickDrafter([{ id: 'c', capacity: 2, used: 2 }], new Set(), 0)).toBeUndefined();
    const tie = [
      { id: 'x', capacity: 2, used: 0 },
      { id: 'y', capacity: 2, used: 0 },
    ];
    expect([0, 1].map((r) => pickDrafter(tie, new Set(), r))).toEqual(['x', 'y']);
  });
});

describe('scheduler', () => {
  it('admits a request, starts its session on a drafter and names the token subject', async () => {
    const s = prefix();
    await targetPool(s, 'gpu-a');
    const d = await fakeDrafter(s, 'd1', 4);
    const sched = await startScheduler(s);
    await until(
      () => sched.membership.alive({ role: 'drafter' }).length === 1 && sched.membership.alive().length >= 3,
    );
    const { submit } = await client(s);
    const ok = await submit('req-a');
    expect(ok.body).toMatchObject({ requestId: 'req-a', drafterId: 'd1', pool: 'gpu-a' });
    // Only the client that asked may read it, and only the host placed may write it.
    expect(ok.body.tokenSubject).toBe(`${s.prefix}.v2.tokens.${sampleBodies().submit.client}.d1.req-a`);
    expect(d.sessions).toHaveLength(1);
    expect(d.sessions[0]).toMatchObject({ requestId: 'req-a', pool: 'gpu-a', sessionId: ok.body.sessionId });
  });

  it('answers a submit sent to it by name as the same request as one through the group', async () => {
    const s = prefix();
    await targetPool(s, 'p');
    const d = await fakeDrafter(s, 'd1', 4);
    const sched = await startScheduler(s, { id: 'sched-named' });
    await until(() => sched.membership.alive({ role: 'drafter' }).length === 1);
    const { c, submit } = await client(s);
    const viaGroup = await submit('req-named');
    const body = { ...sampleBodies().submit, requestId: 'req-named', deadlineAt: Date.now() + 60_000 };
    const byName = await c.request(c.subjects.submitTo('sched-named'), 'submit', body, {
      expect: 'submit.ok',
      timeoutMs: 10_000,
    });
    expect(byName.from).toBe('sched-named');
    // A repeat: the session started for the first attempt, not a second one.
    expect(byName.body.sessionId).toBe(viaGroup.body.sessionId);
    expect(d.sessions).toHaveLength(1);
  });

  it('answers the repeats of one move as one request, and a later move from the same point anew', async () => {
    const s = prefix();
    await targetPool(s, 'p');
    const d1 = await fakeDrafter(s, 'd1', 8);
    const d2 = await fakeDrafter(s, 'd2', 8);
    // Two schedulers, each with its own memory of what it started lately.
    const a = await startScheduler(s, { id: 'sched-a' });
    const b = await startScheduler(s, { id: 'sched-b' });
    for (const x of [a, b]) await until(() => x.membership.alive({ role: 'drafter' }).length === 2);
    const { c } = await client(s);
    // A request that moves three times before its first token: every move resumes from one point.
    const move = (to: string, n: number, avoid: string) =>
      c.request(
        c.subjects.submitTo(to),
        'submit',
        {
          ...sampleBodies().submit,
          requestId: 'moving',
          deadlineAt: Date.now() + 60_000,
          resume: { committed: new Uint32Array(0), nextSeq: 1, move: n },
          avoid: [avoid],
        },
        { expect: 'submit.ok', timeoutMs: 10_000 },
      );
    const first = await move('sched-a', 1, 'd2');
    expect(first.body.drafterId).toBe('d1');
    // Move 1 again (a silent attempt's repeat): the same session.
    expect((await move('sched-a', 1, 'd2')).body.sessionId).toBe(first.body.sessionId);
    // Move 2 (d1 hung: its client stopped that session) goes to the other scheduler.
    expect((await move('sched-b', 2, 'd1')).body.drafterId).toBe('d2');
    // Move 3 (d2 lost) reaches the first scheduler again: a new session, not move 1's on d1.
    const third = await move('sched-a', 3, 'd2');
    expect(third.body.drafterId).toBe('d1');
    expect(third.body.sessionId).not.toBe(first.body.sessionId);
    expect(d1.sessions).toHaveLength(2);
    expect(d2.sessions).toHaveLength(1);
  });

  it('passes over a host that does not answer its session start after a few of the hosts’ usual answers', async () => {
    const s = prefix();
    await targetPool(s, 'p');
    const ok = await fakeDrafter(s, 'd-ok', 2);
    // Paused: it takes the request off the wire and never answers. Most free slots: picked first.
    const paused = await Actor.start({
      role: 'drafter',
      id: 'd-paused',
      subjects: s,
      servers: nats.url,
      heartbeatIntervalMs: 30,
      load: () => ({ inflight: 0, queued: 0, capacity: 8 }),
    });
    let asked = 0;
    paused.handle(paused.subjects.session('d-paused'), 'session.start', () => {
      asked++;
      return new Promise(() => {});
    });
    await paused.flush();
    nats.defer(() => paused.stop());
    // A start timeout far beyond the test's own: only the measured answers can bound the wait.
    const sched = await startScheduler(s, { startTimeoutMs: 3_600_000 });
    await until(() => sched.membership.alive({ role: 'drafter' }).length === 2);
    const { submit } = await client(s);
    // Measured answers first: d-ok answers at once (d-paused avoided).
    for (const r of ['warm-1', 'warm-2']) await submit(r, { avoid: ['d-paused'] });
    ok.finish();
    ok.finish();
    const placed = await submit('after-pause');
    expect(asked).toBe(1);
    expect(placed.body.drafterId).toBe('d-ok');
  });

  it('spreads sessions over drafters by free slots', async () => {
    const s = prefix();
    await targetPool(s, 'p');
    const d1 = await fakeDrafter(s, 'd1', 4);
    const d2 = await fakeDrafter(s, 'd2', 4);
    const sched = await startScheduler(s);
    await until(() => sched.membership.alive({ role: 'drafter' }).length === 2);
    const { submit } = await client(s);
    await Promise.all(['r1', 'r2', 'r3', 'r4'].map((r) => submit(r)));
    expect(d1.sessions).toHaveLength(2);
    expect(d2.sessions).toHaveLength(2);
  });

  it('queues requests when drafters are full, refuses beyond the queue with E_OVERLOADED, and admits the queued ones as slots free', async () => {
    const s = prefix();
    await targetPool(s, 'p');
    const d = await fakeDrafter(s, 'd1', 2);
    const sched = await startScheduler(s, { maxQueue: 2 });
    await until(() => sched.membership.alive({ role: 'drafter' }).length === 1);
    const { submit } = await client(s);
    const results = ['q1', 'q2', 'q3', 'q4', 'q5', 'q6'].map((r) =>
      submit(r).then(
        (ok) => ok.body.requestId,
        (e: unknown) => e,
      ),
    );
    await until(() => d.sessions.length === 2 && sched.queued === 2);
    const settled = await Promise.race([
      Promise.all(results.slice(4)),
      new Promise((r) => setTimeout(r, 2000)),
    ]);
    expect(settled).toBeDefined();
    const rejected = (settled as unknown[]).filter((x) => x instanceof OverloadedError);
    expect(rejected).toHaveLength(2);
    expect(sched.stats.rejectedOverloaded).toBe(2);
    // Free the slots: the queued requests are admitted, nothing is lost.
    d.finish();
    d.finish();
    const all = await Promise.all(results.slice(0, 4));
    expect(all).toEqual(['q1', 'q2', 'q3', 'q4']);
  });

  it('answers E_NO_CAPACITY when no target pool is usable', async () => {
    const s = prefix();
    await fakeDrafter(s, 'd1', 2);
    const sched = await startScheduler(s, { noCapacityTimeoutMs: 200 });
    await until(() => sched.membership.alive({ role: 'drafter' }).length === 1);
    const { submit } = await client(s);
    const t0 = Date.now();
    const err = await submit('nocap').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoCapacityError);
    // It waited for a pool to appear before giving up.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it('serves from a pool without a live batcher whose verifiers take direct tasks, not from one whose do not', async () => {
    const s = prefix();
    const d = await fakeDrafter(s, 'd1', 2);
    const pools: Array<[string, Record<string, number>]> = [
      ['plain', {}],
      ['direct', { direct: 1 }],
    ];
    for (const [pool, meta] of pools) {
      const v = await Actor.start({
        role: 'verifier',
        pool,
        subjects: s,
        servers: nats.url,
        heartbeatIntervalMs: 30,
        meta: () => meta,
      });
      nats.defer(() => v.stop());
    }
    const sched = await startScheduler(s, { noCapacityTimeoutMs: 200 });
    await until(() => sched.membership.alive({ role: 'verifier' }).length === 2);
    const { submit } = await client(s);
    expect((await submit('direct-pool', { pool: 'direct' })).body.pool).toBe('direct');
    expect(d.sessions).toHaveLength(1);
    const err = await submit('plain-pool', { pool: 'plain' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoCapacityError);
  });

  it('holds a request while the target pool is not yet known, then serves it', async () => {
    const s = prefix();
    const d = await fakeDrafter(s, 'd1', 2);
    const sched = await startScheduler(s);
    await until(() => sched.membership.alive({ role: 'drafter' }).length === 1);
    const { submit } = await client(s);
    const pending = submit('early');
    await new Promise((r) => setTimeout(r, 100));
    await targetPool(s, 'late-pool');
    const ok = await pending;
    expect(ok.body.pool).toBe('late-pool');
    expect(d.sessions).toHaveLength(1);
  });

  it('answers E_DEADLINE when a request waits past its deadline', async () => {
    const s = prefix();
    await targetPool(s, 'p');
    await fakeDrafter(s, 'd1', 0);
    const sched = await startScheduler(s);
    await until(() => sched.membership.alive({ role: 'drafter' }).length === 1);
    const { submit } = await client(s);
    const err = await submit('late', { deadlineAt: Date.now() + 150 }).catch((e: unknown) => e);
    expect(hasErrorCode(err, ErrorCode.Deadline)).toBe(true);
  });

  it('tries another drafter when one fails to start the session', async () => {
    const s = prefix();
    await targetPool(s, 'p');
    await fakeDrafter(s, 'd-bad', 8, true);
    const good = await fakeDrafter(s, 'd-good', 1);
    const sched = await startScheduler(s);
    await until(() => sched.membership.alive({ role: 'drafter' }).length === 2);
    const { submit } = await client(s);
    // d-bad has more free slots, so it is tried first and fails.
    const ok = await submit('retry');
    expect(ok.body.drafterId).toBe('d-good');
    expect(good.sessions).toHaveLength(1);
  });

  it('places a request away from the hosts it avoids, and on one of them when no other drafter is alive', async () => {
    const s = prefix();
    await targetPool(s, 'p');
    await fakeDrafter(s, 'd-gone', 8);
    await fakeDrafter(s, 'd-other', 1);
    const sched = await startScheduler(s);
    await until(() => sched.membership.alive({ role: 'drafter' }).length === 2);
    const { submit } = await client(s);
    // d-gone has more free slots, but the client gave up on it.
    expect((await submit('moved', { avoid: ['d-gone'] })).body.drafterId).toBe('d-other');
    // A cluster whose one drafter is the avoided one: placing it there beats waiting for no one.
    const s2 = prefix();
    await targetPool(s2, 'p');
    const only = await fakeDrafter(s2, 'd-only', 4);
    const sched2 = await startScheduler(s2);
    await until(() => sched2.membership.alive({ role: 'drafter' }).length === 1);
    const c2 = await client(s2);
    expect((await c2.submit('resumed', { avoid: ['d-only'] })).body.drafterId).toBe('d-only');
    expect(only.sessions).toHaveLength(1);
  });

  it("a restarted drafter's first heartbeat voids the sessions reserved on it before (its heartbeats count from 0 again)", async () => {
    const s = prefix();
    await targetPool(s, 'p');
    // The first life of `d-r`: a long-running drafter (heartbeat number 50) with a session started on
    // it just before it died, so the scheduler holds a reservation that no heartbeat voided.
    const first = await Actor.start({
      role: 'drafter',
      id: 'd-r',
      subjects: s,
      servers: nats.url,
      heartbeatIntervalMs: 10_000,
      load: () => ({ inflight: 0, queued: 0, capacity: 2 }),
    });
    first.handle(first.subjects.session('d-r'), 'session.start', (msg) => ({
      kind: 'session.ok',
      body: { sessionId: msg.body.sessionId, drafterId: 'd-r' },
    }));
    const sched = await startScheduler(s);
    await first.flush();
    for (let i = 0; i < 50; i++) first.heartbeat();
    await until(() => (sched.membership.get('d-r')?.heartbeat.seq ?? 0) >= 50);
    const { submit } = await client(s);
    await submit('before');
    const firstLife = sched.membership.get('d-r')!.heartbeat.startedAt;
    await first.stop();
    await new Promise((r) => setTimeout(r, 5));
    // Its second life, with free slots, numbering heartbeats from 0.
    const d = await fakeDrafter(s, 'd-r', 2);
    await until(() => sched.membership.get('d-r')?.heartbeat.startedAt !== firstLife);
    await submit('one');
    await submit('two');
    expect(d.sessions.map((x) => x.requestId)).toEqual(['one', 'two']);
    // Served long before its heartbeats passed the first life's number.
    expect(sched.membership.get('d-r')!.heartbeat.seq).toBeLessThan(50);
  });

  it('keeps a request waiting when a drafter turns out full, and serves it once a slot frees', async () => {
    const s = prefix();
    await targetPool(s, 'p');
    // Its heartbeat claims 4 slots; it takes 1.
    const d = await fakeDrafter(s, 'd-liar', 4, false, 1);
    const sched = await startScheduler(s);
    await until(() => sched.membership.alive({ role: 'drafter' }).length === 1);
    const { submit } = await client(s);
    const first = await submit('one');
    const second = submit('two').then((r) => r.body.requestId);
    await new Promise((r) => setTimeout(r, 200));
    expect(d.sessions).toHaveLength(1);
    d.finish();
    expect(await second).toBe('two');
    expect(first.body.requestId).toBe('one');
    expect(sched.stats.rejectedOverloaded).toBe(0);
  });
});
