import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServerHandle, startNatsServer } from '../src/nats-server.js';
import { RequestMux } from '../src/request-mux.js';

let server: NatsServerHandle;
let responder: NatsConnection;

beforeAll(async () => {
  server = await startNatsServer();
  responder = await connect({ servers: server.url });
  // Answers with the request's own bytes after `delay` ms (the first byte), twice for `twice.*`.
  responder.subscribe('echo.*', {
    callback: (_e, m) => {
      setTimeout(() => {
        m.respond(m.data);
        if (m.subject === 'echo.twice') m.respond(new Uint8Array([255]));
      }, m.data[0] ?? 0);
    },
  });
  responder.subscribe('silent', { callback: () => undefined });
  await responder.flush();
});

afterAll(async () => {
  await responder.close();
  await server.stop();
});

const bytes = (...b: number[]) => new Uint8Array(b);

describe('RequestMux', () => {
  it('gives each of many requests in flight its own reply, out of order, and a second reply to none', async () => {
    const nc = await connect({ servers: server.url });
    const mux = new RequestMux(nc, '_INBOX.test.a');
    // Later requests answer sooner: replies come back in reverse order.
    const asked = Array.from({ length: 20 }, (_, i) =>
      mux.request('echo.one', bytes(40 - 2 * i, i), { timeoutMs: 5000 }),
    );
    const twice = mux.request('echo.twice', bytes(0, 99), { timeoutMs: 5000 });
    const replies = await Promise.all(asked);
    expect(replies.map((m) => m.data[1])).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect([...(await twice).data]).toEqual([0, 99]);
    await nc.flush();
    expect(mux.size).toBe(0);
    await nc.close();
  });

  it('fails with typed errors: no responders, no reply in time, cancelled, connection closed', async () => {
    const nc = await connect({ servers: server.url });
    const mux = new RequestMux(nc, '_INBOX.test.b');
    await expect(mux.request('nobody.here', bytes(1), { timeoutMs: 5000 })).rejects.toMatchObject({
      code: 'E_NO_RESPONDERS',
      context: { subject: 'nobody.here' },
    });
    await expect(mux.request('silent', bytes(1), { timeoutMs: 50 })).rejects.toMatchObject({
      code: 'E_DEADLINE',
      context: { subject: 'silent', timeoutMs: 50 },
    });
    const abort = new AbortController();
    const cancelled = mux.request('silent', bytes(1), { timeoutMs: 5000, signal: abort.signal });
    abort.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'E_CANCELLED' });
    await expect(
      mux.request('silent', bytes(1), { timeoutMs: 5000, signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: 'E_CANCELLED' });
    const closing = mux.request('silent', bytes(1), { timeoutMs: 5000 });
    await nc.close();
    await expect(closing).rejects.toMatchObject({ code: 'E_CONNECTION' });
    await expect(mux.request('echo.one', bytes(0), { timeoutMs: 5000 })).rejects.toMatchObject({
      code: 'E_CONNECTION',
    });
    expect(mux.size).toBe(0);
  });
});
