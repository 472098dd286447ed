/**
 * Bad input, everywhere, against a live cluster of real processes (scheduler, batcher, two verifiers,
 * drafter; emulated models) while valid requests run. Every subject the cluster listens on gets
 * random bytes, malformed msgpack, bad envelopes, wrong versions, unknown kinds, kinds not taken there,
 * schema violations, messages just under and over their kind's limit and over the server's
 * max_payload; then well-formed messages the handlers must refuse: unknown session ids, token ids
 * outside the vocabulary, invalid token subjects, a drain meant for someone else. All along, live
 * sessions get forged and replayed results and replayed session starts (fuzz-forgery.ts).
 *
 * What must hold: no process exits; every request is answered, a bad one with an `error` reply of the
 * code the codec (or the handler) gives; each process's `specmesh_bad_messages_total{code}` grows by
 * exactly the refusals it received (the nats-server's subscription table says who receives what);
 * no token chunk is published twice; every valid request that ran during or after the fuzzing equals
 * the target's greedy output, so no forged or replayed message changed or duplicated a token.
 *
 * Seeded and bounded: `SPECMESH_FUZZ_CASES` bad messages per subject and category cycle (default 24,
 * about 700 tries in all) and `SPECMESH_FUZZ_SEED`. A longer run:
 *   SPECMESH_FUZZ_CASES=400 npx vitest run test/chaos/fuzz.test.ts
 * `SPECMESH_FUZZ_REPORT=<file>` writes the per-subject tables of docs/reliability.md.
 */
import { writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { collect, generate } from '@specmesh/actors';
import { EmulatedModel } from '@specmesh/models';
import {
  type BodyOf,
  Codec,
  createSubjects,
  decodeMessage,
  ErrorCode,
  type MessageKind,
  type Mode,
  type Subjects,
  type TokenChunk,
} from '@specmesh/protocol';
import {
  Actor,
  freePort,
  MembershipView,
  machineLoadFactor,
  type NatsServerHandle,
  startNatsServer,
} from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastEmulatedFlags } from '../helpers/emulated-flags.js';
import { greedyReference } from '../helpers/reference.js';
import { within } from '../helpers/within.js';
import { type RoleProcess, SubscriptionTable, scrapeBadMessages, startRoleProcess } from './fuzz-cluster.js';
import { ResultForger, SessionStartReplayer, TokenStreamWatcher } from './fuzz-forgery.js';
import { BadInputGenerator, type FuzzTarget, sampleBody } from './fuzz-inputs.js';
import { FuzzSummary } from './fuzz-summary.js';

const SEED = Number(process.env['SPECMESH_FUZZ_SEED'] ?? 20_251_124);
const CASES_PER_SUBJECT = Number(process.env['SPECMESH_FUZZ_CASES'] ?? 24);
const REPORT = process.env['SPECMESH_FUZZ_REPORT'];
const MODEL_SEED = 43;
const target = new EmulatedModel({ seed: MODEL_SEED });
const VOCAB = target.info.vocabSize;
const PREFIX = 'fuzz';
/** The server's max_payload: above every kind's limit, so the codec's own size checks are reachable. */
const MAX_PAYLOAD = 2 * 1024 * 1024;
/** Session and request ids the fuzzer makes up start with this. */
const OWN = 'fuzz-';
const GREEDY = { temperature: 0, topK: 0, topP: 1, seed: 1 };
const MODES: readonly Mode[] = ['nonsi', 'si', 'dsi'];
const ROLES: ReadonlyArray<readonly [string, string]> = [
  ['scheduler', 'scheduler-0'],
  ['batcher', 'batcher-0'],
  ['verifier', 'verifier-0'],
  ['verifier', 'verifier-1'],
  ['drafter', 'drafter-0'],
];
const CLIENT = 'fuzz-client';
/** Everyone whose bad-message counter the suite reads: the role processes and its own client. */
const COUNTED = new Set([...ROLES.map(([, n]) => n), CLIENT]);

