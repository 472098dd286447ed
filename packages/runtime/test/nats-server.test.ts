import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import { findNatsServer, startNatsCluster, startNatsServer } from '../src/nats-server.js';
import { isRunning, until } from './helpers.js';

describe('nats-server management', () => {
  const stops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const s of stops) await s();
  });

  it('finds the binary and reports a clear error when it is absent', () => {
    expect(findNatsServer()).toMatch(/nats-server$/);
    expect(() => findNatsServer({ PATH: '/nonexistent', SPECMESH_NATS_SERVER: '/nope' }, [])).toThrow(
      /nats-server binary not found; install it with `apt-get install -y nats-server`/,
    );
  });

  it('starts a server on a free port that accepts clients, and stops it', async () => {
    const srv = await startNatsServer();
    const nc = await connect({ servers: srv.url });
    const sub = nc.subscribe('x', { max: 1 });
    nc.publish('x', 'hello');
    for await (const m of sub) expect(m.string()).toBe('hello');
    await nc.close();
    await srv.stop();
    await expect(connect({ servers: srv.url, reconnect: false, timeout: 500 })).rejects.toThrow();
  });

  it('forms a routed 3-node cluster: a message published on one node reaches a subscriber on another', async () => {
    const cluster = await startNatsCluster({ size: 3 });
    stops.push(() => cluster.stop());
    const [a, , c] = cluster.urls;
    const sub = await connect({ servers: a! });
    const pub = await connect({ servers: c! });
    const s = sub.subscribe('routed', { max: 1 });
    await sub.flush();
    // Routes take a moment to exchange interest; publish until it arrives (bounded).
    const received = (async () => {
      for await (const m of s) return m.string();
      return undefined;
    })();
    let got: string | undefined;
    for (let i = 0; i < 100 && got === undefined; i++) {
      pub.publish('routed', 'across');
      got = await Promise.race([received, new Promise<undefined>((r) => setTimeout(() => r(undefined), 50))]);
    }
    expect(got).toBe('across');
    await sub.close();
    await pub.close();
  });

  it.skipIf(process.platform !== 'linux')(
    'a server does not outlive a parent killed outright (a test worker on a timeout, a SIGKILLed up)',
    async () => {
      const module = fileURLToPath(new URL('../dist/nats-server.js', import.meta.url));
      const script = `const { startNatsServer } = await import(${JSON.stringify(module)});
        const s = await startNatsServer(); process.stdout.write('pid ' + s.pid + '\\n'); setInterval(() => {}, 1000);`;
      const parent = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const pid = await new Promise<number>((resolve) => {
        let out = '';
        parent.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /pid (\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
      });
      expect(isRunning(pid)).toBe(true);
      parent.kill('SIGKILL');
      const gone = await until(() => !isRunning(pid), 10_000);
      if (!gone) process.kill(pid, 'SIGKILL');
      expect(gone).toBe(true);
    },
  );
});
