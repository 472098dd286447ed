import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServerHandle, startNatsServer } from '../src/nats-server.js';
import { RequestMux } from '../src/request-mux.js';

let server: NatsServerHandle;
let responder: NatsConnection;
const dir = mkdtempSync(join(tmpdir(), 'specmesh-mux-'));

beforeAll(async () => {
  // A user that may publish `echo.*` but not `forbidden` (everyone else: anything).
  writeFileSync(
    join(dir, 'users.conf'),
    'authorization { users = [\n  { user: any, password: any }\n  { user: limited, password: limited, permissions: { publish: { allow: ["echo.*"] } } }\n  { user: deaf, password: deaf, permissions: { subscribe: { allow: ["nothing"] } } }\n] }\n',
  );
  server = await startNatsServer({ args: ['-c', join(dir, 'users.conf')] });
  responder = await connect({ servers: server.url, user: 'any', pass: 'any' });
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
  rmSync(dir, { recursive: true, force: true });
});

const open = () => connect({ servers: server.url, user: 'any', pass: 'any' });

const bytes = (...b: number[]) => new Uint8Array(b);

describe('RequestMux', () => {
  it('gives each of many requests in flight its own reply, out of order, and a second reply to none', async () => {
    const nc = await open();
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
    const nc = await open();
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

  it('fails a request whose publish the server refuses at once, with the server’s reason', async () => {
    const nc = await connect({ servers: server.url, user: 'limited', pass: 'limited' });
    const mux = new RequestMux(nc, '_INBOX.test.c');
    const started = performance.now();
    await expect(mux.request('forbidden', bytes(1), { timeoutMs: 20_000 })).rejects.toThrow(
      /Permissions Violation for Publish to "forbidden"/,
    );
    expect(performance.now() - started).toBeLessThan(10_000);
    // Requests it may send still work.
    expect([...(await mux.request('echo.one', bytes(0, 7), { timeoutMs: 5000 })).data]).toEqual([0, 7]);
    await nc.close();
  });

  it('fails every request at once when the server refuses its inbox subscription', async () => {
    const nc = await connect({ servers: server.url, user: 'deaf', pass: 'deaf' });
    const mux = new RequestMux(nc, '_INBOX.test.d');
    await expect(mux.request('echo.one', bytes(0), { timeoutMs: 20_000 })).rejects.toThrow(
      /Permissions Violation for Subscription to "_INBOX.test.d/,
    );
    await expect(mux.request('echo.one', bytes(0), { timeoutMs: 20_000 })).rejects.toThrow(
      /Permissions Violation/,
    );
    await nc.close();
  });
});