let server: NatsServerHandle;
let monitorUrl: string;
const procs: RoleProcess[] = [];
let client: Actor;
let view: MembershipView;
let fuzzer: NatsConnection;
/** The forger's own connection: behind the fuzzer's megabytes of bad input its forgeries would come late. */
let forging: NatsConnection;
const subjects: Subjects = createSubjects({ prefix: PREFIX });
const codec = new Codec({ from: 'fuzzer' });

beforeAll(async () => {
  const conf = join(tmpdir(), `specmesh-fuzz-${process.pid}.conf`);
  writeFileSync(conf, `max_payload: ${MAX_PAYLOAD}\n`);
  const monitorPort = await freePort();
  server = await startNatsServer({ args: ['-c', conf, '-m', String(monitorPort)] });
  monitorUrl = `http://127.0.0.1:${monitorPort}`;
  const common = [
    ...['--nats', server.url, '--prefix', PREFIX, '--heartbeat-ms', '100', '--verify-timeout-ms', '2000'],
    ...fastEmulatedFlags(MODEL_SEED),
  ];
  procs.push(...(await Promise.all(ROLES.map(([role, name]) => startRoleProcess(role, name, common)))));
  client = await Actor.start({
    role: 'gateway',
    id: CLIENT,
    servers: server.url,
    subjects: { prefix: PREFIX },
    heartbeatIntervalMs: 0,
  });
  view = new MembershipView().start(client, 50);
  await view.waitFor((ms) => ms.length >= ROLES.length, within(20_000));
  // Drafters size DSI's tasks from their view of the pool: give them a few beats.
  await new Promise((r) => setTimeout(r, 400));
  fuzzer = await connect({ servers: server.url, name: 'fuzzer' });
  forging = await connect({ servers: server.url, name: 'forger' });
}, within(60_000));

afterAll(async () => {
  await fuzzer?.close();
  await forging?.close();
  view?.stop();
  await client?.stop();
  await Promise.all(procs.map((p) => p.stop()));
  await server?.stop();
});

/** A valid greedy request; its output must equal the target's own. */
async function validRequest(id: string, mode: Mode, maxTokens = 24) {
  const prompt = `fuzz valid ${id}`;
  const submit = {
    requestId: id,
    prompt,
    maxTokens,
    sampling: GREEDY,
    mode,
    window: { policy: 'static', k: 4 },
    deadlineAt: Date.now() + 60_000,
  };
  const out = await collect(await generate(client, submit));
  return { id, prompt, tokens: out.tokens, maxTokens };
}

/**
 * A long request that stays live while its subjects are fuzzed (its result, preempt and token
 * subjects need a listener). Plain decoding, so it lasts: a few thousand target steps.
 */
