/**
 * Operating a running cluster from the CLI, each node its own process: `specmesh status` waits for and
 * lists every instance, `specmesh drain <instance>` makes that one node finish and exit 0 (its last
 * heartbeats say draining), and draining an id nobody has exits 4. Settings come from a shared
 * specmesh.yaml, as on real machines.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from './helpers/cli.js';

const cli = (args: string[], cwd: string) => runCli(args, { cwd, env: { SPECMESH_NATS: '' } });

function startNode(args: string[], cwd: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'node', ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`node ${args.join(' ')} exited early with ${code}`)));
  });
}

describe('specmesh status and drain against node processes', () => {
  let server: NatsServerHandle;
  let cwd: string;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    server = await startNatsServer();
    cwd = mkdtempSync(join(tmpdir(), 'specmesh-ops-'));
    writeFileSync(join(cwd, 'specmesh.yaml'), `nats: ${server.url}\nprefix: ops\nheartbeat-ms: 200\n`);
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await server?.stop();
  });

  it('lists every instance, drains one, and refuses an unknown one', async () => {
    children.push(await startNode(['--role', 'scheduler', '--name', 'sched-1'], cwd));
    children.push(await startNode(['--role', 'echo', '--name', 'echo-1'], cwd));
    const victim = await startNode(['--role', 'echo', '--name', 'echo-2'], cwd);
    children.push(victim);

    const status = await cli(['status', '--json', '--expect', '3', '--listen-ms', '5000'], cwd);
    expect(status.code).toBe(0);
    const ids = (JSON.parse(status.stdout) as Array<{ id: string }>).map((r) => r.id);
    expect(ids).toEqual(['echo-1', 'echo-2', 'sched-1']);

    const exited = new Promise<number | null>((r) => victim.once('exit', (code) => r(code)));
    const drain = await cli(['drain', 'echo-2', '--json'], cwd);
    expect(drain.stderr).toBe('');
    expect(drain.code).toBe(0);
    expect(JSON.parse(drain.stdout)).toMatchObject({ id: 'echo-2' });
    expect(await exited).toBe(0);

    const after = await cli(['status', '--json', '--listen-ms', '700'], cwd);
    expect((JSON.parse(after.stdout) as Array<{ id: string }>).map((r) => r.id)).not.toContain('echo-2');

    const unknown = await cli(['drain', 'nobody-here', '--timeout-ms', '1000'], cwd);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/E_NO_RESPONDERS/);

    const short = await cli(['status', '--expect', '9', '--listen-ms', '300'], cwd);
    expect(short.code).toBe(5);
    expect(short.stderr).toMatch(/heard 2 of 9 expected instances/);
  });
});
