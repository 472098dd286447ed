import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { machineLoadFactor, type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { within } from './within.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

function startNode(args: string[]): Promise<ChildProcess & { readyLine: string }> {
  const child = spawn(process.execPath, [BIN, 'node', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      const line = d.toString();
      if (line.includes('ready')) resolve(Object.assign(child, { readyLine: line.trim() }));
    });
    child.once('exit', (code) => reject(new Error(`node ${args.join(' ')} exited early with ${code}`)));
  });
}

describe('specmesh node + status', () => {
  let server: NatsServerHandle;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await server.stop();
  });

  it('runs scheduler and batcher nodes that status lists with their pool and load', async () => {
    const common = ['--nats', server.url, '--heartbeat-ms', '200'];
    children.push(await startNode(['--role', 'scheduler', '--name', 'sched-1', ...common]));
    children.push(await startNode(['--role', 'batcher', '--name', 'batch-1', '--pool', 'gpu-a', ...common]));
    const r = spawnSync(
      process.execPath,
      [BIN, 'status', '--nats', server.url, '--json', '--listen-ms', '1000'],
      {
        encoding: 'utf8',
        timeout: within(20_000),
      },
    );
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(rows.map((x) => [x['role'], x['id'], x['pool']])).toEqual([
      ['batcher', 'batch-1', 'gpu-a'],
      ['scheduler', 'sched-1', ''],
    ]);
    expect(rows.every((x) => x['version'] === '0.1.0' && x['draining'] === false)).toBe(true);

    const table = spawnSync(process.execPath, [BIN, 'status', '--nats', server.url, '--listen-ms', '600'], {
      encoding: 'utf8',
    });
    expect(table.stdout.split('\n')[0]).toMatch(
      /^role +id +pool +version +uptimeS +inflight +queued +capacity +draining/,
    );
    expect(table.stdout).toContain('batch-1');
  });

  it('runs a gateway node whose readiness follows the presence of a scheduler', async () => {
    const gw = await startNode(['--role', 'gateway', '--port', '0', '--nats', server.url]);
    children.push(gw);
    const url = gw.readyLine.split(' ')[2]!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    // The scheduler started by the previous test is still beating: ready within a few beats.
    const until = Date.now() + 5000 * machineLoadFactor();
    let status = 0;
    while (status !== 200 && Date.now() < until) {
      status = (await fetch(`${url}/ready`)).status;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(200);
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data[0]!.id).toBe('specmesh');
  });

  it('reads SPECMESH_NATS from the environment and ignores unrelated SPECMESH_ variables', () => {
    const r = spawnSync(process.execPath, [BIN, 'status', '--json', '--listen-ms', '600'], {
      encoding: 'utf8',
      timeout: within(20_000),
      env: { ...process.env, SPECMESH_NATS: server.url, SPECMESH_NATS_SERVER: '/usr/sbin/nats-server' },
    });
    expect(r.stderr).not.toContain('Unknown argument');
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<{ id: string }>;
    expect(rows.some((x) => x.id === 'sched-1')).toBe(true);
  });
});
