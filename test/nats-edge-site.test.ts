/**
 * An edge site in its own NATS account (infra/nats/accounts.conf, `specmesh creds --edge`) runs real
 * work: a drafter on an edge server, joined to the cloud's server as a leaf node that logs in as the
 * site's user, hosts sessions for the cloud's scheduler, batcher and verifier (each under its own
 * user), and `specmesh generate` gets the target's greedy output in every mode. Everything the
 * session needs crosses between the accounts: heartbeats both ways, the session's start (a request
 * answered from the edge), its tasks (through the batcher and direct), results, token stream and the
 * drafter's pings to the verifier. What may not cross is test/nats-topologies.test.ts's.
 */
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatedModel } from '@specmesh/models';
import { freePort, type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import {
  EXAMPLE_PASSWORDS,
  exampleModelFlags,
  loginAs,
  NATS_DIR,
  passwordOf,
  startNode,
} from './helpers/example-cluster.js';
import { within } from './helpers/within.js';

const SEED = 41;
const EDGE_DRAFTER = 'edge-drafter-1';

describe('an edge site in its own account', () => {
  const dir = mkdtempSync(join(tmpdir(), 'specmesh-edge-site-'));
  let cloud: NatsServerHandle;
  let edge: NatsServerHandle;
  const children: ChildProcess[] = [];
  const cloudEnv = () => ({ SPECMESH_NATS: cloud.url, SPECMESH_HEARTBEAT_MS: '200' });

  beforeAll(async () => {
    Object.assign(process.env, EXAMPLE_PASSWORDS);
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

    const start = startNode.bind(undefined, children);
    await Promise.all([
      start('scheduler', 'scheduler-1', { ...cloudEnv(), ...loginAs('scheduler-1') }),
      start('batcher', 'batcher-1', { ...cloudEnv(), ...loginAs('batcher-1') }),
      start('verifier', 'verifier-1', { ...cloudEnv(), ...loginAs('verifier-1') }, exampleModelFlags(SEED)),
      // The edge machine's drafter has no cloud credentials: its server's leaf link has them.
      start(
        'drafter',
        EDGE_DRAFTER,
        { SPECMESH_NATS: edge.url, SPECMESH_HEARTBEAT_MS: '200' },
        exampleModelFlags(SEED),
      ),
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
        env: { ...cloudEnv(), ...loginAs('operator') },
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
          { env: { ...cloudEnv(), ...loginAs('gateway-1') } },
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
