/**
 * Client side of a generation: submit to the scheduler, then stream the committed tokens in order.
 * Used by `specmesh generate`, the gateway and the end-to-end tests.
 */
import {
  type BodyOf,
  CancelledError,
  DeadlineError,
  fromWireError,
  InternalError,
  type Submit,
  type SubmitAccepted,
  type TokenChunk,
} from '@specmesh/protocol';
import type { Actor } from '@specmesh/runtime';
import { TokenReorderer } from './token-reorderer.js';

export interface GenerateOptions {
  /** Longest silence between two chunks before the stream fails with `E_DEADLINE`, ms. Defaults to 30000. */
  idleTimeoutMs?: number;
  /** Deadline of the `submit` request itself, ms. Defaults to 30000. */
  submitTimeoutMs?: number;
  /** Cancels the generation: the drafter gets `session.cancel`. */
  signal?: AbortSignal;
}

/** A running generation: its admission facts and its ordered chunks. */
export interface Generation {
  readonly accepted: SubmitAccepted;
  /** Ordered chunks; ends after the chunk with `done: true`; throws the stream's typed error. */
  readonly chunks: AsyncIterable<TokenChunk>;
}

/**
 * Subscribes to the request's token subject first (so no chunk can be missed), then submits.
 * @throws the scheduler's typed error (`E_OVERLOADED`, `E_NO_CAPACITY`, `E_DEADLINE`, …)
 */
export async function generate(
  actor: Actor,
  submit: Submit,
  options: GenerateOptions = {},
): Promise<Generation> {
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const reorder = new TokenReorderer();
  const ready: TokenChunk[] = [];
  let failure: Error | undefined;
  let finished = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const unsubscribe = actor.handle(actor.subjects.tokens(submit.requestId), 'tokens', (msg) => {
    for (const c of reorder.push(msg.body)) ready.push(c);
    notify();
    return undefined;
  });
  let accepted: SubmitAccepted;
  try {
    await actor.flush();
    const reply = await actor.request(actor.subjects.submit(), 'submit', submit, {
      expect: 'submit.ok',
      timeoutMs: options.submitTimeoutMs ?? 30_000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    accepted = reply.body;
  } catch (err) {
    unsubscribe();
    throw err;
  }
  const cancel = () => {
    failure = new CancelledError(`generation ${submit.requestId} cancelled`);
    const body: BodyOf<'session.cancel'> = { sessionId: accepted.sessionId, reason: 'client cancelled' };
    try {
      actor.publish(actor.subjects.session(accepted.drafterId), 'session.cancel', body);
    } catch {
      // connection gone: the drafter's deadline ends the session
    }
    notify();
  };
  options.signal?.addEventListener('abort', cancel, { once: true });

  async function* chunks(): AsyncGenerator<TokenChunk> {
    try {
      while (!finished) {
        while (ready.length > 0) {
          const c = ready.shift()!;
          if (c.error) throw fromWireError(c.error);
          yield c;
          if (c.done) {
            finished = true;
            return;
          }
        }
        if (failure) throw failure;
        const gotSomething = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), idleTimeoutMs);
          wake = () => {
            clearTimeout(timer);
            resolve(true);
          };
        });
        if (!gotSomething && ready.length === 0 && !failure) {
          throw new DeadlineError(
            `no tokens for request ${submit.requestId} within ${idleTimeoutMs} ms (waiting for chunk ${reorder.expected})`,
            { context: { requestId: submit.requestId, expectedSeq: reorder.expected } },
          );
        }
      }
    } finally {
      options.signal?.removeEventListener('abort', cancel);
      unsubscribe();
    }
  }
  return { accepted, chunks: chunks() };
}

/** Collects a whole generation: token ids, text, the chunk count and where each token came from. */
export async function collect(
  gen: Generation,
): Promise<{ tokens: number[]; text: string; chunks: number; sources: number[] }> {
  const tokens: number[] = [];
  const sources: number[] = [];
  let text = '';
  let chunks = 0;
  let index = 0;
  for await (const c of gen.chunks) {
    if (c.index !== index) {
      throw new InternalError(
        `token stream out of step: chunk ${c.seq} starts at ${c.index}, expected ${index}`,
      );
    }
    index += c.tokens.length;
    chunks++;
    for (const t of c.tokens) tokens.push(t);
    // Per token, 1 when it came from an accepted draft (0 when the drafter sent no sources).
    for (let i = 0; i < c.tokens.length; i++) sources.push(c.sources?.[i] ?? 0);
    text += c.text;
  }
  return { tokens, text, chunks, sources };
}
