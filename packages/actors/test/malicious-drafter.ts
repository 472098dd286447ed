/**
 * A malicious drafter for tests: it owns the sessions the scheduler gives it and publishes what it
 * likes on their token subjects, which is the attack verified output defends against. It gets a real
 * signed statement the way any drafter can (a verify task to the pool) and then forges or alters
 * chunks as the request's prompt asks: its first word names the attack (see {@link ATTACKS}).
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { LanguageModel } from '@specmesh/models';
import { type BodyOf, chainBefore, rawPublicKey, signStatement, type TokenChunk } from '@specmesh/protocol';
import { sampleBodies } from '@specmesh/protocol/internal';
import { Actor, type ActorOptions } from '@specmesh/runtime';

/**
 * `unsigned`: injected tokens without statements; `own-key`: signed in a real verifier's name with the
 * drafter's own key, which no heartbeat announced; `posing`: that key announced in a heartbeat of its own claiming to be a
 * verifier; `other-token`, `other-text`, `more-tokens`: a real verifier's statement over altered
 * tokens, altered text, or extra tokens; `other-place`: a real chunk, then the same statement again at
 * the next position; `cut-misused`: a real statement's text "cut" where no stop string is.
 */
export const ATTACKS = [
  'unsigned',
  'own-key',
  'posing',
  'other-token',
  'other-text',
  'more-tokens',
  'other-place',
  'cut-misused',
] as const;

/** Tokens an attack leaves standing when its forged chunks are dropped (the replay's real first chunk). */
export const KEPT_WHEN_DROPPED: Readonly<Record<string, number>> = { 'other-place': 1 };

/** Starts the drafter `evil`, which attacks every request it is given. */
export async function startMaliciousDrafter(
  common: Omit<ActorOptions, 'role'>,
  target: LanguageModel,
): Promise<Actor> {
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
    void attack(evil, target, s, own.privateKey, own.publicKey);
    return { kind: 'session.ok', body: { sessionId: s.sessionId, drafterId: evil.id } };
  });
  return evil;
}

/** One real verify result for the session: a plain target step after the prompt (its signed statement). */
async function realStatement(evil: Actor, target: LanguageModel, s: BodyOf<'session.start'>) {
  const prompt = [target.info.bosId, ...target.tokenize(s.prompt as string)];
  const got = new Promise<BodyOf<'verify.result'>>((resolve) => {
    const off = evil.handle(evil.subjects.result(evil.id, s.sessionId), 'verify.result', (m) => {
      off();
      resolve(m.body);
      return undefined;
    });
  });
  await evil.flush();
  evil.publish(evil.subjects.verify(s.pool, evil.id), 'verify.task', {
    ...sampleBodies()['verify.task'],
    taskId: `${s.sessionId}:t0`,
    sessionId: s.sessionId,
    host: evil.id,
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
  target: LanguageModel,
  s: BodyOf<'session.start'>,
  key: KeyObject,
  publicKey: KeyObject,
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
  const { result, promptLen } = await realStatement(evil, target, s);
  // In the name of the verifier that just answered, with the drafter's own key.
  if (how === 'own-key') return send(chunk(injected, injectedText, selfSigned(result.verifierId)));
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
