/**
 * A scheduler + drafter stand-in for gateway tests: admits every request and streams a deterministic
 * completion (`abcdefghij`, one character per token, three tokens per chunk), or refuses with a chosen
 * error. It speaks the real protocol over a real nats-server. Each chunk stands for one verification
 * round on `fake-verifier` of as many drafts as the chunk has tokens, of which the tokens marked as
 * drafted (`sources`, every odd position, or none with `agreement: 'none'`) were accepted; the last
 * chunk carries that timeline. `fake-verifier` is there too, as far as the gateway sees: it announces a
 * signing key in its heartbeats and each chunk carries its signed statement, so the gateway's check
 * of verified output passes.
 */
import { ResultSigner } from '@specmesh/actors';
import { type BodyOf, OverloadedError } from '@specmesh/protocol';
import { Actor } from '@specmesh/runtime';

export const COMPLETION = 'abcdefghij';

export interface FakeCluster {
  actor: Actor;
  cancels: string[];
  submits: BodyOf<'submit'>[];
  /** Trace id each submit arrived with. */
  traces: (string | undefined)[];
  stop(): Promise<void>;
}

export async function startFakeCluster(
  url: string,
  behaviour: {
    refuse?: 'overloaded';
    /** Admits this many submits, then refuses the rest as overloaded. Defaults to all admitted. */
    admit?: number;
    chunkDelayMs?: number;
    agreement?: 'odd' | 'none';
  } = {},
): Promise<FakeCluster> {
  const actor = await Actor.start({ role: 'scheduler', servers: url, heartbeatIntervalMs: 50 });
  const signer = ResultSigner.generate();
  const verifier = await Actor.start({
    role: 'verifier',
    id: 'fake-verifier',
    pool: 'p',
    servers: url,
    heartbeatIntervalMs: 50,
    signingKey: signer.publicKey,
  });
  const cancels: string[] = [];
  const submits: BodyOf<'submit'>[] = [];
  const traces: (string | undefined)[] = [];
  const timers = new Set<NodeJS.Timeout>();
  actor.handle(actor.subjects.session('fake-drafter'), 'session.cancel', (m) => {
    cancels.push(m.body.sessionId);
    for (const t of timers) clearTimeout(t);
    return undefined;
  });
  actor.handle(
    actor.subjects.submit(),
    'submit',
    (m, ctx) => {
      submits.push(m.body);
      traces.push(ctx.traceId);
      if (
        behaviour.refuse === 'overloaded' ||
        submits.length > (behaviour.admit ?? Number.POSITIVE_INFINITY)
      ) {
        throw new OverloadedError('scheduler queue is full (test)');
      }
      const req = m.body.requestId;
      const sessionId = `${req}-s`;
      const n = Math.min(m.body.maxTokens, COMPLETION.length);
      const promptTokens = typeof m.body.prompt === 'string' ? m.body.prompt.length : m.body.prompt.length;
      const chunks: BodyOf<'tokens'>[] = [];
      const spans: NonNullable<BodyOf<'tokens'>['trace']>['spans'] = [];
      for (let i = 0, seq = 0; i < n; i += 3, seq++) {
        const end = Math.min(n, i + 3);
        const sources = Uint8Array.from({ length: end - i }, (_, j) =>
          behaviour.agreement === 'none' ? 0 : (i + j) % 2,
        );
        const accepted = sources.reduce((a, b) => a + b, 0);
        spans.push(
          { kind: 'draft', start: seq, end: seq + 0.2, epoch: 0, pos: i, n: end - i },
          {
            kind: 'verify',
            start: seq + 0.2,
            end: seq + 0.9,
            epoch: 0,
            pos: i,
            n: end - i,
            taskId: `${req}-s:t${seq}`,
            verifierId: 'fake-verifier',
            accepted,
            outcome: accepted === end - i ? 'accepted' : 'rejected',
          },
        );
        const tokens = Uint32Array.from({ length: end - i }, (_, j) => COMPLETION.charCodeAt(i + j));
        const pieces = Array.from(COMPLETION.slice(i, end));
        chunks.push({
          requestId: req,
          sessionId,
          seq,
          index: i,
          tokens,
          proofs: [
            {
              verifierId: 'fake-verifier',
              from: promptTokens + i,
              to: promptTokens + end,
              head: 0,
              count: end - i,
              signature: signer.sign('fake-verifier', sessionId, promptTokens + i, tokens, pieces),
            },
          ],
          text: COMPLETION.slice(i, end),
          sources,
          textEnds: Uint32Array.from({ length: end - i }, (_, j) => j + 1),
          ...(seq === 0 ? { promptTokens } : {}),
          done: end === n,
          ...(end === n
            ? { finishReason: n < COMPLETION.length ? ('length' as const) : ('stop' as const) }
            : {}),
        });
      }
      chunks[chunks.length - 1]!.trace = {
        drafterId: 'fake-drafter',
        startedAt: Date.now(),
        spans,
        dropped: 0,
      };
      chunks.forEach((c, i) => {
        const t = setTimeout(
          () => {
            timers.delete(t);
            actor.publish(actor.subjects.tokens(m.body.client, 'fake-drafter', req), 'tokens', c);
          },
          10 + i * (behaviour.chunkDelayMs ?? 0),
        );
        timers.add(t);
      });
      return {
        kind: 'submit.ok',
        body: {
          requestId: req,
          sessionId,
          drafterId: 'fake-drafter',
          pool: 'p',
          tokenSubject: actor.subjects.tokens(m.body.client, 'fake-drafter', req),
        },
      };
    },
    { queue: 'scheduler' },
  );
  await actor.flush();
  return {
    actor,
    cancels,
    submits,
    traces,
    stop: async () => {
      for (const t of timers) clearTimeout(t);
      await verifier.stop();
      await actor.stop();
    },
  };
}
