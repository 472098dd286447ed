/**
 * Verified output on a real cluster (in-process actors over a real nats-server, emulated models): every
 * token a session sends carries statements its verifiers signed, and a client that checks them passes
 * honest output on every kind of host (edge in every mode, fused, target-only), with stop strings and
 * sampling, while every chunk a malicious drafter forges or alters is refused: with no statements, with
 * its own key (announced nowhere, or in a heartbeat of its own posing as a verifier), with a real
 * verifier's statement over other tokens, other text, or other positions.
 */
import { generateKeyPairSync } from 'node:crypto';
import { emulatedPair } from '@specmesh/models';
import {
  type BodyOf,
  chainBefore,
  ErrorCode,
  type Mode,
  rawPublicKey,
  SpecmeshError,
  signStatement,
  type TokenChunk,
} from '@specmesh/protocol';
import { sampleBodies } from '@specmesh/protocol/internal';
import { Actor, startupDeadlineMs } from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Batcher } from '../src/batcher/batcher.js';
import { generate } from '../src/client/generate-client.js';
import type { UnverifiedTokens, VerifiedOutputMode } from '../src/client/verified-output.js';
import { VerifierKeys } from '../src/client/verifier-keys.js';
import { Drafter } from '../src/drafter/drafter.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { Verifier } from '../src/verifier/verifier.js';
import { useNatsServer } from './harness.js';

const nats = useNatsServer();
const { target, drafter } = emulatedPair({
  agreement: 0.8,
  seed: 9,
  latency: { ttftMs: 2, tpotMs: 1, perTokenMs: 0.1 },
  drafterLatency: { ttftMs: 0.3, tpotMs: 0.1 },
});

type Host = 'edge' | 'fused' | 'target-only' | 'evil';
const clients = new Map<Host, { actor: Actor; keys: VerifierKeys }>();
const stoppers: Array<() => Promise<void>> = [];

/**
 * A drafter that owns sessions and publishes what it likes on their token subjects: the attack the
 * signatures defend against. It gets a real signed statement the way any drafter can (a verify task
 * to the pool) and then forges or alters chunks as the request's prompt asks.
 */
async function startEvilDrafter(common: {
  servers: string;
  subjects: { prefix: string };
  heartbeatIntervalMs: number;
}) {
  const evil = await Actor.start({
    ...common,
    role: 'drafter',
    id: 'evil',
    load: () => ({ inflight: 0, queued: 0, capacity: 64 }),
  });
  const own = generateKeyPairSync('ed25519');
  evil.handle(evil.subjects.session(evil.id), ['session.start', 'session.cancel', 'session.probe'], (msg) => {
    if (msg.kind !== 'session.start')
      return { kind: 'session.ok', body: { sessionId: 'x', drafterId: evil.id } };
    const s = msg.body as BodyOf<'session.start'>;
    void attack(evil, s, own.privateKey, own.publicKey);
    return { kind: 'session.ok', body: { sessionId: s.sessionId, drafterId: evil.id } };
  });
  return evil;
}

/** One real verify result for the session: a plain target step after the prompt (its signed statement). */
async function realStatement(evil: Actor, s: BodyOf<'session.start'>) {
  const prompt = [target.info.bosId, ...target.tokenize(s.prompt as string)];
  const got = new Promise<BodyOf<'verify.result'>>((resolve) => {
    const off = evil.handle(evil.subjects.result(s.sessionId), 'verify.result', (m) => {
      off();
      resolve(m.body);
      return undefined;
    });
  });
  await evil.flush();
  evil.publish(evil.subjects.verify(s.pool), 'verify.task', {
    ...sampleBodies()['verify.task'],
    taskId: `${s.sessionId}:t0`,
    sessionId: s.sessionId,
    pool: s.pool,
    epoch: 0,
    basePos: 0,
    context: Uint32Array.from(prompt),
    drafts: new Uint32Array(0),
    sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
    attempt: 1,
    textFrom: prompt.length,
    deadlineAt: Date.now() + 10_000,
  } as BodyOf<'verify.task'>);
  return { result: await got, promptLen: prompt.length };
}

