/**
 * The per-instance NATS users of infra/nats/accounts.conf (`specmesh creds`) are enough for a working
 * cluster and no more: every instance connects as its own user, generation equals the target's greedy
 * output, an operator runs status and drain, a gateway submits to a scheduler by name, a verifier's
 * credentials cannot submit work, a drafter's cannot pose as a verifier or batcher (results, batches,
 * verifier heartbeats) nor read the scheduler's requests or another drafter's sessions, a gateway's cannot read another gateway's streams, the chunks
 * the session's own host can inject into its token stream are refused by the client (no verifier signed
 * them), and a client without valid credentials cannot connect at all.
 */
import type { ChildProcess } from 'node:child_process';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { EmulatedModel } from '@specmesh/models';
import { Codec, decodeMessage, inboxPrefix } from '@specmesh/protocol';
import { sampleBodies } from '@specmesh/protocol/internal';
import { machineLoadFactor, type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
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

const CONF = `${NATS_DIR}local-auth.conf`;
const SEED = 37;
const MODEL = exampleModelFlags(SEED);
/** `drafter-1` → `drafter`: the role of an instance user of the example cluster. */
const roleOf = (user: string) => user.replace(/-\d+$/, '');

const cli = (args: string[], env: Record<string, string | undefined>) => runCli(args, { env });

describe('per-instance NATS users (infra/nats/accounts.conf)', () => {
  let server: NatsServerHandle;
  const children: ChildProcess[] = [];
  const base = () => ({ SPECMESH_NATS: server.url, SPECMESH_HEARTBEAT_MS: '200' });

  beforeAll(async () => {
    Object.assign(process.env, EXAMPLE_PASSWORDS);
    server = await startNatsServer({ args: ['-c', CONF] });
    const start = (role: string, extra: string[] = []) =>
      startNode(children, role, `${role}-1`, { ...base(), ...loginAs(`${role}-1`) }, extra);
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
      for (const user of ['gateway-1', 'operator']) {
        const nc = await connectAs(user);
        const replies = await nc.requestMany(
          'specmesh.v2.metrics.get',
          new Codec({ from: `${user}-scrape` }).encode('metrics.get', {}),
          { strategy: 'count', maxWait: 2000, maxMessages: 4 },
        );
        for await (const m of replies) {
          const env = decodeMessage(m.data, 'metrics');
          gathered.set(env.body.id, env.body.role);
        }
        await nc.close();
        expect(Object.fromEntries(gathered)).toEqual({
          'scheduler-1': 'scheduler',
          'batcher-1': 'batcher',
          'verifier-1': 'verifier',
          'drafter-1': 'drafter',
        });
        gathered.clear();
      }
      const refused: string[] = [];
      const drafter = await connectAs('drafter-1', refused);
      drafter.publish('specmesh.v2.metrics.get', new Codec({ from: 'drafter-1' }).encode('metrics.get', {}));
      await drafter.flush();
      await until(() => refused.length >= 1);
      expect(refused).toContainEqual(
        expect.stringMatching('Permissions Violation for Publish to "specmesh.v2.metrics.get"'),
      );
      await drafter.close();
    },
    within(20_000),
  );

  it(
    'a gateway may submit to a scheduler by name (a repeat after silence); a drafter may not',
    async () => {
      const gateway = await connectAs('gateway-1');
      const body = {
        ...sampleBodies().submit,
        client: 'gateway-1',
        requestId: 'by-name-1',
        maxTokens: 4,
        deadlineAt: Date.now() + 60_000,
      };
      const reply = await gateway.request(
        'specmesh.v2.sched.submit.scheduler-1',
        new Codec({ from: 'gateway-1' }).encode('submit', body),
        { timeout: 10_000 * machineLoadFactor() },
      );
      const ok = decodeMessage(reply.data, 'submit.ok');
      expect(ok.from).toBe('scheduler-1');
      expect(ok.body.requestId).toBe('by-name-1');
      await gateway.close();
      const refused: string[] = [];
      const drafter = await connectAs('drafter-1', refused);
      drafter.publish(
        'specmesh.v2.sched.submit.scheduler-1',
        new Codec({ from: 'drafter-1' }).encode('submit', { ...body, requestId: 'by-name-2' }),
      );
      await drafter.flush();
      await until(() => refused.length >= 1);
      expect(refused).toContainEqual(
        expect.stringMatching('Permissions Violation for Publish to "specmesh.v2.sched.submit.scheduler-1"'),
      );
      await drafter.close();
    },
    within(20_000),
  );

  it(
    'the host drafter’s credentials may publish on its session’s token subject, and `specmesh generate` refuses what it injects',
    async () => {
      // The attacker holds the host's own credentials (an edge machine nobody in the cloud controls):
      // it hears the sessions placed there and at once publishes chunks of its own for them, as the
      // session's host would: no target signed them.
      const attacker = await connectAs('drafter-1');
      const codec = new Codec({ from: 'drafter-1' });
      attacker.subscribe('specmesh.v2.session.drafter-1', {
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
        ...loginAs('gateway-1'),
      });
      await attacker.close();
      expect(gen.code).not.toBe(0);
      expect(gen.stderr).toContain('E_UNVERIFIED');
      expect(gen.stderr).toContain('drafter-1');
      expect(gen.stdout).not.toContain('INJECTED');
    },
    within(20_000),
  );

  it(
    'a cluster of per-instance users generates the target’s greedy output; an operator sees and drains it',
    async () => {
      const status = await cli(['status', '--json', '--expect', '4', '--listen-ms', '5000'], {
        ...base(),
        ...loginAs('operator'),
      });
      expect(status.stderr).toBe('');
      expect((JSON.parse(status.stdout) as Array<{ id: string }>).map((r) => r.id)).toEqual([
        'batcher-1',
        'drafter-1',
        'scheduler-1',
        'verifier-1',
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
            ...loginAs('gateway-1'),
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

      const drain = await cli(['drain', 'batcher-1'], { ...base(), ...loginAs('operator') });
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
        ...loginAs('verifier-1'),
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
      pass: passwordOf(user),
      name: `${user}-impostor`,
      // Each user reads its own inbox subtree only, as specmesh's own connections name theirs.
      inboxPrefix: inboxPrefix(roleOf(user), user),
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
      const drafter = await connectAs('drafter-1', refused);
      // Listeners that may read those subjects: the verifier user reads its batches and preempts, the
      // drafter user its results. They must see the drafter's allowed message and none of the forged ones.
      const verifier = await connectAs('verifier-1');
      const heard = { batch: 0, preempt: 0, result: 0 };
      const count = (what: keyof typeof heard) => ({ callback: () => void heard[what]++ });
      verifier.subscribe('specmesh.v2.batch.verifier-1', count('batch'));
      verifier.subscribe('specmesh.v2.preempt.*.*', count('preempt'));
      drafter.subscribe('specmesh.v2.result.drafter-1.*', count('result'));
      await Promise.all([verifier.flush(), drafter.flush()]);
      const codec = new Codec({ from: 'drafter-1' });
      const bodies = sampleBodies();
      const forged: Array<[string, Uint8Array]> = [
        ['specmesh.v2.result.drafter-1.sess-1', codec.encode('verify.result', bodies['verify.result'])],
        ['specmesh.v2.batch.verifier-1', codec.encode('batch', bodies.batch)],
        ['specmesh.v2.hb.verifier.verifier-1', codec.encode('heartbeat', bodies.heartbeat)],
        ['specmesh.v2.sched.submit', codec.encode('submit', bodies.submit)],
        // Another tenant's session: preempting it, or writing its stream, is not this drafter's.
        ['specmesh.v2.preempt.drafter-2.sess-1', codec.encode('preempt', bodies.preempt)],
        ['specmesh.v2.tokens.gateway-1.drafter-2.req-1', codec.encode('tokens', bodies.tokens)],
      ];
      for (const [subject, data] of forged) drafter.publish(subject, data);
      // What a drafter may do goes through the same connection: the listeners are live.
      drafter.publish('specmesh.v2.preempt.drafter-1.sess-1', codec.encode('preempt', bodies.preempt));
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
    'no instance reads another’s work: requests, batches, other drafters’ prompts and results, other gateways’ streams',
    async () => {
      const denied: Record<string, readonly string[]> = {
        'drafter-2': [
          'specmesh.v2.sched.submit',
          'specmesh.v2.batch.*',
          'specmesh.v2.session.*',
          'specmesh.v2.session.drafter-1',
          'specmesh.v2.result.drafter-1.*',
          'specmesh.v2.tokens.>',
          '_INBOX.drafter.drafter-1.>',
        ],
        'verifier-2': ['specmesh.v2.batch.verifier-1', 'specmesh.v2.session.verifier-1'],
        'gateway-2': [
          'specmesh.v2.tokens.gateway-1.>',
          'specmesh.v2.tokens.*.*.*',
          '_INBOX.gateway.gateway-1.>',
        ],
      };
      for (const [user, subjects] of Object.entries(denied)) {
        const refused: string[] = [];
        const nc = await connectAs(user, refused);
        for (const subject of subjects) {
          const sub = nc.subscribe(subject);
          await expect(sub.closed, `${user} reading ${subject}`).resolves.toBeInstanceOf(Error);
        }
        await until(() => refused.length >= subjects.length);
        for (const subject of subjects)
          expect(refused, `${user} reading ${subject}`).toContainEqual(
            expect.stringContaining(`Permissions Violation for Subscription to "${subject}"`),
          );
        await nc.close();
      }
    },
    within(20_000),
  );

  it(
    'a client without credentials, or with a wrong password, cannot connect',
    async () => {
      await expect(connect({ servers: server.url })).rejects.toThrow(/Authorization Violation/);
      await expect(connect({ servers: server.url, user: 'drafter-1', pass: 'guessed' })).rejects.toThrow(
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
