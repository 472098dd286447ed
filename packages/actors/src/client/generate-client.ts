/**
 * Client side of a generation: submit to the scheduler, then stream the committed tokens in order.
 * Used by `specmesh generate`, the gateway and the end-to-end tests.
 *
 * The client is also what keeps a request alive when its host fails. It holds exactly the output the
 * user has seen, so it is the one place a request can resume from without a gap or a repeat, and it
 * needs no store written on every commit. When the stream goes quiet it probes the host
 * (`session.probe`): a dead host leaves NATS to answer "no responders" at once, a hung one lets the
 * probe time out, and a host that lost the session says `E_UNKNOWN_SESSION`. In each case the client
 * resubmits with `resume` (its committed output and next chunk number) and `avoid` (the failed host);
 * the scheduler places the rest on another drafter, or target-only on a verifier when no drafter is
 * alive. A host that hands a request back (`handover`) is followed the same way. Chunks of any
 * session but the current one are dropped, so a hung host that wakes up cannot interleave its output.
 */
import {
  asSpecmeshError,
  type BodyOf,
  CancelledError,
  DeadlineError,
  ErrorCode,
  fromWireError,
  type HandoverTarget,
  InternalError,
  type SpecmeshError,
  type Submit,
  type SubmitAccepted,
  type TokenChunk,
} from '@specmesh/protocol';
import type { Actor } from '@specmesh/runtime';
import { TokenReorderer } from './token-reorderer.js';

export interface GenerateOptions {
  /** Longest silence between two chunks before the stream fails with `E_DEADLINE`, ms. Defaults to 30000. */
  idleTimeoutMs?: number;
  /** Deadline of one `submit` attempt, ms. Defaults to 30000. */
  submitTimeoutMs?: number;
  /** Cancels the generation: the host gets `session.cancel`. */
  signal?: AbortSignal;
  /** Silence after which the client asks the host whether the session still runs, ms. Defaults to 500. */
  probeAfterMs?: number;
  /** How long a probe may go unanswered before the host counts as hung, ms. Defaults to 1000. */
  probeTimeoutMs?: number;
  /** Times a request may move to another host before it fails. Defaults to 8. */
  maxMoves?: number;
  /** Told each time the request moves (logs, metrics, tests). */
  onMove?: (move: RequestMove) => void;
  /** Trace id (W3C, 32 hex digits) every message of the request carries, on every hop. */
  traceId?: string;
}

/** Why and where a request moved. */
export interface RequestMove {
  readonly requestId: string;
  /**
   * `dead`: no responders; `hung`: probe timed out; `lost`: host no longer runs it; `gap`: chunks
   * were lost on the way (this client's connection failed over) and cannot be sent again;
   * `handover`: the host gave it back.
   */
  readonly reason: 'dead' | 'hung' | 'lost' | 'gap' | 'handover';
  readonly fromHost: string;
  readonly toHost: string;
  /** Output tokens committed when it moved. */
  readonly committed: number;
  /** From the decision to move until the new host accepted, ms. */
  readonly tookMs: number;
}

/** A running generation: its admission facts and its ordered chunks. */
export interface Generation {
  /** The first admission (a request that moves gets new sessions; see {@link Generation.moves}). */
  readonly accepted: SubmitAccepted;
  /** Ordered chunks; ends after the chunk with `done: true`; throws the stream's typed error. */
  readonly chunks: AsyncIterable<TokenChunk>;
  /** Times the request moved to another host so far. */
  readonly moves: number;
}