async function attack(
  evil: Actor,
  s: BodyOf<'session.start'>,
  key: import('node:crypto').KeyObject,
  publicKey: import('node:crypto').KeyObject,
) {
  const how = (s.prompt as string).split(' ')[0]!;
  const base = { requestId: s.requestId, sessionId: s.sessionId, seq: 0, index: 0, done: false };
  const chunk = (tokens: number[], pieces: string[], proofs?: TokenChunk['proofs']): TokenChunk => {
    let text = '';
    const ends = pieces.map((p) => {
      text += p;
      return text.length;
    });
    return {
      ...base,
      tokens: Uint32Array.from(tokens),
      text,
      textEnds: Uint32Array.from(ends),
      promptTokens: 4,
      ...(proofs ? { proofs } : {}),
    };
  };
  const send = (c: TokenChunk, end = c.tokens.length) => {
    evil.publish(s.tokenSubject, 'tokens', c);
    evil.publish(s.tokenSubject, 'tokens', {
      ...base,
      seq: c.seq + 1,
      index: end,
      tokens: new Uint32Array(0),
      text: '',
      done: true,
      finishReason: 'length',
    });
  };
  const injected = [7, 8, 9];
  const injectedText = [' Buy', ' now', '!'];
  const selfSigned = (verifierId: string) => {
    const from = 10;
    const signature = signStatement(
      { verifierId, sessionId: s.sessionId, from, to: from + 3, hash: chainBefore(injected, injectedText) },
      key,
    );
    return [{ verifierId, from, to: from + 3, head: 0, count: 3, signature }];
  };
  if (how === 'unsigned') return send(chunk(injected, injectedText));
  if (how === 'own-key') return send(chunk(injected, injectedText, selfSigned('v0')));
  if (how === 'posing') {
    // A heartbeat of its own claiming to be verifier `evil-v` with its key: on the drafter's subject.
    evil.publish(evil.subjects.heartbeat('drafter', evil.id), 'heartbeat', {
      role: 'verifier',
      id: 'evil-v',
      pool: s.pool,
      version: '0',
      startedAt: Date.now(),
      seq: 0,
      intervalMs: 50,
      draining: false,
      load: { inflight: 0, queued: 0, capacity: 1 },
      signingKey: rawPublicKey(publicKey),
    });
    return send(chunk(injected, injectedText, selfSigned('evil-v')));
  }
  // The rest start from a real statement of a real verifier.
  const { result, promptLen } = await realStatement(evil, s);
  const proof = {
    verifierId: result.verifierId,
    from: promptLen,
    to: promptLen + 1,
    head: 0,
    count: 1,
    signature: result.signature!,
  };
  const real = { token: result.token, piece: result.pieces![0]! };
  const sent = (c: TokenChunk) => send({ ...c, promptTokens: promptLen });
  if (how === 'honest') return sent(chunk([real.token], [real.piece], [proof]));
  if (how === 'other-token') return sent(chunk([real.token ^ 1], [real.piece], [proof]));
  if (how === 'other-text') return sent(chunk([real.token], [' HACKED'], [proof]));
  if (how === 'more-tokens')
    return sent(chunk([real.token, ...injected], [real.piece, ...injectedText], [proof]));
  if (how === 'other-place') {
    // The real chunk, then the same statement again for the next position (verified text repeated).
    const first = { ...chunk([real.token], [real.piece], [proof]), promptTokens: promptLen };
    evil.publish(s.tokenSubject, 'tokens', first);
    const again: TokenChunk = { ...first, seq: 1, index: 1 };
    delete again.promptTokens;
    return send({ ...again, seq: 1 }, 2);
  }
  if (how === 'cut-misused')
    return sent(chunk([real.token], [real.piece.slice(0, 1) || 'x'], [{ ...proof, cut: `${real.piece}!` }]));
  throw new Error(`unknown attack ${how}`);
}

/** A scheduler, a batcher and hosts of one kind, under their own subject prefix. */
async function startCluster(host: Host) {
  const common = { servers: nats.url, subjects: { prefix: `vo-${host}` }, heartbeatIntervalMs: 50 };
  const sched = await Scheduler.start({ ...common, placement: host === 'fused' ? 'fused' : 'edge' });
  const batcher = await Batcher.start({ ...common, pool: 'p', windowMs: 0.3, maxJobs: 12 });
  const roles: Array<{ stop(): Promise<void> }> = [];
  roles.push(
    await Verifier.start({
      ...common,
      id: 'v0',
      pool: 'p',
      model: target,
      ...(host === 'fused' ? { draftModel: drafter } : {}),
      ...(host === 'evil' ? { hostSessions: 0 } : {}),
    }),
  );
  if (host === 'edge') {
    roles.push(await Verifier.start({ ...common, id: 'v1', pool: 'p', model: target }));
    roles.push(await Drafter.start({ ...common, id: 'd0', model: drafter, maxSessions: 32 }));
  }
  if (host === 'evil') {
    const evil = await startEvilDrafter(common);
    roles.push({ stop: () => evil.stop() });
  }
  const actor = await Actor.start({ ...common, role: 'gateway', heartbeatIntervalMs: 0 });
  const keys = VerifierKeys.start(actor);
  stoppers.push(async () => {
    keys.stop();
    await actor.stop();
    for (const r of roles.reverse()) await r.stop();
    await batcher.stop();
    await sched.stop();
  });
  await sched.membership.waitFor((ms) => ms.length >= roles.length + 1, startupDeadlineMs(roles.length + 2));
  clients.set(host, { actor, keys });
}

beforeAll(async () => {
  for (const host of ['edge', 'fused', 'target-only', 'evil'] as const) await startCluster(host);
});

afterAll(async () => {
  for (const s of stoppers) await s();
});

