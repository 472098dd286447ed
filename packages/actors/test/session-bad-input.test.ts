/**
 * What a session host refuses beyond the codec's checks: a `session.start` with token ids outside its
 * model's vocabulary or an invalid token subject, a repeated `session.start` (no twin session), and
 * verification results that contradict the task they name (forged or corrupt: another epoch, more
 * accepted drafts than the task carried). The test plays the verifier, so it decides the order in
 * which forged and real results reach the drafter.
 */
import { emulatedPair } from '@specmesh/models';
import { type BodyOf, ErrorCode, fromWireError } from '@specmesh/protocol';
import { sampleBodies } from '@specmesh/protocol/internal';
import { Actor } from '@specmesh/runtime';
import { describe, expect, it } from 'vitest';
import { Drafter } from '../src/drafter/drafter.js';
import { checkSessionStart } from '../src/session/check-session-start.js';
import { useNatsServer } from './harness.js';

const nats = useNatsServer();
const { target, drafter: draftModel } = emulatedPair({ agreement: 0.7, seed: 5 });
const VOCAB = target.info.vocabSize;

const start = (over: Partial<BodyOf<'session.start'>> = {}): BodyOf<'session.start'> => {
  const { resume: _r, ...s } = structuredClone(sampleBodies()['session.start']);
  return {
    ...s,
    sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
    deadlineAt: Date.now() + 30_000,
    ...over,
  };
};

function code(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('checkSessionStart', () => {
  it('accepts token ids below the vocabulary and a literal token subject', () => {
    expect(code(() => checkSessionStart(start({ prompt: Uint32Array.of(1, VOCAB - 1) }), VOCAB))).toBe(
      undefined,
    );
    expect(code(() => checkSessionStart(start({ prompt: 'text' }), VOCAB))).toBe(undefined);
  });

  it('refuses a prompt or resumed token outside the vocabulary', () => {
    expect(code(() => checkSessionStart(start({ prompt: Uint32Array.of(1, VOCAB) }), VOCAB))).toBe(
      ErrorCode.TokenOutOfRange,
    );
    const resume = { committed: Uint32Array.of(3, 2 ** 32 - 1), nextSeq: 1 };
    expect(code(() => checkSessionStart(start({ prompt: 'text', resume }), VOCAB))).toBe(
      ErrorCode.TokenOutOfRange,
    );
  });

  it('refuses a token subject with a space, a wildcard or an empty token', () => {
    for (const tokenSubject of ['p.v2.tokens.a b', 'p.v2.tokens.*', 'p.v2.>', 'p..tokens', 'p.v2.tokens.'])
      expect(
        code(() => checkSessionStart(start({ tokenSubject }), VOCAB)),
        tokenSubject,
      ).toBe(ErrorCode.Subject);
  });
});

describe('a drafter given bad input', () => {
  async function setUp(prefix: string) {
    const common = { servers: nats.url, subjects: { prefix }, heartbeatIntervalMs: 0 };
    const d = await Drafter.start({ ...common, id: 'd0', model: draftModel, verifyTimeoutMs: 5000 });
    const peer = await Actor.start({ ...common, role: 'verifier', id: 'test-verifier' });
    nats.defer(async () => {
      await peer.stop();
      await d.stop();
    });
    return { d, peer };
  }

  it('refuses token ids outside the vocabulary and invalid token subjects with typed errors', async () => {
    const { peer } = await setUp('badstart');
    const ask = (s: BodyOf<'session.start'>) =>
      peer.request(peer.subjects.session('d0'), 'session.start', s, { expect: 'session.ok' }).then(
        () => 'ok',
        (err: { code: string }) => err.code,
      );
    expect(await ask(start({ prompt: Uint32Array.of(1, VOCAB + 3) }))).toBe(ErrorCode.TokenOutOfRange);
    expect(await ask(start({ tokenSubject: `${peer.subjects.tokens('c', 'd0', 'r')} x` }))).toBe(
      ErrorCode.Subject,
    );
  });

  it('drops results that contradict their task, takes the real one, and never reruns a repeated start', async () => {
    const { d, peer } = await setUp('forged');
    const held = new Map<string, Uint32Array>();
    let forged = 0;
    // The verifier: for every task, first two forged results, then the true greedy verdict.
    peer.handle(peer.subjects.verifyPool('default'), 'verify.task', (msg) => {
      const task = msg.body;
      const prefix = new Uint32Array(task.basePos + task.context.length);
      prefix.set((held.get(task.sessionId) ?? new Uint32Array()).subarray(0, task.basePos));
      prefix.set(task.context, task.basePos);
      held.set(task.sessionId, prefix);
      const ctx = Array.from(prefix);
      let accepted = 0;
      while (accepted < task.drafts.length && target.targetArgmax(ctx) === task.drafts[accepted]) {
        ctx.push(task.drafts[accepted]!);
        accepted++;
      }
      const right = target.targetArgmax(ctx);
      const verdict: BodyOf<'verify.result'> = {
        taskId: task.taskId,
        sessionId: task.sessionId,
        epoch: task.epoch,
        accepted,
        token: right,
        bonus: accepted === task.drafts.length,
        verifierId: 'test-verifier',
        queueMs: 0,
        computeMs: 0,
      };
      const subject = peer.subjects.result(task.host, task.sessionId);
      const wrong = (right + 1) % VOCAB;
      for (const lie of [
        { ...verdict, epoch: task.epoch + 1, accepted: 0, token: wrong, bonus: false },
        { ...verdict, accepted: task.drafts.length + 1, token: wrong, bonus: true },
      ]) {
        peer.publish(subject, 'verify.result', lie);
        forged++;
      }
      peer.publish(subject, 'verify.result', verdict);
      // And the real one again, as a duplicate delivery would.
      peer.publish(subject, 'verify.result', verdict);
      return undefined;
    });
    await peer.flush();

    const s = start({ prompt: 'forged results', maxTokens: 20, mode: 'si', pool: 'default' });
    s.tokenSubject = peer.subjects.tokens(peer.id, 'd0', s.requestId);
    const tokens: number[] = [];
    const seqs: number[] = [];
    const done = new Promise<void>((resolve, reject) => {
      peer.handle(s.tokenSubject, 'tokens', (msg) => {
        seqs.push(msg.body.seq);
        tokens.push(...msg.body.tokens);
        if (msg.body.error) reject(fromWireError(msg.body.error));
        if (msg.body.done) resolve();
        return undefined;
      });
    });
    await peer.flush();
    const ask = () => peer.request(peer.subjects.session('d0'), 'session.start', s, { expect: 'session.ok' });
    const first = await ask();
    // The same start again (a retried or replayed request): answered as the first, no second session.
    const again = await ask();
    expect(again.body).toEqual(first.body);
    expect(d.active).toBe(1);
    await done;

    const ctx = [target.info.bosId, ...target.tokenize('forged results')];
    const want: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = target.targetArgmax(ctx);
      want.push(t);
      ctx.push(t);
    }
    expect(tokens).toEqual(want);
    expect(seqs).toEqual([...seqs.keys()]);
    // Once more after the session ended: still answered, still nothing rerun.
    expect((await ask()).body).toEqual(first.body);
    await new Promise((r) => setTimeout(r, 100));
    expect(d.active).toBe(0);
    expect(seqs).toEqual([...seqs.keys()]);
    const bad = await d.actor.metrics.registry.getSingleMetric('specmesh_bad_messages_total')!.get();
    expect(bad.values.find((v) => v.labels['code'] === ErrorCode.Schema)?.value).toBe(forged);
    expect(forged).toBeGreaterThanOrEqual(4);
  });
});
