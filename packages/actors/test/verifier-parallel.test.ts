/**
 * A DSI parallel task sent straight to a verifier runs there only if it starts at once, judged on the
 * verifier's figures of that moment; otherwise the verifier declines it at once (E_NO_CAPACITY), as a
 * batcher would, and never queues it behind other work. Its verdicts say how many other sessions it
 * serves, and a session whose host says it ended stops counting and loses its context at once.
 */
import { EmulatedModel } from '@specmesh/models';
import { type BodyOf, type Envelope, ErrorCode } from '@specmesh/protocol';
import { Actor, machineLoadFactor } from '@specmesh/runtime';
import { describe, expect, it } from 'vitest';
import { Verifier } from '../src/verifier/verifier.js';
import { useNatsServer } from './harness.js';

type Task = BodyOf<'verify.task'>;
type Answer = Envelope<'verify.result'> | Envelope<'error'>;

const nats = useNatsServer();

/** A batching target whose passes last long enough to send tasks while one runs: 300 ms, knee 32. */
async function slowBatchingVerifier(id: string) {
  const model = new EmulatedModel({
    seed: 5,
    vocabSize: 512,
    batching: { baseMs: 300, perPositionMs: 0.1, kneePositions: 32 },
  });
  const v = await Verifier.start({
    id,
    pool: 'p',
    servers: nats.url,
    heartbeatIntervalMs: 0,
    model,
    hostSessions: 0,
  });
  nats.defer(() => v.stop());
  return v;
}

/** A drafter stand-in sending tasks straight to a verifier and collecting what comes back. */
async function host(sessions: string[]) {
  const actor = await Actor.start({ role: 'drafter', servers: nats.url, heartbeatIntervalMs: 0 });
  const got: Answer[] = [];
  for (const s of sessions)
    actor.handle(actor.subjects.result(actor.id, s), ['verify.result', 'error'], (msg) => {
      got.push(msg as Answer);
      return undefined;
    });
  await actor.flush();
  nats.defer(() => actor.stop());
  const send = (verifier: string, task: Task) =>
    actor.publish(actor.subjects.direct(verifier, actor.id), 'verify.task', { ...task, host: actor.id });
  const waitFor = async (taskId: string) => {
    const until = Date.now() + 5000 * machineLoadFactor();
    for (;;) {
      const m = got.find((x) =>
        x.kind === 'error' ? x.body.context?.['taskId'] === taskId : x.body.taskId === taskId,
      );
      if (m) return m;
      if (Date.now() > until) throw new Error(`no answer to ${taskId}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { actor, send, waitFor };
}

/** A greedy task of `session` carrying its whole prefix: `context` tokens, two drafts. */
const task = (session: string, n: number, context: number, parallel: boolean): Task => ({
  taskId: `${session}:t${n}`,
  sessionId: session,
  host: 'set-by-send',
  pool: 'p',
  epoch: 0,
  basePos: 0,
  context: Uint32Array.from({ length: context }, (_, i) => 300 + (i % 50)),
  drafts: Uint32Array.of(301, 302),
  sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
  attempt: 1,
  deadlineAt: Date.now() + 60_000,
  ...(parallel ? { parallel: true } : {}),
});

const declined = (m: Answer) =>
  m.kind === 'error' && m.body.code === ErrorCode.NoCapacity && m.body.context?.['declined'] === true;

describe('verifier: direct parallel tasks', () => {
  it('runs one on an idle target, declines one behind its own session task or past the knee beside another session', async () => {
    const v = await slowBatchingVerifier('v-par');
    const h = await host(['a', 'b']);
    // Idle: a parallel task of 40 positions (past the knee) runs at once.
    h.send('v-par', task('a', 1, 38, true));
    expect((await h.waitFor('a:t1')).kind).toBe('verify.result');
    // Session a's task runs; a parallel task of a would wait behind it: declined at once.
    const started = Date.now();
    h.send('v-par', task('a', 2, 38, false));
    await h.actor.flush();
    h.send('v-par', task('a', 3, 38, true));
    expect(declined(await h.waitFor('a:t3'))).toBe(true);
    expect(Date.now() - started).toBeLessThan(300);
    // Session b's parallel task of 40 positions beside a's 40 in the model is past the knee of 32,
    // and the target is not idle: declined.
    h.send('v-par', task('b', 1, 38, true));
    expect(declined(await h.waitFor('b:t1'))).toBe(true);
    expect((await h.waitFor('a:t2')).kind).toBe('verify.result');
    expect(v.stats.declined).toBe(2);
    // The declined ones never reached the model: only a:t1 and a:t2 ran.
    expect(v.stats.direct).toBe(2);
    expect(v.stats.tasks).toBe(2);
  });

  it('takes a parallel task that fits below the knee beside another session, at once', async () => {
    const v = await slowBatchingVerifier('v-fit');
    const h = await host(['a', 'b']);
    // a's first task holds 12 positions in the pass; b's parallel task of 12 joins below the knee of 32.
    h.send('v-fit', task('a', 1, 10, false));
    await h.actor.flush();
    h.send('v-fit', task('b', 1, 10, true));
    expect((await h.waitFor('b:t1')).kind).toBe('verify.result');
    expect((await h.waitFor('a:t1')).kind).toBe('verify.result');
    expect(v.stats.declined).toBe(0);
  });
});

describe('verifier: who else a session meets there, and its end', () => {
  it('a verdict counts the other sessions it served as it left; an ended session frees its context at once', async () => {
    const model = new EmulatedModel({
      seed: 5,
      vocabSize: 512,
      batching: { baseMs: 20, perPositionMs: 0.1, kneePositions: 32 },
    });
    const v = await Verifier.start({
      id: 'v-end',
      pool: 'p',
      servers: nats.url,
      heartbeatIntervalMs: 0,
      model,
      hostSessions: 0,
      // No idle sweep in this test's time: only the session's end may free its context.
      sessionIdleMs: 600_000,
    });
    nats.defer(() => v.stop());
    const h = await host(['a', 'b']);
    const result = async (taskId: string) => {
      const m = await h.waitFor(taskId);
      if (m.kind !== 'verify.result') throw new Error(`${taskId}: ${m.body.message}`);
      return m.body;
    };
    h.send('v-end', task('a', 1, 10, false));
    expect((await result('a:t1')).otherSessions).toBe(0);
    h.send('v-end', task('b', 1, 10, false));
    // a came back a moment ago and will again: b's verdict counts it.
    expect((await result('b:t1')).otherSessions).toBe(1);
    const heldA = `${h.actor.id}/a`;
    expect(model.held(heldA)).toBeGreaterThan(0);
    h.actor.publish(h.actor.subjects.preempt(h.actor.id, 'a'), 'preempt', {
      sessionId: 'a',
      taskIds: [],
      ended: true,
    });
    const until = Date.now() + 5000 * machineLoadFactor();
    while (model.held(heldA) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    expect(model.held(heldA)).toBe(0);
    // b's next verdict no longer counts a, however recently it came.
    h.send('v-end', task('b', 2, 10, false));
    expect((await result('b:t2')).otherSessions).toBe(0);
    // b's context is untouched.
    expect(model.held(`${h.actor.id}/b`)).toBeGreaterThan(0);
  });
});
