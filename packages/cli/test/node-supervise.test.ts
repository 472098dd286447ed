/**
 * `specmesh node --supervise` keeps a role up on a machine without systemd: a crashed node is
 * restarted (by promoting its warm spare, which waited without connecting, or from scratch with
 * --no-warm-spare), a configuration error stops it at once, and SIGTERM drains the node and ends all.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  Actor,
  createLogger,
  freePort,
  MembershipView,
  type NatsServerHandle,
  startNatsServer,
  untilConnections,
} from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { within } from './within.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

/** Pids of `pid`'s children. */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number);
  } catch {
    return [];
  }
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((r) => child.once('exit', r));
}

async function until(done: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The JSON log lines of `text` (pino, one object a line) whose message is `msg`. */
function logLines(text: string, msg: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes(`"msg":"${msg}"`))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('specmesh node --supervise', () => {
  let server: NatsServerHandle;
  let monitorPort: number;
  beforeAll(async () => {
    monitorPort = await freePort();
    server = await startNatsServer({ args: ['-m', String(monitorPort)] });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('restarts a killed node from scratch with --no-warm-spare, and drains it and exits 0 on SIGTERM', async () => {
    const sup = spawn(
      process.execPath,
      [
        BIN,
        'node',
        '--supervise',
        '--no-warm-spare',
        '--role',
        'echo',
        '--name',
        'echo-sup',
        '--nats',
        server.url,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let out = '';
    sup.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    try {
      await until(() => /ready echo-sup/.test(out), within(20_000));
      const [first] = childrenOf(sup.pid!);
      expect(first).toBeGreaterThan(0);
      process.kill(first!, 'SIGKILL');
      await until(() => (out.match(/ready echo-sup/g) ?? []).length === 2, within(20_000));
      const [second] = childrenOf(sup.pid!);
      expect(second).not.toBe(first);
      sup.kill('SIGTERM');
      expect(await exitOf(sup)).toBe(0);
      expect(childrenOf(sup.pid!)).toEqual([]);
    } finally {
      sup.kill('SIGKILL');
    }
  });

  it('promotes the warm spare when the node is killed: back at once, and the spare had not connected', async () => {
    const observer = await Actor.start({
      role: 'scheduler',
      servers: server.url,
      heartbeatIntervalMs: 0,
      logger: createLogger({ level: 'silent' }),
    });
    const view = new MembershipView().start(observer, 25);
    const sup = spawn(
      process.execPath,
      [
        ...[BIN, 'node', '--supervise', '--role', 'echo', '--name', 'echo-warm', '--nats', server.url],
        ...['--heartbeat-ms', '200', '--log-level', 'info'],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    sup.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    sup.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const spares = () => logLines(err, 'warm spare ready').map((l) => l['spare'] as number);
    try {
      await until(() => /ready echo-warm/.test(out) && spares().length === 1, within(20_000));
      const [spare] = spares();
      const [running] = childrenOf(sup.pid!).filter((p) => p !== spare);
      expect(running).toBeGreaterThan(0);
      expect(childrenOf(sup.pid!).sort()).toEqual([running, spare].sort());
      // Loaded and waiting, not in the cluster: the one connection under the id is the running node's.
      await view.waitFor((ms) => ms.some((m) => m.id === 'echo-warm'), within(20_000));
      expect(await untilConnections(monitorPort, 'echo-warm', 1, within(20_000))).toBe(true);
      const firstStart = view.get('echo-warm')!.heartbeat.startedAt;

      process.kill(running!, 'SIGKILL');
      await view.waitFor(
        (ms) => ms.some((m) => m.id === 'echo-warm' && m.heartbeat.startedAt !== firstStart),
        within(20_000),
      );
      await until(() => logLines(err, 'restarted').length === 1, within(20_000));
      expect(logLines(err, 'restarted')[0]).toMatchObject({ promoted: true });
      // The spare is the node now (it printed the second ready line), and a new spare waits beside it.
      await until(
        () => (out.match(/ready echo-warm/g) ?? []).length === 2 && spares().length === 2,
        within(20_000),
      );
      const next = spares()[1]!;
      expect(childrenOf(sup.pid!).sort()).toEqual([spare, next].sort());
      expect(await untilConnections(monitorPort, 'echo-warm', 1, within(20_000))).toBe(true);

      sup.kill('SIGTERM');
      expect(await exitOf(sup)).toBe(0);
      expect(childrenOf(sup.pid!)).toEqual([]);
    } finally {
      sup.kill('SIGKILL');
      view.stop();
      await observer.stop();
    }
  });

  it('refuses a wrong configuration at once: exit 2, no node started', async () => {
    const sup = spawn(
      process.execPath,
      [BIN, 'node', '--supervise', '--role', 'echo', '--nats', server.url, '--heartbeat-ms', '-5'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    sup.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    expect(await exitOf(sup)).toBe(2);
    expect(err.match(/E_CONFIG/g)).toHaveLength(1);
  });
});