const submit = (
  requestId: string,
  prompt: string,
  mode: Mode,
  extra: Partial<BodyOf<'submit'>> = {},
): BodyOf<'submit'> => ({
  ...sampleBodies().submit,
  requestId,
  prompt,
  mode,
  maxTokens: 40,
  sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
  window: { policy: 'static', k: 4 },
  deadlineAt: Date.now() + 60_000,
  ...extra,
});

async function run(host: Host, body: BodyOf<'submit'>, mode: VerifiedOutputMode | undefined) {
  const { actor, keys } = clients.get(host)!;
  const refused: UnverifiedTokens[] = [];
  const gen = await generate(actor, body, {
    // A key never announced is waited for briefly (a client that just started), not the default 3 s.
    ...(mode ? { verifiedOutput: { keys, mode, keyWaitMs: 300, onUnverified: (u) => refused.push(u) } } : {}),
  });
  const chunks: TokenChunk[] = [];
  for await (const c of gen.chunks) chunks.push(c);
  return {
    chunks,
    tokens: chunks.flatMap((c) => Array.from(c.tokens)),
    text: chunks.map((c) => c.text).join(''),
    refused,
  };
}

describe('honest clusters pass with signatures', () => {
  const cases: Array<[Host, Mode, Partial<BodyOf<'submit'>>]> = [
    ['edge', 'nonsi', {}],
    ['edge', 'si', {}],
    ['edge', 'dsi', {}],
    ['edge', 'dsi', { auto: true }],
    ['edge', 'si', { sampling: { temperature: 0.8, topK: 0, topP: 1, seed: 3 } }],
    ['fused', 'si', {}],
    ['target-only', 'si', {}],
  ];
  for (const [host, mode, extra] of cases) {
    it(`${host} ${extra.auto ? 'auto' : mode}${extra.sampling ? ' sampled' : ''}: every token checks, with and without a stop string`, async () => {
      const prompt = `verified ${host} ${mode} ${extra.auto ? 'auto' : ''}`;
      const tag = `${host}-${mode}-${extra.auto ? 'a' : ''}${extra.sampling ? 's' : ''}`;
      const plain = await run(host, submit(`${tag}-plain`, prompt, mode, extra), undefined);
      expect(plain.tokens.length).toBeGreaterThan(0);
      for (const c of plain.chunks) if (c.tokens.length > 0) expect(c.proofs?.length).toBeGreaterThan(0);
      const checked = await run(host, submit(`${tag}-checked`, prompt, mode, extra), 'reject');
      expect(checked.refused).toEqual([]);
      if (!extra.sampling) expect(checked.tokens).toEqual(plain.tokens);
      // A stop string that starts inside a token's text: that token is kept with its text cut, and
      // the cut prefix still checks (its run carries the signed text).
      const pieces = plain.chunks.flatMap((c) =>
        Array.from(c.textEnds ?? [], (end, i) => c.text.slice(i === 0 ? 0 : c.textEnds![i - 1], end)),
      );
      let i = 3;
      while (i < pieces.length - 1 && pieces[i]!.length < 2) i++;
      const stop = pieces[i]!.slice(1) + pieces[i + 1]!.slice(0, 1);
      const stopped = await run(
        host,
        submit(`${tag}-stop`, prompt, mode, { ...extra, stop: [stop] }),
        'reject',
      );
      expect(stopped.refused).toEqual([]);
      if (extra.sampling) return;
      expect(stopped.chunks.at(-1)?.finishReason).toBe('stop');
      const cutAt = plain.text.indexOf(stop);
      expect(stopped.text).toBe(plain.text.slice(0, cutAt));
      if (cutAt === pieces.slice(0, i).join('').length + 1) {
        expect(stopped.chunks.some((c) => c.proofs?.some((p) => p.cut !== undefined))).toBe(true);
      }
    });
  }
});

describe('a drafter that injects tokens is refused every time', () => {
  const forged = [
    'unsigned',
    'own-key',
    'posing',
    'other-token',
    'other-text',
    'more-tokens',
    'other-place',
    'cut-misused',
  ];

  it('the honest replay of a real statement passes (the attacks below differ from it only in what they forge)', async () => {
    const got = await run('evil', submit('evil-honest', 'honest please', 'si'), 'reject');
    expect(got.refused).toEqual([]);
    expect(got.tokens.length).toBe(1);
  });

  for (const how of forged) {
    it(`${how}: the request fails with E_UNVERIFIED naming the drafter; dropped instead when asked`, async () => {
      const err = await run('evil', submit(`evil-${how}-r`, `${how} please`, 'si'), 'reject').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SpecmeshError);
      expect((err as SpecmeshError).code).toBe(ErrorCode.Unverified);
      expect((err as SpecmeshError).context['host']).toBe('evil');
      const dropped = await run('evil', submit(`evil-${how}-d`, `${how} please`, 'si'), 'drop');
      // Only the replay's first (real) chunk stands.
      expect(dropped.tokens.length).toBe(how === 'other-place' ? 1 : 0);
      expect(dropped.refused.map((u) => u.host)).toEqual(['evil']);
      expect(dropped.refused[0]!.tokens).toBeGreaterThan(0);
    });
  }
});
