/**
 * The per-role NATS users of infra/nats/accounts.conf are enough for a working cluster and no more:
 * every role connects as its own user, generation equals the target's greedy output, an operator
 * runs status and drain, a verifier's credentials cannot submit work, a drafter's cannot pose as a
 * verifier or batcher (results, batches, verifier heartbeats) nor read the scheduler's requests, the
 * chunks a drafter's credentials can inject into a request's token stream are refused by the client
 * (no verifier signed them), and a client without valid credentials cannot connect at all.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { EmulatedModel } from '@specmesh/models';
import { Codec, decodeMessage, inboxPrefix } from '@specmesh/protocol';
import { sampleBodies } from '@specmesh/protocol/internal';
import { machineLoadFactor, type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from './helpers/cli.js';
import { within } from './helpers/within.js';

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
  }, within(30_000));

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await server?.stop();
  });

  it(
    'every role answers the gateway’s metrics.get; a drafter’s credentials cannot send it',
    async () => {
      const gathered = new Map<string, string>();
      for (const user of ['gateway', 'operator']) {
        const nc = await connectAs(user);
        const replies = await nc.requestMany(
          'specmesh.v1.metrics.get',
          new Codec({ from: `${user}-scrape` }).encode('metrics.get', {}),
          { strategy: 'count', maxWait: 2000, maxMessages: 4 },
        );
        for await (const m of replies) {
          const env = decodeMessage(m.data, 'metrics');
          gathered.set(env.body.id, env.body.role);
        }
        await nc.close();
        expect(Object.fromEntries(gathered)).toEqual({
          'scheduler-p': 'scheduler',
          'batcher-p': 'batcher',
          'verifier-p': 'verifier',
          'drafter-p': 'drafter',
        });
        gathered.clear();
      }
      const refused: string[] = [];
      const drafter = await connectAs('drafter', refused);
      drafter.publish('specmesh.v1.metrics.get', new Codec({ from: 'drafter-p' }).encode('metrics.get', {}));
      await drafter.flush();
      await until(() => refused.length >= 1);
      expect(refused).toContainEqual(
        expect.stringMatching('Permissions Violation for Publish to "specmesh.v1.metrics.get"'),
      );
      await drafter.close();
    },
    within(20_000),
  );

  it(
    'a drafter’s credentials may publish on a request’s token subject, and `specmesh generate` refuses what it injects',
    async () => {
      // The attacker hears which sessions start (a drafter may read session subjects) and at once
      // publishes chunks of its own for them, as the session's host would: no target signed them.
      const attacker = await connectAs('drafter');
      const codec = new Codec({ from: 'drafter-p' });
      attacker.subscribe('specmesh.v1.session.*', {
        callback: (_err, m) => {
          const start = decodeMessage(m.data, ['session.start', 'session.cancel', 'session.probe']);
          if (start.kind !== 'session.start') return;
          const s = start.body as { requestId: string; sessionId: string; tokenSubject: string };
          for (let seq = 0; seq < 4; seq++) {
            attacker.publish(
              s.tokenSubject,
              codec.encode('tokens', {
                requestId: s.requestId,
                sessionId: s.sessionId,
                seq,
                index: seq,
                tokens: Uint32Array.of(7),
                text: ' INJECTED',
                textEnds: Uint32Array.of(9),
                done: false,
              }),
            );
          }
        },
      });
      await attacker.flush();
      const gen = await cli(['generate', 'hijack me', '--json', '--max-tokens', '12'], {
        ...base(),
        ...as('gateway'),
      });
      await attacker.close();
      expect(gen.code).not.toBe(0);
      expect(gen.stderr).toContain('E_UNVERIFIED');
      expect(gen.stderr).toContain('drafter-p');
      expect(gen.stdout).not.toContain('INJECTED');
    },
    within(20_000),
  );

  it(
    'a cluster of per-role users generates the target’s greedy output; an operator sees and drains it',
    async () => {
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

      for (const [mode, window] of [
        ['si', 'static'],
        ['dsi', 'static'],
        ['si', 'awc'],
      ] as const) {
        const gen = await cli(
          [
            'generate',
            'permissions hold',
            '--json',
            '--mode',
            mode,
            '--window',
            window,
            '--max-tokens',
            '12',
          ],
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
    },
    within(40_000),
  );

  it(
    'a verifier’s credentials cannot submit work',
    async () => {
      const gen = await cli(['generate', 'not allowed', '--json', '--max-tokens', '4'], {
        ...base(),
        ...as('verifier'),
      });
      expect(gen.code).not.toBe(0);
      expect(gen.stderr).toMatch(/Permissions Violation|permission/i);
    },
    within(20_000),
  );

  /** A connection as `user`, collecting the errors the server sends it (permission violations). */
  async function connectAs(user: string, errors: string[] = []): Promise<NatsConnection> {
    const nc = await connect({
      servers: server.url,
      user,
      pass: PASSWORDS[`SPECMESH_${user.toUpperCase()}_PASSWORD`],
      name: `${user}-impostor`,
      // Each user reads its own inbox subtree only, as specmesh's own connections name theirs.
      inboxPrefix: inboxPrefix(user),
    });
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'error') errors.push(String(s.error.message));
    })();
    return nc;
  }

  async function until(done: () => boolean, ms = 3000 * machineLoadFactor()) {
    const end = Date.now() + ms;
    while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  }

  it(
    'a drafter’s credentials cannot publish results, batches or heartbeats as a verifier or batcher would',
    async () => {
      const refused: string[] = [];
      const drafter = await connectAs('drafter', refused);
      // Listeners that may read those subjects: the verifier user reads batches and preempts, the
      // drafter user results. They must see the drafter's allowed message and none of the forged ones.
      const verifier = await connectAs('verifier');
      const heard = { batch: 0, preempt: 0, result: 0 };
      const count = (what: keyof typeof heard) => ({ callback: () => void heard[what]++ });
      verifier.subscribe('specmesh.v1.batch.*', count('batch'));
      verifier.subscribe('specmesh.v1.preempt.*', count('preempt'));
      drafter.subscribe('specmesh.v1.result.*', count('result'));
      await Promise.all([verifier.flush(), drafter.flush()]);
      const codec = new Codec({ from: 'drafter-p' });
      const bodies = sampleBodies();
      const forged: Array<[string, Uint8Array]> = [
        ['specmesh.v1.result.sess-1', codec.encode('verify.result', bodies['verify.result'])],
        ['specmesh.v1.batch.verifier-p', codec.encode('batch', bodies.batch)],
        ['specmesh.v1.hb.verifier.verifier-p', codec.encode('heartbeat', bodies.heartbeat)],
        ['specmesh.v1.sched.submit', codec.encode('submit', bodies.submit)],
      ];
      for (const [subject, data] of forged) drafter.publish(subject, data);
      // What a drafter may do goes through the same connection: the listeners are live.
      drafter.publish('specmesh.v1.preempt.sess-1', codec.encode('preempt', bodies.preempt));
      await drafter.flush();
      await until(() => refused.length >= forged.length && heard.preempt >= 1);
      for (const [subject] of forged)
        expect(refused).toContainEqual(
          expect.stringMatching(`Permissions Violation for Publish to "${subject}"`),
        );
      expect(heard.preempt).toBe(1);
      expect(heard.batch).toBe(0);
      expect(heard.result).toBe(0);
      await drafter.close();
      await verifier.close();
    },
    within(20_000),
  );

  it(
    'a drafter’s credentials cannot read the scheduler’s requests or the verifiers’ batches',
    async () => {
      const refused: string[] = [];
      const drafter = await connectAs('drafter', refused);
      for (const subject of ['specmesh.v1.sched.submit', 'specmesh.v1.batch.*']) {
        const sub = drafter.subscribe(subject);
        await expect(sub.closed, subject).resolves.toBeInstanceOf(Error);
      }
      await until(() => refused.length >= 2);
      expect(refused).toContainEqual(
        expect.stringMatching('Permissions Violation for Subscription to "specmesh.v1.sched.submit"'),
      );
      expect(refused).toContainEqual(
        expect.stringMatching('Permissions Violation for Subscription to "specmesh.v1.batch.\\*"'),
      );
      await drafter.close();
    },
    within(20_000),
  );

  it(
    'a client without credentials, or with a wrong password, cannot connect',
    async () => {
      await expect(connect({ servers: server.url })).rejects.toThrow(/Authorization Violation/);
      await expect(connect({ servers: server.url, user: 'drafter', pass: 'guessed' })).rejects.toThrow(
        /Authorization Violation/,
      );
      // The command line says so and exits 4 (NATS unreachable).
      const status = await cli(['status', '--listen-ms', '200'], {
        ...base(),
        SPECMESH_USER: undefined,
        SPECMESH_PASSWORD: undefined,
      });
      expect(status.code).toBe(4);
      expect(status.stderr).toMatch(/Authorization Violation/);
    },
    within(20_000),
  );
});
