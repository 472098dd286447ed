/**
 * An edge site in its own NATS account (infra/nats/accounts.conf, `specmesh creds --edge`) runs real
 * work: a drafter on an edge server, joined to the cloud's server as a leaf node that logs in as the
 * site's user, hosts sessions for the cloud's scheduler, batcher and verifier (each under its own
 * user), and `specmesh generate` gets the target's greedy output in every mode. Everything the
 * session needs crosses between the accounts: heartbeats both ways, the session's start (a request
 * answered from the edge), its tasks (through the batcher and direct), results, token stream and the
 * drafter's pings to the verifier. What may not cross is test/nats-topologies.test.ts's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmulatedModel } from '@specmesh/models';
import { freePort, type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from './helpers/cli.js';
import { within } from './helpers/within.js';

const NATS_DIR = fileURLToPath(new URL('../infra/nats/', import.meta.url));
const SEED = 41;
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
const EDGE_DRAFTER = 'edge-drafter-1';

const PASSWORDS = Object.fromEntries(
  readFileSync(join(NATS_DIR, 'nats.env.example'), 'utf8')
    .split('\n')
    .filter((l) => /^SPECMESH_\w+=/.test(l))
    .map((l) => l.split('=') as [string, string]),
);
const passwordOf = (user: string) =>
  PASSWORDS[`SPECMESH_PASSWORD_${user.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`]!;
const as = (user: string) => ({ SPECMESH_USER: user, SPECMESH_PASSWORD: passwordOf(user) });

describe('an edge site in its own account', () => {
  const dir = mkdtempSync(join(tmpdir(), 'specmesh-edge-site-'));
  let cloud: NatsServerHandle;
  let edge: NatsServerHandle;
  const children: ChildProcess[] = [];
  const cloudEnv = () => ({ SPECMESH_NATS: cloud.url, SPECMESH_HEARTBEAT_MS: '200' });

  beforeAll(async () => {
    Object.assign(process.env, PASSWORDS);
    copyFileSync(join(NATS_DIR, 'accounts.conf'), join(dir, 'accounts.conf'));
    const leafPort = await freePort();
    writeFileSync(
      join(dir, 'cloud.conf'),
      `max_payload: 1MB\nleafnodes {\n  listen: 127.0.0.1:${leafPort}\n}\ninclude ./accounts.conf\n`,
    );
    cloud = await startNatsServer({ name: 'cloud', args: ['-c', join(dir, 'cloud.conf')] });
    writeFileSync(
      join(dir, 'edge.conf'),
      `max_payload: 1MB\nleafnodes {\n  remotes: [ { url: "nats-leaf://leaf:${passwordOf('leaf')}@127.0.0.1:${leafPort}" } ]\n}\n`,
    );
    edge = await startNatsServer({ name: 'edge', args: ['-c', join(dir, 'edge.conf')] });

    const start = (role: string, id: string, env: Record<string, string>, extra: string[] = []) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, [CLI, 'node', '--role', role, '--name', id, ...extra], {
          env: { ...process.env, ...env },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        children.push(child);
        child.stdout.on('data', (d: Buffer) => {
          if (d.toString().includes('ready')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`${id} exited with ${code}`)));
      });
    await Promise.all([
      start('scheduler', 'scheduler-1', { ...cloudEnv(), ...as('scheduler-1') }),
      start('batcher', 'batcher-1', { ...cloudEnv(), ...as('batcher-1') }),
      start('verifier', 'verifier-1', { ...cloudEnv(), ...as('verifier-1') }, MODEL),
      // The edge machine's drafter has no cloud credentials: its server's leaf link has them.
      start('drafter', EDGE_DRAFTER, { SPECMESH_NATS: edge.url, SPECMESH_HEARTBEAT_MS: '200' }, MODEL),
    ]);
  }, within(30_000));

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await edge?.stop();
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'the edge drafter hosts the sessions, and every mode generates the target’s greedy output',
    async () => {
      // The operator sees the edge drafter: its heartbeats cross from the site's account.
      const status = await runCli(['status', '--json', '--expect', '4', '--listen-ms', '8000'], {
        env: { ...cloudEnv(), ...as('operator') },
      });
      expect(status.stderr).toBe('');
      expect((JSON.parse(status.stdout) as Array<{ id: string }>).map((r) => r.id)).toContain(EDGE_DRAFTER);

      const target = new EmulatedModel({ seed: SEED });
      const ctx = [target.info.bosId, ...target.tokenize('from the edge')];
      const want: number[] = [];
      for (let i = 0; i < 16; i++) {
        const t = target.targetArgmax(ctx);
        want.push(t);
        ctx.push(t);
      }
      for (const mode of ['nonsi', 'si', 'dsi']) {
        const gen = await runCli(
          ['generate', 'from the edge', '--json', '--mode', mode, '--max-tokens', '16'],
          { env: { ...cloudEnv(), ...as('gateway-1') } },
        );
        expect(gen.stderr, mode).toBe('');
        const out = JSON.parse(gen.stdout) as { tokenIds: number[]; draftedShare: number };
        expect(out.tokenIds, mode).toEqual(want);
        // Speculative modes took drafts, which only the edge drafter can have made.
        if (mode !== 'nonsi') expect(out.draftedShare, mode).toBeGreaterThan(0);
      }
    },
    within(60_000),
  );
});
