/**
 * The per-role NATS users of infra/nats/accounts.conf are enough for a working cluster and no more:
 * every role connects as its own user, generation equals the target's greedy output, an operator
 * runs status and drain, and a verifier's credentials cannot submit work.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EmulatedModel } from '@specmesh/models';
import { type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from './helpers/cli.js';

const CONF = fileURLToPath(new URL('../infra/nats/local-auth.conf', import.meta.url));
const ENV_EXAMPLE = fileURLToPath(new URL('../infra/nats/nats.env.example', import.meta.url));
const SEED = 37;
const MODEL = [
  '--seed',
  String(SEED),
  '--target-ttft-ms',
  '2',
  '--target-tpot-ms',
  '2',
  '--draft-tpot-ms',
  '0.3',
];

/** The example passwords, as nats-server reads them from its environment. */
const PASSWORDS = Object.fromEntries(
  readFileSync(ENV_EXAMPLE, 'utf8')
    .split('\n')
    .filter((l) => /^SPECMESH_\w+=/.test(l))
    .map((l) => l.split('=') as [string, string]),
);
const as = (user: string) => ({
  SPECMESH_USER: user,
  SPECMESH_PASSWORD: PASSWORDS[`SPECMESH_${user.toUpperCase()}_PASSWORD`],
});

const cli = (args: string[], env: Record<string, string | undefined>) => runCli(args, { env });

describe('per-role NATS users (infra/nats/accounts.conf)', () => {
  let server: NatsServerHandle;
  const children: ChildProcess[] = [];
  const base = () => ({ SPECMESH_NATS: server.url, SPECMESH_HEARTBEAT_MS: '200' });

  beforeAll(async () => {
    Object.assign(process.env, PASSWORDS);
    server = await startNatsServer({ args: ['-c', CONF] });
    const start = (role: string, extra: string[] = []) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [CLI, 'node', '--role', role, '--name', `${role}-p`, ...extra],
          {
            env: { ...process.env, ...base(), ...as(role) },
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        );
        children.push(child);
        child.stdout.on('data', (d: Buffer) => {
          if (d.toString().includes('ready')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
      });
    await Promise.all([
      start('scheduler'),
      start('batcher'),
      start('verifier', MODEL),
      start('drafter', MODEL),
    ]);
  }, 30_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await server?.stop();
  });

  it('a cluster of per-role users generates the target’s greedy output; an operator sees and drains it', async () => {
    const status = await cli(['status', '--json', '--expect', '4', '--listen-ms', '5000'], {
      ...base(),
      ...as('operator'),
    });
    expect(status.stderr).toBe('');
    expect((JSON.parse(status.stdout) as Array<{ id: string }>).map((r) => r.id)).toEqual([
      'batcher-p',
      'drafter-p',
      'scheduler-p',
      'verifier-p',
    ]);

    for (const mode of ['si', 'dsi']) {
      const gen = await cli(
        ['generate', 'permissions hold', '--json', '--mode', mode, '--max-tokens', '12'],
        {
          ...base(),
          ...as('gateway'),
        },
      );
      expect(gen.stderr).toBe('');
      const target = new EmulatedModel({ seed: SEED });
      const ctx = [target.info.bosId, ...target.tokenize('permissions hold')];
      const want: number[] = [];
      for (let i = 0; i < 12; i++) {
        const t = target.targetArgmax(ctx);
        want.push(t);
        ctx.push(t);
      }
      expect((JSON.parse(gen.stdout) as { tokenIds: number[] }).tokenIds).toEqual(want);
    }

    const drain = await cli(['drain', 'batcher-p'], { ...base(), ...as('operator') });
    expect(drain.stderr).toBe('');
    expect(drain.code).toBe(0);
  }, 40_000);

  it('a verifier’s credentials cannot submit work', async () => {
    const gen = await cli(['generate', 'not allowed', '--json', '--max-tokens', '4'], {
      ...base(),
      ...as('verifier'),
    });
    expect(gen.code).not.toBe(0);
    expect(gen.stderr).toMatch(/Permissions Violation|permission/i);
  }, 20_000);
});
