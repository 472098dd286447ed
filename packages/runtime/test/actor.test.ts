import { connect } from '@nats-io/transport-node';
import {
  CancelledError,
  Codec,
  DeadlineError,
  decodeMessage,
  ErrorCode,
  NoRespondersError,
  OverloadedError,
  UnknownSessionError,
} from '@specmesh/protocol';
import { sampleBodies, sampleVerifyTask } from '@specmesh/protocol/internal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Actor } from '../src/actor.js';
import { serveEcho } from '../src/echo-service.js';
import { type NatsServerHandle, startNatsServer } from '../src/nats-server.js';

let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server.stop();
});

const start = (role: 'echo' | 'gateway', extra: Partial<Parameters<typeof Actor.start>[0]> = {}) =>
  Actor.start({ role, servers: server.url, heartbeatIntervalMs: 0, ...extra });

describe('actor request/reply', () => {
  it('serves a request with a typed reply and counts it', async () => {
    const echo = await start('echo');
    const client = await start('gateway');
    const subject = serveEcho(echo);
    await echo.flush();
    const task = sampleVerifyTask();
    const reply = await client.request(subject, 'verify.task', task, { expect: 'verify.result' });
    expect(reply.kind).toBe('verify.result');
    expect(reply.body.taskId).toBe(task.taskId);
    expect(reply.body.accepted).toBe(task.drafts.length);
    expect(reply.from).toBe(echo.id);
    const metrics = await echo.metrics.registry.getSingleMetricAsString('specmesh_messages_received_total');
    expect(metrics).toMatch(/kind="verify.task".* 1/);
    await client.drain();
    await echo.drain();
  });

  it('fails with E_DEADLINE when no reply comes in time', async () => {
    const slow = await start('echo');
    const client = await start('gateway');
    slow.handle(slow.subjects.echo('slow'), 'verify.task', () => new Promise(() => undefined));
    await slow.flush();
    const t0 = Date.now();
    const err = await client
      .request(slow.subjects.echo('slow'), 'verify.task', sampleVerifyTask(), {
        expect: 'verify.result',
        timeoutMs: 150,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineError);
    expect((err as DeadlineError).retryable).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    await client.stop();
    await slow.stop();
  });

  it('fails with E_NO_RESPONDERS when nobody serves the subject', async () => {
    const client = await start('gateway');
    const err = await client
      .request(client.subjects.echo('nobody'), 'verify.task', sampleVerifyTask(), { expect: 'verify.result' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoRespondersError);
    await client.stop();
  });

  it('is cancelled by its AbortSignal', async () => {
    const slow = await start('echo');
    const client = await start('gateway');
    slow.handle(slow.subjects.echo('hang'), 'verify.task', () => new Promise(() => undefined));
    await slow.flush();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const err = await client
      .request(slow.subjects.echo('hang'), 'verify.task', sampleVerifyTask(), {
        expect: 'verify.result',
        timeoutMs: 5000,
        signal: ac.signal,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    await client.stop();
    await slow.stop();
  });

  it('rebuilds a handler error as its typed class on the requester', async () => {
    const failing = await start('echo');
    const client = await start('gateway');
    failing.handle(failing.subjects.echo('fail'), 'verify.task', (msg) => {
      throw new UnknownSessionError(`no state for ${msg.body.sessionId}`, {
        context: { sessionId: msg.body.sessionId },
      });
    });
    // The subscription must reach the server before the request does (else: no responders).
    await failing.flush();
    const err = await client
      .request(failing.subjects.echo('fail'), 'verify.task', sampleVerifyTask(), { expect: 'verify.result' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownSessionError);
    expect((err as UnknownSessionError).context).toEqual({ sessionId: 'sess-1' });
    const counted = await failing.metrics.registry.getSingleMetricAsString('specmesh_handler_errors_total');
    expect(counted).toMatch(/code="E_UNKNOWN_SESSION".* 1/);
    await client.stop();
    await failing.stop();
  });

  it('refuses work beyond maxInflight with E_OVERLOADED instead of queueing without bound', async () => {
    const busy = await start('echo', { maxInflight: 2 });
    const client = await start('gateway');
    const release: Array<() => void> = [];
    busy.handle(
      busy.subjects.echo('busy'),
      'verify.task',
      (msg) =>
        new Promise((resolve) =>
          release.push(() =>
            resolve({
              kind: 'verify.result',
              body: { ...sampleBodies()['verify.result'], taskId: msg.body.taskId },
            }),
          ),
        ),
    );
    await busy.flush();
    const send = () =>
      client
        .request(busy.subjects.echo('busy'), 'verify.task', sampleVerifyTask(), { expect: 'verify.result' })
        .then(
          () => 'ok',
          (e: unknown) => e,
        );
    const first = [send(), send()];
    while (busy.inflightCount < 2) await new Promise((r) => setTimeout(r, 5));
    const third = await send();
    expect(third).toBeInstanceOf(OverloadedError);
    for (const r of release) r();
    expect(await Promise.all(first)).toEqual(['ok', 'ok']);
    await client.stop();
    await busy.stop();
  });

  it('drains gracefully: in-flight work finishes and is answered, then the actor closes', async () => {
    const worker = await start('echo');
    const client = await start('gateway');
    worker.handle(worker.subjects.echo('work'), 'verify.task', async (msg) => {
      await new Promise((r) => setTimeout(r, 200));
      return { kind: 'verify.result', body: { ...sampleBodies()['verify.result'], taskId: msg.body.taskId } };
    });
    await worker.flush();
    const pending = client.request(worker.subjects.echo('work'), 'verify.task', sampleVerifyTask(), {
      expect: 'verify.result',
    });
    while (worker.inflightCount < 1) await new Promise((r) => setTimeout(r, 5));
    const drained = worker.drain();
    expect(worker.status).toBe('draining');
    const reply = await pending;
    expect(reply.body.taskId).toBe('sess-1:t:3');
    await drained;
    expect(worker.status).toBe('closed');
    // After the drain nobody serves the subject any more.
    await expect(
      client.request(worker.subjects.echo('work'), 'verify.task', sampleVerifyTask(), {
        expect: 'verify.result',
      }),
    ).rejects.toBeInstanceOf(NoRespondersError);
    await client.stop();
  });
});

describe('actor bad input', () => {
  it('answers a malformed request with a typed error reply, counts it and keeps serving', async () => {
    const echo = await start('echo');
    const subject = serveEcho(echo);
    await echo.flush();
    const nc = await connect({ servers: server.url });
    const reply = await nc.request(subject, Uint8Array.of(0xc1, 0x00, 0x13), { timeout: 2000 });
    const env = decodeMessage(reply.data, 'error');
    expect(env.body.code).toBe(ErrorCode.Decode);
    // A valid message of the wrong kind on this subject.
    const wrongKind = new Codec({ from: 'raw' }).encode('session.ok', sampleBodies()['session.ok']);
    const env2 = decodeMessage((await nc.request(subject, wrongKind, { timeout: 2000 })).data, 'error');
    expect(env2.body.code).toBe(ErrorCode.UnknownKind);
    const bad = await echo.metrics.registry.getSingleMetricAsString('specmesh_bad_messages_total');
    expect(bad).toMatch(/code="E_DECODE".* 1/);
    expect(bad).toMatch(/code="E_UNKNOWN_KIND".* 1/);
    const good = await nc.request(
      subject,
      new Codec({ from: 'raw' }).encode('verify.task', sampleVerifyTask()),
      {
        timeout: 2000,
      },
    );
    expect(decodeMessage(good.data, 'verify.result').body.accepted).toBe(8);
    await nc.close();
    await echo.stop();
  });
});