async function startVictim() {
  const abort = new AbortController();
  const prompt = 'the victim of the fuzzing';
  const submit = {
    requestId: 'victim',
    prompt,
    maxTokens: 6000,
    sampling: GREEDY,
    mode: 'nonsi' as const,
    window: { policy: 'static', k: 4 },
    deadlineAt: Date.now() + 300_000,
  };
  const gen = await generate(client, submit, { signal: abort.signal });
  const tokens: number[] = [];
  let finished: TokenChunk | undefined;
  let firstChunk!: () => void;
  const started = new Promise<void>((r) => {
    firstChunk = r;
  });
  const done = (async () => {
    try {
      for await (const c of gen.chunks) {
        tokens.push(...c.tokens);
        firstChunk();
        if (c.done) finished = c;
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
  })();
  await started;
  return {
    sessionId: gen.accepted.sessionId,
    host: gen.accepted.drafterId,
    prompt,
    tokens,
    abort,
    done,
    finished: () => finished,
  };
}

/** Every subject the cluster listens on, with what it takes there; those of the live request first. */
function fuzzTargets(victimHost: string, victimSession: string): FuzzTarget[] {
  const request = (name: string, subject: string, accepts: MessageKind[], base: MessageKind) =>
    ({ name, subject, pattern: 'request', accepts, base }) as const;
  const publish = (name: string, subject: string, accepts: MessageKind[], base: MessageKind) =>
    ({ name, subject, pattern: 'publish', accepts, base }) as const;
  const ids = (role: string) => ROLES.filter(([r]) => r === role).map(([, id]) => id);
  return [
    publish(
      'result.<live session>',
      subjects.result(victimHost, victimSession),
      ['verify.result', 'error'],
      'verify.result',
    ),
    publish('preempt.<live session>', subjects.preempt(victimHost, victimSession), ['preempt'], 'preempt'),
    publish('tokens.<live request>', subjects.tokens(client.id, victimHost, 'victim'), ['tokens'], 'tokens'),
    request('sched.submit', subjects.submit(), ['submit'], 'submit'),
    ...[...ids('drafter'), ...ids('verifier')].map((id) =>
      request(
        `session.${id}`,
        subjects.session(id),
        ['session.start', 'session.cancel', 'session.probe'],
        'session.start',
      ),
    ),
    publish('verify.<pool>.<host>', subjects.verify('default', `${OWN}host`), ['verify.task'], 'verify.task'),
    ...ids('verifier').map((id) => request(`batch.${id}`, subjects.batch(id), ['batch'], 'batch')),
    ...ids('verifier').map((id) =>
      publish(`direct.${id}.<host>`, subjects.direct(id, `${OWN}host`), ['verify.task'], 'verify.task'),
    ),
    publish('hb.drafter.<id>', subjects.heartbeat('drafter', `${OWN}ghost`), ['heartbeat'], 'heartbeat'),
    publish('hb.verifier.<id>', subjects.heartbeat('verifier', `${OWN}ghost`), ['heartbeat'], 'heartbeat'),
    ...ROLES.map(([, id]) => request(`ctl.${id}`, subjects.control(id), ['drain'], 'drain')),
    ...ROLES.map(([, id]) => request(`ping.${id}`, subjects.ping(id), ['ping'], 'ping')),
    request('metrics.get', subjects.metricsGet(), ['metrics.get'], 'metrics.get'),
  ];
}

/** The area of a subject: `sched`, `session`, `hb`, ... (the token after `<p>.v2`). */
const areaOf = (subject: string) => subject.split('.')[2];

/** Sends a request that must be refused; returns the `error` reply's code. */
async function refusalCode(subject: string, bytes: Uint8Array): Promise<string> {
  const reply = await fuzzer.request(subject, bytes, { timeout: 5000 });
  const env = decodeMessage(reply.data, ['error', 'batch.result', 'session.ok', 'submit.ok', 'drain.ok']);
  if (env.kind !== 'error') throw new Error(`${subject}: a bad message was answered ${env.kind}`);
  return (env.body as BodyOf<'error'>).code;
}

/**
 * Announces a message of `size` bytes on `subject` over a raw TCP connection, bypassing the client
 * library's own check; resolves with what the server said before it closed the connection.
 */
function rawPublish(port: number, subject: string, size: number): Promise<string> {
  return new Promise((resolve) => {
    const sock = tcpConnect({ host: '127.0.0.1', port });
    let got = '';
    let sent = false;
    sock.on('data', (d: Buffer) => {
      got += d.toString();
      if (!sent && got.startsWith('INFO') && got.includes('\r\n')) {
        sent = true;
        // The server judges the size from the PUB line, before any payload: none needs sending.
        sock.write(`CONNECT {"verbose":false,"pedantic":false}\r\nPUB ${subject} ${size}\r\n`);
      }
    });
    sock.on('close', () => resolve(got));
    sock.on('error', () => undefined); // a reset after the server's -ERR ends it the same way
    setTimeout(() => sock.destroy(), 5000).unref();
  });
}

/** Bad-message counters of every counted process, by code. */
async function readCounters(): Promise<Map<string, Map<string, number>>> {
  const m = new Map<string, Map<string, number>>();
  for (const p of procs) m.set(p.name, await scrapeBadMessages(p.metricsUrl));
  const own = await client.metrics.registry.getSingleMetric('specmesh_bad_messages_total')!.get();
  m.set(CLIENT, new Map(own.values.map((v) => [String(v.labels['code']), v.value])));
  return m;
}

/** Expected counter growth: process → code → count. */
class Expected {
  readonly byProcess = new Map<string, Map<string, number>>();
  add(who: string, code: string, n: number) {
    const m = this.byProcess.get(who) ?? new Map<string, number>();
    m.set(code, (m.get(code) ?? 0) + n);
    this.byProcess.set(who, m);
  }
  get(who: string, code: string): number {
    return this.byProcess.get(who)?.get(code) ?? 0;
  }
}

/**
 * Well-formed messages that the handlers must refuse or ignore: token ids outside the vocabulary,
 * unknown sessions, invalid token subjects, a drain for another instance.
 */
async function fuzzHandlers(targets: readonly FuzzTarget[], summary: FuzzSummary) {
  const oor = Uint32Array.of(target.info.bosId, 300, VOCAB + 7, 2 ** 31);
  const submitBase = {
    ...sampleBody('submit'),
    deadlineAt: Date.now() + 30_000,
    sampling: GREEDY,
    maxTokens: 8,
  };
  for (const [i, bad] of [
    { prompt: oor },
    { prompt: 'fine', resume: { committed: Uint32Array.of(VOCAB), nextSeq: 1 } },
  ].entries()) {
    const body = { ...submitBase, requestId: `${OWN}oor-${i}`, ...bad };
    const code = await refusalCode(subjects.submit(), codec.encode('submit', body));
    expect(code, 'submit with a token id outside the vocabulary').toBe(ErrorCode.TokenOutOfRange);
    summary.note('sched.submit', 'token id ≥ vocab (prompt, resume)', `${code} reply`);
  }

  for (const t of targets.filter((x) => x.name.startsWith('session.'))) {
    const probe = codec.encode('session.probe', { sessionId: `${OWN}nosuch` });
    expect(await refusalCode(t.subject, probe)).toBe(ErrorCode.UnknownSession);
    summary.note(t.name, 'unknown session', `${ErrorCode.UnknownSession} reply (probe)`);
    fuzzer.publish(t.subject, codec.encode('session.cancel', { sessionId: `${OWN}nosuch`, reason: 'fuzz' }));
    summary.note(t.name, 'unknown session', 'ignored (cancel)');
    const { resume: _resume, ...sample } = sampleBody('session.start');
    const start = {
      ...sample,
      sessionId: `${OWN}s`,
      requestId: `${OWN}r`,
      sampling: GREEDY,
      maxTokens: 8,
      // Short: a host that took one of these would fail it (and, before the check, crash) at once.
      deadlineAt: Date.now() + 1000,
      tokenSubject: subjects.tokens(`${OWN}c`, `${OWN}h`, `${OWN}r`),
    };
    const oorStart = codec.encode('session.start', { ...start, prompt: oor });
    expect(await refusalCode(t.subject, oorStart)).toBe(ErrorCode.TokenOutOfRange);
    summary.note(t.name, 'token id ≥ vocab', `${ErrorCode.TokenOutOfRange} reply`);
    for (const tokenSubject of [
      `${PREFIX}.v2.tokens.a b`,
      `${PREFIX}.v2.tokens.*`,
      `${PREFIX}.v2.>`,
      'a..b',
    ]) {
      const bad = codec.encode('session.start', { ...start, prompt: 'fine', tokenSubject });
      expect(await refusalCode(t.subject, bad), tokenSubject).toBe(ErrorCode.Subject);
      summary.note(t.name, 'token subject with space, wildcard, empty token', `${ErrorCode.Subject} reply`);
    }
  }

  // Tasks of sessions no verifier holds, and token ids outside the vocabulary: the verdict comes back
  // as an `error` on the session's result subject (verify.<pool>) or in the batch reply (batch.<id>).
  const failures = new Map<string, string>();
  const failSub = fuzzer.subscribe(subjects.result(`${OWN}host`, 'x').replace(/\.x$/, '.*'), {
    callback: (_e, m) => {
      const env = decodeMessage(m.data, ['verify.result', 'error']);
      if (env.kind !== 'error' || !m.subject.includes(`.${OWN}`)) return;
      const e = env.body as BodyOf<'error'>;
      failures.set(String(e.context?.['taskId']), e.code);
    },
  });
  const task = (sessionId: string, over: Partial<BodyOf<'verify.task'>>): BodyOf<'verify.task'> => {
    const { draftProbs: _p, draftDist: _d, ...sample } = sampleBody('verify.task');
    return {
      ...sample,
      taskId: `${sessionId}:t1`,
      sessionId,
      host: `${OWN}host`,
      sampling: GREEDY,
      deadlineAt: Date.now() + 30_000,
      context: Uint32Array.of(300, 301),
      drafts: Uint32Array.of(302),
      basePos: 0,
      ...over,
    };
  };
  const taskCases = [
    { id: `${OWN}ghost-1`, over: { basePos: 9 }, code: ErrorCode.UnknownSession, what: 'unknown session' },
    {
      id: `${OWN}oor-1`,
      over: { drafts: Uint32Array.of(VOCAB + 1) },
      code: ErrorCode.TokenOutOfRange,
      what: 'token id ≥ vocab',
    },
    {
      id: `${OWN}oor-2`,
      over: { context: Uint32Array.of(1, 2 ** 32 - 1) },
      code: ErrorCode.TokenOutOfRange,
      what: 'token id ≥ vocab',
    },
  ];
  const directs = targets.filter((x) => x.name.startsWith('direct.'));
  await fuzzer.flush();
  for (const c of taskCases) {
    fuzzer.publish(subjects.verify('default', `${OWN}host`), codec.encode('verify.task', task(c.id, c.over)));
    // Straight to each verifier (protocol 2.1): the verdict comes back on the result subject too.
    for (const [i, t] of directs.entries())
      fuzzer.publish(t.subject, codec.encode('verify.task', task(`${c.id}d${i}`, c.over)));
  }
  for (const t of targets.filter((x) => x.name.startsWith('batch.'))) {
    for (const c of taskCases) {
      const batch = { batchId: `${OWN}b`, pool: 'default', tasks: [task(`${c.id}b`, c.over)] };
      const reply = await fuzzer.request(t.subject, codec.encode('batch', batch), { timeout: 5000 });
      const body = decodeMessage(reply.data, 'batch.result').body;
      expect(body.results).toEqual([]);
      expect(body.failures.map((f) => f.error.code)).toEqual([c.code]);
      summary.note(t.name, c.what, `${c.code} in the batch.result reply`);
    }
  }
  const until = Date.now() + 5000 * machineLoadFactor();
  const expected = taskCases.length * (1 + directs.length);
  while (failures.size < expected && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  failSub.unsubscribe();
  for (const c of taskCases) {
    expect(failures.get(`${c.id}:t1`), c.id).toBe(c.code);
    summary.note('verify.<pool>', c.what, `${c.code} published on result.<session>`);
    for (const [i, t] of directs.entries()) {
      expect(failures.get(`${c.id}d${i}:t1`), `${t.name} ${c.id}`).toBe(c.code);
      summary.note(t.name, c.what, `${c.code} published on result.<session>`);
    }
  }

  const ghost = `${OWN}ghost`;
  fuzzer.publish(
    subjects.preempt(`${OWN}host`, ghost),
    codec.encode('preempt', { sessionId: ghost, taskIds: [`${ghost}:t1`] }),
  );
  summary.note('preempt.<live session>', 'unknown session', 'ignored');
  for (const [, id] of ROLES) {
    const other = codec.encode('drain', { id: `${OWN}someone-else`, reason: 'fuzz' });
    expect(await refusalCode(subjects.control(id), other)).toBe(ErrorCode.Config);
    summary.note(`ctl.${id}`, 'drain naming another instance', `${ErrorCode.Config} reply, not drained`);
  }
}

describe('fuzzing a live cluster', () => {
  it(
    'refuses bad input on every subject with typed errors and counters, and valid work stays exact',
    async () => {
      const summary = new FuzzSummary();
      const expected = new Expected();
      const victim = await startVictim();
      const table = await SubscriptionTable.read(monitorUrl);
      const targets = fuzzTargets(victim.host, victim.sessionId);
      // Every kind of subject the cluster listens on is fuzzed: one the suite does not know fails here.
      const fuzzed = new Set(targets.map((t) => areaOf(t.subject)));
      const listened = table.subjectsOf(COUNTED).filter((s) => !fuzzed.has(areaOf(s)));
      expect(listened, 'subjects the cluster listens on that the suite does not fuzz').toEqual([]);
      const before = await readCounters();

      // Valid traffic all along: two requests at a time, every mode, until the fuzzing is over.
      const results: Array<Awaited<ReturnType<typeof validRequest>>> = [];
      let fuzzing = true;
      const loops = [0, 1].map(async (lane) => {
        for (let i = 0; fuzzing || i < 2; i++) {
          results.push(await validRequest(`during-${lane}-${i}`, MODES[(i + lane) % 3]!));
        }
      });
      const forger = new ResultForger(forging, subjects, target, {
        perKind: 40,
        replays: 60,
        ownPrefix: OWN,
      });
      const starts = new SessionStartReplayer(forging, subjects, { limit: 12, ownPrefix: OWN });
      const chunks = new TokenStreamWatcher(forging, subjects, new Set(['fuzzer', 'forger']));
      forger.start();
      starts.start();
      chunks.start();
      await forging.flush();

      try {
        // 1. Bad bytes: the codec's verdict, answered (requests) and counted by each receiver.
        const gen = new BadInputGenerator(SEED);
        for (const t of targets) {
          const receivers = table.receivers(t.subject, COUNTED);
          expect(receivers.size, `nobody listens on ${t.name}`).toBeGreaterThan(0);
          summary.describe(t.name, t.pattern, receivers);
          for (const c of gen.casesFor(t, CASES_PER_SUBJECT)) {
            if (t.pattern === 'request') {
              const code = await refusalCode(t.subject, c.bytes);
              expect(code, `${t.name}: ${c.category}`).toBe(c.code);
              summary.note(t.name, c.category, `${code} reply, counted`);
            } else {
              fuzzer.publish(t.subject, c.bytes);
              summary.note(t.name, c.category, `${c.code}, dropped, counted`);
            }
            for (const [who, n] of receivers) expected.add(who, c.code, n);
            // Let the forger and the valid traffic, on this same event loop, keep their pace.
            await new Promise((r) => setImmediate(r));
          }
          // Over max_payload: the client library does not send it, and the server refuses it from a
          // client that tries anyway (and closes that client's connection).
          expect(() => fuzzer.publish(t.subject, new Uint8Array(MAX_PAYLOAD + 1))).toThrow(/max_payload/);
          summary.note(t.name, 'over max_payload', 'not sent by the client library');
          expect(await rawPublish(server.port, t.subject, MAX_PAYLOAD + 1)).toMatch(
            /-ERR 'Maximum Payload Violation'/,
          );
          summary.note(
            t.name,
            'over max_payload',
            'nats-server: Maximum Payload Violation, connection closed',
          );
          if (t.name === 'tokens.<live request>') {
            // The live request's subjects were fuzzed while it ran.
            await fuzzer.flush();
            expect(
              victim.finished(),
              'the live request ended while its subjects were fuzzed',
            ).toBeUndefined();
          }
        }

        // 2. Well-formed messages the handlers refuse or ignore.
        await fuzzHandlers(targets, summary);
      } finally {
        fuzzing = false;
        await Promise.allSettled(loops);
        forger.stop();
        await starts.stop();
        victim.abort.abort();
        await victim.done.catch(() => undefined);
      }
      await Promise.all(loops);
      // After the fuzzing: the cluster still serves every mode exactly.
      const after = await Promise.all(
        MODES.flatMap((m) => [0, 1].map((i) => validRequest(`after-${m}-${i}`, m))),
      );
      results.push(...after);
      chunks.stop();

      // Counters: exactly the expected refusals per process. The drafter also counts E_SCHEMA for each
      // forged result that met its task in flight (one that came after the real result found no task
      // and was ignored, like the replays), so there the forgeries give a range.
      const counts = forger.counts;
      const contradicting = counts.forged['wrong epoch'] + counts.forged['accepted > drafts'];
      let now = await readCounters();
      const delta = (who: string, code: string) =>
        (now.get(who)?.get(code) ?? 0) - (before.get(who)?.get(code) ?? 0);
      const short = () =>
        [...expected.byProcess].some(([who, m]) => [...m].some(([code, n]) => delta(who, code) < n));
      for (
        const settle = Date.now() + 5000 * machineLoadFactor();
        short() && Date.now() < settle;
        now = await readCounters()
      )
        await new Promise((r) => setTimeout(r, 100));
      for (const who of COUNTED) {
        const codes = new Set([
          ...(now.get(who)?.keys() ?? []),
          ...(expected.byProcess.get(who)?.keys() ?? []),
        ]);
        for (const code of codes) {
          if (who === 'drafter-0' && code === ErrorCode.Schema) continue;
          expect(delta(who, code), `${who} specmesh_bad_messages_total{code="${code}"}`).toBe(
            expected.get(who, code),
          );
        }
      }
      const forgedRefused =
        delta('drafter-0', ErrorCode.Schema) - expected.get('drafter-0', ErrorCode.Schema);
      expect(forgedRefused).toBeGreaterThan(0);
      expect(forgedRefused).toBeLessThanOrEqual(contradicting);
      expect(counts.replayed).toBeGreaterThan(0);
      const live = 'result.<live session>';
      summary.note(
        live,
        'forged: made-up task id',
        'ignored (no such task)',
        counts.forged['made-up task id'],
      );
      summary.note(
        live,
        'forged: wrong epoch, accepted > drafts',
        `${ErrorCode.Schema}, dropped, counted`,
        forgedRefused,
      );
      summary.note(
        live,
        'forged: wrong epoch, accepted > drafts',
        'after the real result: ignored (task answered)',
        contradicting - forgedRefused,
      );
      summary.note(live, 'replayed real result', 'ignored (task answered)', counts.replayed);

      // Replayed session starts were answered as the original and started nothing.
      for (const [reply, n] of starts.replies)
        summary.note(
          'session.drafter-0',
          'replayed session.start (running or ended)',
          `${reply} reply, nothing started`,
          n,
        );
      expect([...starts.replies.keys()]).toEqual(['session.ok']);
      expect(chunks.duplicates, 'token chunks published twice').toEqual([]);
      expect(chunks.chunks).toBeGreaterThan(0);

      // Valid work: every output the target's own, none lost, none duplicated.
      expect(results.length).toBeGreaterThanOrEqual(10);
      for (const r of results) expect(r.tokens, r.id).toEqual(greedyReference(target, r.prompt, r.maxTokens));
      expect(victim.tokens.length).toBeGreaterThan(0);
      expect(victim.tokens).toEqual(greedyReference(target, victim.prompt, victim.tokens.length));

      // No invalid heartbeat made anyone join: the members are the role processes, as before.
      expect(
        view
          .alive({ includeDraining: true })
          .map((m) => m.id)
          .sort(),
      ).toEqual(ROLES.map(([, id]) => id).sort());

      // No process exited or restarted.
      for (const p of procs) expect(p.exits, `${p.name} exited; its log:\n${p.stderrTail()}`).toEqual([]);

      console.log(
        `fuzz seed ${SEED}, ${CASES_PER_SUBJECT} per subject, ${targets.length} subjects, ${summary.tried} tries; ` +
          `${results.length} valid requests and the live one (${victim.tokens.length} tokens) exact, ` +
          `${forgedRefused} forged results refused${summary.text()}`,
      );
      if (REPORT) writeFileSync(REPORT, summary.markdown());
    },
    within(600_000),
  );
});
