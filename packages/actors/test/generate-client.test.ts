import { type BodyOf, CancelledError, OverloadedError } from '@specmesh/protocol';
import { sampleBodies } from '@specmesh/protocol/internal';
import { Actor, type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, generate } from '../src/client/generate-client.js';

let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server.stop();
});

const submit = (requestId: string): BodyOf<'submit'> => ({
  ...sampleBodies().submit,
  requestId,
  deadlineAt: undefined,
});

/** Scheduler + drafter stand-in: admits, then publishes the given chunks in the given order. */
async function fakeCluster(order: number[], duplicate?: number) {
  const a = await Actor.start({ role: 'scheduler', servers: server.url, heartbeatIntervalMs: 0 });
  const cancels: string[] = [];
  a.handle(a.subjects.session('d1'), 'session.cancel', (m) => {
    cancels.push(m.body.sessionId);
    return undefined;
  });
  a.handle(a.subjects.submit(), 'submit', (m) => {
    const req = m.body.requestId;
    setTimeout(() => {
      const texts = ['Hel', 'lo', ' wor', 'ld'];
      const send = (seq: number) =>
        a.publish(a.subjects.tokens(req), 'tokens', {
          requestId: req,
          seq,
          index: seq * 2,
          tokens: Uint32Array.of(seq * 2, seq * 2 + 1),
          text: texts[seq]!,
          done: seq === 3,
          ...(seq === 3 ? { finishReason: 'length' as const } : {}),
        });
      for (const s of order) send(s);
      if (duplicate !== undefined) send(duplicate);
    }, 20);
    return {
      kind: 'submit.ok',
      body: {
        requestId: req,
        sessionId: `${req}-s`,
        drafterId: 'd1',
        pool: 'p',
        tokenSubject: a.subjects.tokens(req),
      },
    };
  });
  await a.flush();
  return { a, cancels };
}

describe('generate client', () => {
  it('streams chunks in sequence order even when they arrive shuffled or twice', async () => {
    const { a } = await fakeCluster([2, 0, 3, 1], 1);
    const c = await Actor.start({ role: 'gateway', servers: server.url, heartbeatIntervalMs: 0 });
    const gen = await generate(c, submit('g1'));
    expect(gen.accepted.drafterId).toBe('d1');
    const out = await collect(gen);
    expect(out.text).toBe('Hello world');
    expect(out.tokens).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(out.chunks).toBe(4);
    await c.stop();
    await a.stop();
  });

  it('surfaces the scheduler error as its typed class', async () => {
    const a = await Actor.start({ role: 'scheduler', servers: server.url, heartbeatIntervalMs: 0 });
    a.handle(a.subjects.submit(), 'submit', () => {
      throw new OverloadedError('full');
    });
    await a.flush();
    const c = await Actor.start({ role: 'gateway', servers: server.url, heartbeatIntervalMs: 0 });
    await expect(generate(c, submit('g2'))).rejects.toBeInstanceOf(OverloadedError);
    await c.stop();
    await a.stop();
  });

  it('cancelling tells the drafter and ends the stream with E_CANCELLED', async () => {
    const { a, cancels } = await fakeCluster([]);
    const c = await Actor.start({ role: 'gateway', servers: server.url, heartbeatIntervalMs: 0 });
    const ac = new AbortController();
    const gen = await generate(c, submit('g3'), { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(collect(gen)).rejects.toBeInstanceOf(CancelledError);
    await c.flush();
    const until = Date.now() + 2000;
    while (cancels.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(cancels).toEqual(['g3-s']);
    await c.stop();
    await a.stop();
  });

  it('fails with E_DEADLINE when the stream goes silent', async () => {
    const { a } = await fakeCluster([0, 1]);
    const c = await Actor.start({ role: 'gateway', servers: server.url, heartbeatIntervalMs: 0 });
    const gen = await generate(c, submit('g4'), { idleTimeoutMs: 200 });
    await expect(collect(gen)).rejects.toThrow(
      /no tokens for request g4 within 200 ms \(waiting for chunk 2\)/,
    );
    await c.stop();
    await a.stop();
  });
});