/** Submit attempts while the scheduler is briefly unreachable (restarting, a NATS node failing over). */
const SUBMIT_ATTEMPTS = 6;

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
  const probeAfterMs = options.probeAfterMs ?? 500;
  const probeTimeoutMs = options.probeTimeoutMs ?? 1000;
  const maxMoves = options.maxMoves ?? 8;
  const trace = options.traceId ? { traceId: options.traceId } : {};
  const reorder = new TokenReorderer();
  const ready: TokenChunk[] = [];
  const committed: number[] = [];
  let failure: Error | undefined;
  let finished = false;
  let moves = 0;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  // Chunks that arrive while a (re)submit is in flight are held by session until its reply names the
  // session to keep: the new host may publish before that reply is processed.
  let current: SubmitAccepted | undefined;
  const held = new Map<string, TokenChunk[]>();
  const take = (c: TokenChunk) => {
    for (const r of reorder.push(c)) ready.push(r);
    notify();
  };
  const unsubscribe = actor.handle(actor.subjects.tokens(submit.requestId), 'tokens', (msg) => {
    const c = msg.body;
    if (current === undefined) {
      const key = c.sessionId ?? '';
      const list = held.get(key);
      if (list) list.push(c);
      else held.set(key, [c]);
    } else if (c.sessionId === undefined || c.sessionId === current.sessionId) {
      take(c);
    }
    return undefined;
  });
  const adopt = (a: SubmitAccepted) => {
    current = a;
    for (const c of [...(held.get(a.sessionId) ?? []), ...(held.get('') ?? [])]) take(c);
    held.clear();
  };

  const admit = async (body: Submit, retryAll: boolean): Promise<SubmitAccepted> => {
    let backoffMs = 50;
    const timeoutMs = options.submitTimeoutMs ?? 30_000;
    for (let attempt = 1; ; attempt++) {
      try {
        const reply = await actor.request(actor.subjects.submit(), 'submit', body, {
          expect: 'submit.ok',
          timeoutMs,
          ...(options.signal ? { signal: options.signal } : {}),
          ...trace,
        });
        return reply.body;
      } catch (err) {
        const e = asSpecmeshError(err);
        // A first submit fails fast on a verdict (overloaded, no capacity) the caller should see; only
        // an unreachable or silent scheduler (dead, hung: our own timeout ran out, as opposed to its
        // reply saying the request waited too long) is retried, and a scheduler that gets the request
        // twice keeps only the newer wait. A resume retries anything transient: the request was
        // already admitted once and the user is mid-stream.
        const silent = e.code === ErrorCode.Deadline && e.context['timeoutMs'] !== undefined;
        const transient = retryAll
          ? e.retryable
          : e.code === ErrorCode.NoResponders || e.code === ErrorCode.Connection || silent;
        if (!transient || attempt >= SUBMIT_ATTEMPTS || options.signal?.aborted) throw e;
        await new Promise((r) => setTimeout(r, backoffMs * (0.5 + Math.random())));
        backoffMs = Math.min(backoffMs * 2, 1000);
      }
    }
  };

  let first: SubmitAccepted;
  try {
    await actor.flush();
    first = await admit(submit, false);
    adopt(first);
  } catch (err) {
    unsubscribe();
    throw err;
  }

  const cancel = () => {
    failure = new CancelledError(`generation ${submit.requestId} cancelled`);
    if (current) {
      const body: BodyOf<'session.cancel'> = { sessionId: current.sessionId, reason: 'client cancelled' };
      try {
        actor.publish(actor.subjects.session(current.drafterId), 'session.cancel', body, trace);
      } catch {
        // connection gone: the host's deadline ends the session
      }
    }
    notify();
  };
  options.signal?.addEventListener('abort', cancel, { once: true });

  /** Asks the host whether it still runs the session; returns why it should move, or undefined. */
  const probe = async (host: SubmitAccepted): Promise<RequestMove['reason'] | undefined> => {
    try {
      await actor.request(
        actor.subjects.session(host.drafterId),
        'session.probe',
        { sessionId: host.sessionId },
        { expect: 'session.ok', timeoutMs: probeTimeoutMs, ...trace },
      );
      return undefined;
    } catch (err) {
      const e = asSpecmeshError(err);
      if (e.code === ErrorCode.NoResponders) return 'dead';
      if (e.code === ErrorCode.UnknownSession) return 'lost';
      if (e.code === ErrorCode.Deadline) return 'hung';
      return undefined; // our own connection trouble: not the host's fault
    }
  };

  /** Resubmits the rest of the request from the committed output; the old session is abandoned. */
  const move = async (reason: RequestMove['reason'], lastError?: SpecmeshError, prefer?: HandoverTarget) => {
    const old = current!;
    if (++moves > maxMoves) {
      throw (
        lastError ??
        new DeadlineError(`request ${submit.requestId} moved ${maxMoves} times without finishing`, {
          context: { requestId: submit.requestId },
        })
      );
    }
    const began = Date.now();
    current = undefined;
    // Chunks held behind a gap belong to the old session's numbering.
    reorder.dropHeld();
    if (reason === 'hung' || reason === 'gap') {
      // If it wakes up it should stop, not keep a target busy.
      try {
        actor.publish(
          actor.subjects.session(old.drafterId),
          'session.cancel',
          { sessionId: old.sessionId, reason: 'client moved the request' },
          trace,
        );
      } catch {
        // best effort
      }
    }
    const { pool: _pool, ...rest } = submit;
    const next = await admit(
      {
        ...rest,
        ...(submit.pool ? { pool: submit.pool } : {}),
        resume: { committed: Uint32Array.from(committed), nextSeq: reorder.expected },
        ...(reason === 'handover' || reason === 'gap' ? {} : { avoid: [old.drafterId] }),
        ...(prefer ? { prefer } : {}),
      },
      true,
    );
    adopt(next);
    options.onMove?.({
      requestId: submit.requestId,
      reason,
      fromHost: old.drafterId,
      toHost: next.drafterId,
      committed: committed.length,
      tookMs: Date.now() - began,
    });
  };

  async function* chunks(): AsyncGenerator<TokenChunk> {
    // Progress is a chunk released in order; chunks held behind a gap are not progress.
    let lastChunkAt = Date.now();
    let lastProbeAt = 0;
    try {
      while (!finished) {
        while (ready.length > 0) {
          const c = ready.shift()!;
          lastChunkAt = Date.now();
          if (c.error) throw fromWireError(c.error);
          if (c.handover) {
            await move('handover', undefined, c.handoverTo);
            continue;
          }
          for (const t of c.tokens) committed.push(t);
          yield c;
          if (c.done) {
            finished = true;
            return;
          }
        }
        if (failure) throw failure;
        const now = Date.now();
        const quietFor = now - lastChunkAt;
        if (quietFor >= idleTimeoutMs) {
          throw new DeadlineError(
            `no tokens for request ${submit.requestId} within ${idleTimeoutMs} ms (waiting for chunk ${reorder.expected})`,
            { context: { requestId: submit.requestId, expectedSeq: reorder.expected } },
          );
        }
        if (current && quietFor >= probeAfterMs) {
          const host = current;
          if (reorder.waiting > 0) {
            // Later chunks came, an earlier one never will (NATS does not redeliver).
            await move('gap');
            lastChunkAt = Date.now();
            continue;
          }
          if (now - lastProbeAt >= probeAfterMs) {
            lastProbeAt = now;
            const reason = await probe(host);
            // The last chunks may have arrived while the probe was out (a host that just finished).
            if (reason && ready.length === 0 && !failure && current === host) {
              await move(reason);
              lastChunkAt = Date.now();
            }
            continue;
          }
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(probeAfterMs, idleTimeoutMs - quietFor));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      options.signal?.removeEventListener('abort', cancel);
      unsubscribe();
    }
  }
  return {
    accepted: first,
    chunks: chunks(),
    get moves() {
      return moves;
    },
  };
}

/** Collects a whole generation: token ids, text, the chunk count and where each token came from. */
export async function collect(
  gen: Pick<Generation, 'chunks'>,
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
