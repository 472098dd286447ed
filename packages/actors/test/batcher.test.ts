import { EmulatedModel } from '@specmesh/models';
import { type BodyOf, type Envelope, ErrorCode, type Heartbeat } from '@specmesh/protocol';
import { sampleVerifyTask } from '@specmesh/protocol/internal';
import { Actor, machineLoadFactor, startupDeadlineMs } from '@specmesh/runtime';
import { describe, expect, it } from 'vitest';
import { Batcher } from '../src/batcher/batcher.js';
import type { BatcherOptions } from '../src/batcher/batcher-options.js';
import { Verifier } from '../src/verifier/verifier.js';
import { useNatsServer } from './harness.js';

type Task = BodyOf<'verify.task'>;

const nats = useNatsServer();

/** Verifier `id`'s reply to `batch`: every draft of every task accepted. */
const acceptEvery = (id: string, batch: BodyOf<'batch'>) => ({
  kind: 'batch.result' as const,
  body: {
    batchId: batch.batchId,
    results: batch.tasks.map((t) => ({
      taskId: t.taskId,
      sessionId: t.sessionId,
      epoch: t.epoch,
      accepted: t.drafts.length,
      token: 7,
      bonus: true,
      verifierId: id,
      queueMs: 0,
      computeMs: 0,
    })),
    failures: [],
  },
});

/** A verifier stand-in that accepts every draft; records the batches it got. */
async function fakeVerifier(id: string, pool: string, behaviour: 'ok' | 'hang' = 'ok') {
  const actor = await Actor.start({
    role: 'verifier',
    id,
    pool,
    servers: nats.url,
    heartbeatIntervalMs: 50,
  });
  const batches: Task[][] = [];
  actor.handle(actor.subjects.batch(id), 'batch', (msg) => {
    batches.push(msg.body.tasks);
    if (behaviour === 'hang') return new Promise(() => undefined);
    return acceptEvery(id, msg.body);
  });
  await actor.flush();
  nats.defer(() => actor.stop());
  return { actor, batches };
}

/**
 * A verifier stand-in of one slot that heartbeats only when told (`report()`) and reports `running`
 * tasks: in the middle of each batch, so its last heartbeat still counts the batch after the reply.
 */
async function reportingVerifier(id: string, pool: string) {
  let running = 0;
  const actor = await Actor.start({
    role: 'verifier',
    id,
    pool,
    servers: nats.url,
    heartbeatIntervalMs: 60_000,
    load: () => ({ inflight: running, queued: 0, capacity: 1 }),
  });
  actor.handle(actor.subjects.batch(id), 'batch', (msg) => {
    running += msg.body.tasks.length;
    actor.heartbeat();
    running -= msg.body.tasks.length;
    return acceptEvery(id, msg.body);
  });
  await actor.flush();
  nats.defer(() => actor.stop());
  const report = (inflight: number) => {
    running = inflight;
    actor.heartbeat();
  };
  return { actor, report };
}

async function startBatcher(pool: string, extra: Partial<BatcherOptions> = {}) {
  const b = await Batcher.start({ pool, servers: nats.url, heartbeatIntervalMs: 0, ...extra });
  nats.defer(() => b.stop());
  return b;
}

