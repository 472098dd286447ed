/**
 * `specmesh node --supervise` keeps a role up on a machine without systemd: a crashed node is
 * restarted, a configuration error stops it at once, and SIGTERM drains the node and ends both.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
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

describe('specmesh node --supervise', () => {
  let server: NatsServerHandle;
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('restarts a killed node, and drains it and exits 0 on SIGTERM', async () => {
    const sup = spawn(
      process.execPath,
      [BIN, 'node', '--supervise', '--role', 'echo', '--name', 'echo-sup', '--nats', server.url],
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
