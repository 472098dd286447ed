import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { connect } from '@nats-io/transport-node';
import { ConfigError } from '@specmesh/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { DelayProxy } from '../src/delay-proxy.js';
import { startNatsServer } from '../src/nats-server.js';
import { machineLoadFactor } from '../src/startup-deadline.js';

/** A TCP echo server on a free port. */
async function echoServer(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : 0, sockets };
}

function open(port: number): Promise<Socket> {
  return new Promise((ok, fail) => {
    const s = tcpConnect({ host: '127.0.0.1', port }, () => ok(s));
    s.once('error', fail);
  });
}

/** Resolves once `bytes` bytes came back on `s`, with them. */
function readBytes(s: Socket, bytes: number): Promise<Buffer> {
  return new Promise((ok) => {
    const parts: Buffer[] = [];
    let n = 0;
    const on = (b: Buffer) => {
      parts.push(b);
      n += b.length;
      if (n >= bytes) {
        s.off('data', on);
        ok(Buffer.concat(parts));
      }
    };
    s.on('data', on);
  });
}

describe('DelayProxy', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('rejects bad options with ConfigError naming the option', async () => {
    await expect(DelayProxy.start({ targetPort: 0 })).rejects.toThrow(ConfigError);
    await expect(DelayProxy.start({ targetPort: 4222, oneWayMs: -1 })).rejects.toThrow(/oneWayMs/);
    await expect(DelayProxy.start({ targetPort: 4222, jitter: 1 })).rejects.toThrow(/jitter/);
    await expect(DelayProxy.start({ targetPort: 4222, maxQueuedBytes: 0 })).rejects.toThrow(/maxQueuedBytes/);
  });

  it('a round trip through the proxy to an echo server costs at least twice the one-way delay', async () => {
    const echo = await echoServer();
    cleanups.push(() => new Promise<void>((ok) => echo.server.close(() => ok())));
    const proxy = await DelayProxy.start({ targetPort: echo.port, oneWayMs: 15, jitter: 0.2, seed: 3 });
    cleanups.push(() => proxy.stop());
    const s = await open(proxy.port);
    const rtts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const back = readBytes(s, 4);
      s.write(`p${i}.!`.slice(0, 4));
      await back;
      rtts.push(performance.now() - t0);
    }
    // Jitter is ±20% per direction, so every round trip is at least 2 · 15 · 0.8.
    for (const r of rtts) expect(r).toBeGreaterThanOrEqual(2 * 15 * 0.8 - 0.5);
    const mean = rtts.reduce((a, b) => a + b, 0) / rtts.length;
    expect(mean).toBeGreaterThanOrEqual(2 * 15 * 0.8);
    s.destroy();
  });

  it('keeps byte order under many small writes with jitter, and counts bytes both ways', async () => {
    const echo = await echoServer();
    cleanups.push(() => new Promise<void>((ok) => echo.server.close(() => ok())));
    const proxy = await DelayProxy.start({ targetPort: echo.port, oneWayMs: 4, jitter: 0.9, seed: 9 });
    cleanups.push(() => proxy.stop());
    const s = await open(proxy.port);
    const n = 2000;
    const expected = Buffer.alloc(n * 4);
    for (let i = 0; i < n; i++) expected.writeUInt32BE(i, i * 4);
    const back = readBytes(s, expected.length);
    for (let i = 0; i < n; i++) {
      s.write(expected.subarray(i * 4, i * 4 + 4));
      // Spread writes over several event-loop turns so chunks draw different delays.
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    expect((await back).equals(expected)).toBe(true);
    expect(proxy.stats.bytesToTarget).toBe(expected.length);
    expect(proxy.stats.bytesToClient).toBe(expected.length);
    expect(proxy.stats.connections).toBe(1);
    s.destroy();
  });

  it('pauses the source instead of buffering without bound', async () => {
    const echo = await echoServer();
    cleanups.push(() => new Promise<void>((ok) => echo.server.close(() => ok())));
    const proxy = await DelayProxy.start({ targetPort: echo.port, oneWayMs: 30, maxQueuedBytes: 64 * 1024 });
    cleanups.push(() => proxy.stop());
    const s = await open(proxy.port);
    const big = Buffer.alloc(4 << 20, 7);
    const back = readBytes(s, big.length);
    s.write(big);
    const got = await back;
    expect(got.length).toBe(big.length);
    expect(proxy.stats.pauses).toBeGreaterThan(0);
    s.destroy();
  });

  it('passes a half-close on after the queued bytes, then closes both sides', async () => {
    const echo = await echoServer();
    cleanups.push(() => new Promise<void>((ok) => echo.server.close(() => ok())));
    const proxy = await DelayProxy.start({ targetPort: echo.port, oneWayMs: 10 });
    cleanups.push(() => proxy.stop());
    const s = await open(proxy.port);
    const back = readBytes(s, 5);
    s.end('hello');
    expect((await back).toString()).toBe('hello');
    await new Promise<void>((ok) => s.once('close', () => ok()));
    // The echo server saw the FIN after the bytes, ended its side, and the proxy let both go.
    const until = Date.now() + 2000 * machineLoadFactor();
    while (proxy.stats.open > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(proxy.stats.open).toBe(0);
  });

  it('carries NATS: request/reply works and its RTT reflects the delay; stop() frees every connection', async () => {
    const srv = await startNatsServer();
    cleanups.push(() => srv.stop());
    const proxy = await DelayProxy.start({ targetPort: srv.port, oneWayMs: 12 });
    const responder = await connect({ servers: srv.url });
    cleanups.push(() => responder.close());
    responder.subscribe('rtt.echo', {
      callback: (_e, m) => {
        m.respond(m.data);
      },
    });
    await responder.flush();
    const far = await connect({ servers: proxy.url, reconnect: false });
    const rtts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const reply = await far.request('rtt.echo', `ping ${i}`, { timeout: 5000 });
      rtts.push(performance.now() - t0);
      expect(reply.string()).toBe(`ping ${i}`);
    }
    for (const r of rtts) expect(r).toBeGreaterThanOrEqual(2 * 12 - 0.5);
    expect(proxy.stats.open).toBe(1);
    const closed = far.closed();
    await proxy.stop();
    expect(proxy.stats.open).toBe(0);
    // The client sees its connection go (no reconnect): nothing of the proxy is left holding it.
    await closed;
    await expect(connect({ servers: proxy.url, reconnect: false, timeout: 500 })).rejects.toThrow();
  });
});