/** A drafter stand-in: publishes tasks and collects what comes back on the session result subjects. */
async function drafter(sessions: string[]) {
  const actor = await Actor.start({ role: 'drafter', servers: nats.url, heartbeatIntervalMs: 0 });
  const got: Envelope<'verify.result' | 'error'>[] = [];
  for (const s of sessions) {
    actor.handle(actor.subjects.result(actor.id, s), ['verify.result', 'error'], (msg) => {
      got.push(msg);
      return undefined;
    });
  }
  await actor.flush();
  nats.defer(() => actor.stop());
  const send = (pool: string, task: Task) =>
    actor.publish(actor.subjects.verify(pool, actor.id), 'verify.task', { ...task, host: actor.id });
  const waitFor = async (n: number, timeoutMs = 5000 * machineLoadFactor()) => {
    const until = Date.now() + timeoutMs;
    while (got.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    return got;
  };
  return { actor, got, send, waitFor };
}

const task = (sessionId: string, i: number, over: Partial<Task> = {}): Task => ({
  ...sampleVerifyTask(4, 2, 3),
  sessionId,
  taskId: `${sessionId}:t${i}`,
  epoch: 0,
  deadlineAt: Date.now() + 60_000,
  ...over,
});

async function untilVerifiers(b: Batcher, n: number) {
  const until = Date.now() + 5000 * machineLoadFactor();
  // The batcher learns verifiers from heartbeats.
  while (Date.now() < until) {
    if (
      (b as unknown as { view: { alive(f: object): unknown[] } }).view.alive({
        role: 'verifier',
        pool: b.pool,
      }).length >= n
    )
      return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('verifiers not seen');
}

describe('batcher', () => {
  it('batches tasks of many sessions, spreads them over verifiers and routes every result to its session', async () => {
    const v1 = await fakeVerifier('v1', 'p1');
    const v2 = await fakeVerifier('v2', 'p1');
    const b = await startBatcher('p1', { windowMs: 5, maxJobs: 4 });
    await untilVerifiers(b, 2);
    const sessions = ['s1', 's2', 's3', 's4', 's5', 's6'];
    const d = await drafter(sessions);
    for (let i = 0; i < 5; i++) for (const s of sessions) d.send('p1', task(s, i));
    const got = await d.waitFor(30);
    expect(got).toHaveLength(30);
    expect(got.every((m) => m.kind === 'verify.result')).toBe(true);
    const ids = new Set(got.map((m) => (m.body as BodyOf<'verify.result'>).taskId));
    expect(ids.size).toBe(30);
    for (const batch of [...v1.batches, ...v2.batches]) expect(batch.length).toBeLessThanOrEqual(4);
    expect(v1.batches.length).toBeGreaterThan(0);
    expect(v2.batches.length).toBeGreaterThan(0);
  });

  it('sends a full batch at once and a partial one after the window', async () => {
    const v = await fakeVerifier('v-win', 'p2');
    const b = await startBatcher('p2', { windowMs: 600, maxJobs: 3 });
    await untilVerifiers(b, 1);
    const d = await drafter(['w']);
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) d.send('p2', task('w', i));
    await d.waitFor(3);
    const full = Date.now() - t0;
    d.send('p2', task('w', 3));
    const t1 = Date.now();
    await d.waitFor(4);
    const partial = Date.now() - t1;
    expect(full).toBeLessThan(450);
    expect(partial).toBeGreaterThanOrEqual(580);
    expect(v.batches.map((x) => x.length)).toEqual([3, 1]);
  });

  it('re-dispatches the tasks of a verifier that stops answering to another one', async () => {
    const dead = await fakeVerifier('v-dead', 'p3', 'hang');
    const alive = await fakeVerifier('v-alive', 'p3');
    const b = await startBatcher('p3', { windowMs: 1, batchTimeoutMs: 300 });
    await untilVerifiers(b, 2);
    const d = await drafter(['r1', 'r2', 'r3', 'r4']);
    for (const s of ['r1', 'r2', 'r3', 'r4']) d.send('p3', task(s, 0));
    const got = await d.waitFor(4);
    expect(got.map((m) => m.kind)).toEqual([
      'verify.result',
      'verify.result',
      'verify.result',
      'verify.result',
    ]);
    expect(got.every((m) => (m.body as BodyOf<'verify.result'>).verifierId === 'v-alive')).toBe(true);
    expect(dead.batches.length).toBeGreaterThan(0);
    expect(b.stats.retried).toBe(dead.batches.flat().length);
    // The retried tasks carry their next attempt number and keep their ids.
    const retriedIds = new Set(dead.batches.flat().map((t) => t.taskId));
    const onAlive = alive.batches.flat().filter((t) => retriedIds.has(t.taskId));
    expect(onAlive.every((t) => t.attempt === 2)).toBe(true);
  });

  it('drops queued tasks that a preempt made stale', async () => {
    const v = await fakeVerifier('v-pre', 'p4');
    const b = await startBatcher('p4', { windowMs: 300, maxJobs: 64 });
    await untilVerifiers(b, 1);
    const d = await drafter(['x']);
    for (let i = 0; i < 4; i++) d.send('p4', task('x', i, { epoch: i < 2 ? 0 : 1 }));
    await d.actor.flush();
    await new Promise((r) => setTimeout(r, 30));
    d.actor.publish(d.actor.subjects.preempt(d.actor.id, 'x'), 'preempt', {
      sessionId: 'x',
      taskIds: ['x:t3'],
      belowEpoch: 1,
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(v.batches.flat().map((t) => t.taskId)).toEqual(['x:t2']);
    expect(b.stats.preempted).toBe(3);
    expect(d.got).toHaveLength(1);
  });

  it('drops every queued task of a session that ended, listed or not', async () => {
    const v = await fakeVerifier('v-end', 'p4e');
    const b = await startBatcher('p4e', { windowMs: 300, maxJobs: 64 });
    await untilVerifiers(b, 1);
    const d = await drafter(['x', 'y']);
    for (let i = 0; i < 3; i++) d.send('p4e', task('x', i));
    d.actor.publish(d.actor.subjects.preempt(d.actor.id, 'x'), 'preempt', {
      sessionId: 'x',
      taskIds: [],
      ended: true,
    });
    // Sent after the preempt, in the same window: once its result is back, x's tasks would have gone too.
    d.send('p4e', task('y', 0));
    await d.waitFor(1);
    expect(d.got.map((m) => ('taskId' in m.body ? m.body.taskId : m.kind))).toEqual(['y:t0']);
    expect(v.batches.flat().map((t) => t.taskId)).toEqual(['y:t0']);
    expect(b.stats.preempted).toBe(3);
  });

  it("refuses a task that claims another host's session, and a preempt reaches only its own host's tasks", async () => {
    const v = await fakeVerifier('v-hosts', 'p-hosts');
    const b = await startBatcher('p-hosts', { windowMs: 300, maxJobs: 64 });
    await untilVerifiers(b, 1);
    const honest = await drafter(['s']);
    const other = await drafter(['s']);
    // A task sent by `other` that names `honest` as its host: its result would reach honest's session.
    other.actor.publish(other.actor.subjects.verify('p-hosts', other.actor.id), 'verify.task', {
      ...task('s', 9),
      host: honest.actor.id,
    });
    for (let i = 0; i < 2; i++) honest.send('p-hosts', task('s', i));
    await honest.actor.flush();
    // `other` preempts session `s` on its own subject: honest's tasks of the same session id stay.
    other.actor.publish(other.actor.subjects.preempt(other.actor.id, 's'), 'preempt', {
      sessionId: 's',
      taskIds: ['s:t0', 's:t1'],
      belowEpoch: 99,
    });
    await other.actor.flush();
    const got = await honest.waitFor(2);
    expect(got.map((m) => m.kind)).toEqual(['verify.result', 'verify.result']);
    expect(b.stats.forged).toBe(1);
    expect(b.stats.preempted).toBe(0);
    expect(
      v.batches
        .flat()
        .map((t) => t.taskId)
        .sort(),
    ).toEqual(['s:t0', 's:t1']);
    expect(other.got).toHaveLength(0);
  });

  it('fails tasks with E_NO_CAPACITY when no verifier of the pool lives, instead of holding them forever', async () => {
    await startBatcher('p5', { windowMs: 1, noVerifierTimeoutMs: 200 });
    const d = await drafter(['n']);
    d.send('p5', task('n', 0));
    const [only] = await d.waitFor(1);
    expect(only?.kind).toBe('error');
    expect((only!.body as BodyOf<'error'>).code).toBe(ErrorCode.NoCapacity);
    expect((only!.body as BodyOf<'error'>).context?.['taskId']).toBe('n:t0');
  });

  it('fails a task whose deadline passed while it waited, with E_DEADLINE', async () => {
    await fakeVerifier('v-late', 'p6');
    const b = await startBatcher('p6', { windowMs: 1 });
    await untilVerifiers(b, 1);
    const d = await drafter(['late']);
    d.send('p6', task('late', 0, { deadlineAt: Date.now() - 1 }));
    const [only] = await d.waitFor(1);
    expect(only?.kind).toBe('error');
    expect((only!.body as BodyOf<'error'>).code).toBe(ErrorCode.Deadline);
  });

  it('delivers each result as its task finishes: the fast task of a batch does not wait for the slow one', async () => {
    // A real verifier: a session's first step costs 400 ms (prefill), later ones 2 ms.
    const model = new EmulatedModel({ seed: 3, latency: { ttftMs: 400, tpotMs: 2 } });
    const v = await Verifier.start({
      pool: 'p7',
      id: 'v7',
      model,
      servers: nats.url,
      heartbeatIntervalMs: 50,
    });
    nats.defer(() => v.stop());
    const b = await startBatcher('p7', { windowMs: 30, maxJobs: 8 });
    await untilVerifiers(b, 1);
    const d = await drafter(['warm', 'cold']);
    const ctx = Uint32Array.of(1, 300, 301);
    const t = (sessionId: string, i: number): Task => ({
      ...task(sessionId, i),
      pool: 'p7',
      basePos: 0,
      context: ctx,
      drafts: Uint32Array.of(302),
      sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
    });
    d.send('p7', t('warm', 0));
    await d.waitFor(1, 5000);
    const sent = Date.now();
    // Both arrive within one window: one batch to the one verifier.
    d.send('p7', t('cold', 1));
    d.send('p7', t('warm', 2));
    const arrived = new Map<string, number>();
    const until = Date.now() + startupDeadlineMs(1);
    while (arrived.size < 2 && Date.now() < until) {
      for (const m of d.got.slice(1)) {
        const sessionId = (m.body as BodyOf<'verify.result'>).sessionId;
        if (!arrived.has(sessionId)) arrived.set(sessionId, Date.now() - sent);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(b.stats.batches).toBe(2);
    // The warm result comes well before the cold one's 400 ms prefill ends (relative, so a busy
    // machine's delays, which both results pay, do not decide it).
    expect(arrived.get('cold')).toBeGreaterThanOrEqual(390);
    expect(arrived.get('cold')! - arrived.get('warm')!).toBeGreaterThan(150);
    // Published once, by the verifier: the batcher does not relay a second copy.
    await new Promise((r) => setTimeout(r, 100));
    expect(d.got).toHaveLength(3);
  });

  it("keeps a DSI session's parallel task on its warm verifier while the others are busy: no prefill elsewhere", async () => {
    // Real verifiers: a session's first step on a verifier costs 300 ms (prefill), later ones 150 ms.
    const models = new Map<string, EmulatedModel>();
    for (const id of ['va', 'vb']) {
      const model = new EmulatedModel({ seed: 3, latency: { ttftMs: 300, tpotMs: 150 } });
      models.set(id, model);
      const v = await Verifier.start({ pool: 'p8', id, model, servers: nats.url, heartbeatIntervalMs: 50 });
      nats.defer(() => v.stop());
    }
    const b = await startBatcher('p8', { windowMs: 20, maxJobs: 8 });
    await untilVerifiers(b, 2);
    const sessions = ['x', 'y0', 'y1', 'y2', 'y3'];
    const d = await drafter(sessions);
    const t = (sessionId: string, i: number): Task => ({
      ...task(sessionId, i),
      pool: 'p8',
      basePos: 0,
      context: Uint32Array.of(1, 300, 301),
      drafts: Uint32Array.of(302),
      sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
    });
    const servedBy = async (sessionId: string, i: number) => {
      const before = d.got.length;
      d.send('p8', t(sessionId, i));
      const got = await d.waitFor(before + 1);
      return (got[before]!.body as BodyOf<'verify.result'>).verifierId;
    };
    const warm = await servedBy('x', 0);
    // Another session that lives on the other verifier, to keep that one busy.
    let other: string | undefined;
    for (const y of sessions.slice(1)) {
      if ((await servedBy(y, 0)) !== warm) {
        other = y;
        break;
      }
    }
    expect(other).toBeDefined();
    const cold = warm === 'va' ? 'vb' : 'va';
    expect(models.get(cold)!.held('x')).toBe(0);
    const before = d.got.length;
    // One flush: the other session's next task, then two parallel tasks of x.
    d.send('p8', t(other!, 1));
    d.send('p8', t('x', 1));
    d.send('p8', t('x', 2));
    const got = await d.waitFor(before + 3);
    const xs = got.slice(before).filter((m) => (m.body as BodyOf<'verify.result'>).sessionId === 'x');
    expect(xs.map((m) => (m.body as BodyOf<'verify.result'>).verifierId)).toEqual([warm, warm]);
    // The busy verifier never had to prefill session x.
    expect(models.get(cold)!.held('x')).toBe(0);
  });

  it("sends a DSI parallel task where the verifier's last heartbeat counts only a task already back, and declines it where other work runs", async () => {
    const b = await startBatcher('p10', { windowMs: 1 });
    const v = await reportingVerifier('v-report', 'p10');
    await untilVerifiers(b, 1);
    const d = await drafter(['x', 'y']);
    d.send('p10', task('x', 0, { pool: 'p10' }));
    await d.waitFor(1);
    // The verifier's latest heartbeat was sent while x's task ran there; the task is back, so the
    // verifier is idle: x's parallel task runs there at once rather than being declined.
    d.send('p10', task('x', 1, { pool: 'p10', parallel: true }));
    const got = await d.waitFor(2);
    expect(got[1]!.kind).toBe('verify.result');
    expect(b.stats.declined).toBe(0);
    // A heartbeat showing a task this batcher did not send (another batcher's): busy, so a parallel
    // task is declined rather than queued behind it.
    v.report(1);
    const view = (b as unknown as { view: { get(id: string): { heartbeat: Heartbeat } | undefined } }).view;
    const until = Date.now() + 5000 * machineLoadFactor();
    while (view.get('v-report')?.heartbeat.load.inflight !== 1 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 5));
    d.send('p10', task('y', 0, { pool: 'p10' }));
    d.send('p10', task('y', 1, { pool: 'p10', parallel: true }));
    const after = await d.waitFor(4);
    const declined = after.slice(2).find((m) => m.kind === 'error');
    expect((declined?.body as BodyOf<'error'> | undefined)?.context).toMatchObject({
      taskId: 'y:t1',
      declined: true,
    });
    expect(b.stats.declined).toBe(1);
  });

  it("declines a DSI parallel task on a verifier its session names in directOn (running the session's direct task)", async () => {
    const b = await startBatcher('p11', { windowMs: 1 });
    await reportingVerifier('v-direct', 'p11');
    await untilVerifiers(b, 1);
    const d = await drafter(['x']);
    // The only verifier is idle as far as the batcher sees, but the session says its direct task
    // runs there: the parallel task would wait behind it, so it is declined, not queued.
    d.send('p11', task('x', 1, { pool: 'p11', parallel: true, directOn: ['v-direct'] }));
    const got = await d.waitFor(1);
    expect(got[0]!.kind).toBe('error');
    expect((got[0]!.body as BodyOf<'error'>).context).toMatchObject({ taskId: 'x:t1', declined: true });
    // Without it, the same task runs there at once.
    d.send('p11', task('x', 2, { pool: 'p11', parallel: true }));
    const after = await d.waitFor(2);
    expect(after[1]!.kind).toBe('verify.result');
    expect(b.stats.declined).toBe(1);
  });

  it('drops a task preempted while it waited for a verifier slot, instead of running it', async () => {
    const model = new EmulatedModel({ seed: 3, latency: { ttftMs: 300, tpotMs: 300 } });
    const v = await Verifier.start({
      pool: 'p9',
      id: 'v9',
      model,
      concurrency: 1,
      servers: nats.url,
      heartbeatIntervalMs: 50,
    });
    nats.defer(() => v.stop());
    const d = await drafter(['busy', 'stale']);
    const t = (sessionId: string, i: number): Task => ({
      ...task(sessionId, i),
      host: d.actor.id,
      pool: 'p9',
      basePos: 0,
      context: Uint32Array.of(1, 300, 301),
      drafts: Uint32Array.of(302),
      sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
    });
    const batch = (id: string, tk: Task) =>
      d.actor.request(
        d.actor.subjects.batch('v9'),
        'batch',
        { batchId: id, pool: 'p9', tasks: [tk] },
        {
          expect: 'batch.result',
          timeoutMs: 5000,
        },
      );
    const first = batch('b1', t('busy', 0));
    await new Promise((r) => setTimeout(r, 50));
    // The second task waits for the only slot; its preempt arrives before the slot frees.
    const second = batch('b2', t('stale', 0));
    await new Promise((r) => setTimeout(r, 50));
    d.actor.publish(d.actor.subjects.preempt(d.actor.id, 'stale'), 'preempt', {
      sessionId: 'stale',
      taskIds: ['stale:t0'],
    });
    await d.actor.flush();
    await first;
    const reply = await second;
    expect(reply.body.results).toHaveLength(0);
    expect(v.stats.preempted).toBe(1);
    expect(v.stats.tasks).toBe(1);
    // It never reached the model.
    expect(model.held('stale')).toBe(0);
  });
});
