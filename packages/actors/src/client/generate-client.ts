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
 *
 * Admission rides out a scheduler that is briefly gone (see submit-retry.ts): an unreachable one (no
 * responders, this client's connection down) is retried with back-off for several seconds, a silent
 * one (dead or paused while holding the submit) after a short first timeout, and a submit in flight
 * when the connection comes back is sent again at once. A repeat after silence names a scheduler
 * heard from lately instead of going to the queue group, where a paused one keeps its place
 * (scheduler-choice.ts). A repeated submit is one request to a scheduler; a second session another
 * scheduler may start for it is cancelled at its first chunk.
 * A client that gives up (its signal, the stream's idle timeout or error, a reader that stops
 * reading) cancels its session, so the host frees its slot at once.
 */
import { performance } from 'node:perf_hooks';
import {
  asSpecmeshError,
  CancelledError,
  ConnectionError,
  DeadlineError,
  ErrorCode,
  fromWireError,
  type HandoverTarget,
  hostOfSubject,
  InternalError,
  type SpecmeshError,
  type SpeculationTrace,
  type Submit,
  type SubmitAccepted,
  type TokenChunk,
} from '@specmesh/protocol';
import type { Actor } from '@specmesh/runtime';
import { AnswerTimeout } from '../timeouts/answer-timeout.js';
import { type LiveScheduler, SchedulerSightings } from './scheduler-choice.js';
import { DEFAULT_SUBMIT_RETRY, type SubmitFailure, SubmitRetry } from './submit-retry.js';
import { TokenReorderer } from './token-reorderer.js';
import { OutputVerifier, type VerifiedOutputOptions } from './verified-output.js';

export interface GenerateOptions {
  /** Longest silence between two chunks before the stream fails with `E_DEADLINE`, ms. Defaults to 30000. */
  idleTimeoutMs?: number;
  /**
   * Longest the admission may go unanswered in all (every attempt, the scheduler's own queue wait
   * included), ms; also the longest one attempt waits. Bounded by the request's `deadlineAt`.
   * Defaults to 30000.
   */
  submitTimeoutMs?: number;
  /**
   * Timeout of the first `submit` attempt, ms, at most: a scheduler that died or paused holding it costs
   * this much before the submit goes out again; each silent attempt doubles it. Once this client has
   * seen schedulers answer, the first attempt waits four times their slowest recent answer, at least
   * 500 ms, within this. Defaults to 1500.
   */
  submitAttemptMs?: number;
  /**
   * How long a scheduler that cannot be reached (no responders, this client's connection down) is
   * retried, with back-off, before the request fails, ms: enough to outlast a supervised restart.
   * Defaults to 30000.
   */
  retryWindowMs?: number;
  /**
   * The schedulers alive now by the caller's membership view (the gateway's): a repeat after a silent
   * attempt names the one that beat last. Without it, the one that answered this client last.
   */
  schedulers?: () => Iterable<LiveScheduler>;
  /** Cancels the generation: the host gets `session.cancel`. */
  signal?: AbortSignal;
  /** Silence after which the client asks the host whether the session still runs, ms. Defaults to 500. */
  probeAfterMs?: number;
  /**
   * How long a probe may go unanswered before the host counts as hung, ms, at least; a host that
   * answered earlier probes slowly gets four times its slowest answer. Defaults to 1000.
   */
  probeTimeoutMs?: number;
  /** Times a request may move to another host before it fails. Defaults to 8. */
  maxMoves?: number;
  /** Told each time the request moves (logs, metrics, tests). */
  onMove?: (move: RequestMove) => void;
  /** Told after each `submit` attempt, answered or not (chaos soaks attribute stalls with it). */
  onSubmitAttempt?: (attempt: SubmitAttempt) => void;
  /** Trace id (W3C, 32 hex digits) every message of the request carries, on every hop. */
  traceId?: string;
  /** Check every chunk's tokens against the verifiers' signatures (verified-output.ts); unchecked when absent. */
  verifiedOutput?: VerifiedOutputOptions;
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

/** One `submit` attempt and how it ended. */
export interface SubmitAttempt {
  readonly requestId: string;
  /** How long the attempt would wait for an answer, ms. */
  readonly timeoutMs: number;
  /** How long it took, ms. */
  readonly tookMs: number;
  /** The scheduler it was sent to by name; absent: the queue group. */
  readonly scheduler?: string;
  /**
   * `accepted`; `silent`: no answer in time; `unreachable`: no scheduler there or this client's
   * connection down; `reconnected`: the connection came back meanwhile (sent again at once);
   * `refused`: a verdict (overloaded, no capacity, …), or any failure of a resume that is retried.
   */
  readonly outcome: 'accepted' | 'silent' | 'unreachable' | 'reconnected' | 'refused';
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

/** Floor of a submit attempt's timeout once schedulers' answers are measured, ms. */
const MIN_SUBMIT_ATTEMPT_MS = 500;

/** Each client actor's measured admission answers, per configured attempt timeout (its ceiling). */
const submitAnswers = new WeakMap<Actor, Map<number, AnswerTimeout>>();

/** The schedulers each client actor heard from (see scheduler-choice.ts). */
const sightings = new WeakMap<Actor, SchedulerSightings>();

function sightingsOf(actor: Actor): SchedulerSightings {
  let s = sightings.get(actor);
  if (!s) {
    s = new SchedulerSightings();
    sightings.set(actor, s);
  }
  return s;
}

/** The submit attempt timeout of `actor` for a configured one of `attemptMs` (see answer-timeout.ts). */
function submitTimeoutOf(actor: Actor, attemptMs: number): AnswerTimeout {
  let byAttempt = submitAnswers.get(actor);
  if (!byAttempt) {
    byAttempt = new Map();
    submitAnswers.set(actor, byAttempt);
  }
  let t = byAttempt.get(attemptMs);
  if (!t) {
    t = new AnswerTimeout({
      floorMs: Math.min(MIN_SUBMIT_ATTEMPT_MS, attemptMs),
      initialMs: attemptMs,
      ceilingMs: attemptMs,
    });
    byAttempt.set(attemptMs, t);
  }
  return t;
}

/** What a caller asks for: a `submit` without `client`, which is always the calling actor. */
export type GenerationRequest = Omit<Submit, 'client'>;

/**
 * Subscribes to the request's token subject first (so no chunk can be missed), then submits.
 * @throws the scheduler's typed error (`E_OVERLOADED`, `E_NO_CAPACITY`, `E_DEADLINE`, …)
 */
export async function generate(
  actor: Actor,
  request: GenerationRequest,
  options: GenerateOptions = {},
): Promise<Generation> {
  // The stream comes back on `tokens.<client>.<host>.<requestId>`, which only this actor's user reads.
  const submit: Submit = { ...request, client: actor.id };
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const probeAfterMs = options.probeAfterMs ?? 500;
  // Longer for a host whose earlier probes were answered slowly (a loaded machine), never below this.
  const probeTimeout = new AnswerTimeout({ floorMs: options.probeTimeoutMs ?? 1000 });
  const maxMoves = options.maxMoves ?? 8;
  const trace = options.traceId ? { traceId: options.traceId } : {};
  const reorder = new TokenReorderer();
  const checker = options.verifiedOutput
    ? new OutputVerifier(submit.requestId, options.verifiedOutput)
    : undefined;
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
  /** Chunks are held, and sessions cancelled, per host (the one their subject names) and session. */
  const heldKey = (host: string, sessionId: string | undefined) => `${host}/${sessionId ?? ''}`;
  const cancelled = new Set<string>();
  /** Asks `host` to stop session `sessionId` (once per session; best effort). */
  const cancelSession = (host: string, sessionId: string, reason: string) => {
    const key = heldKey(host, sessionId);
    if (cancelled.has(key)) return;
    cancelled.add(key);
    try {
      actor.publish(actor.subjects.session(host), 'session.cancel', { sessionId, reason }, trace);
    } catch {
      // connection gone: the host's deadline ends the session
    }
  };
  /**
   * A session that streams for this request but is not the one kept: a second start of a repeated
   * submit (another scheduler took it too), or one whose admission the client gave up on. Stopped at
   * once, so it does not hold a slot until its deadline.
   */
  const stray = (host: string, sessionId: string | undefined) => {
    if (sessionId !== undefined) cancelSession(host, sessionId, "not the request's session");
  };
  const take = (c: TokenChunk) => {
    for (const r of reorder.push(c)) ready.push(r);
    notify();
  };
  // The subject names the publishing host, and NATS lets only that host publish on it: a chunk counts
  // only when it comes from the host the scheduler placed the session on.
  const unsubscribe = actor.handle(
    actor.subjects.tokensOf(actor.id, submit.requestId),
    'tokens',
    (msg, ctx) => {
      const c = msg.body;
      const host = hostOfSubject(actor.subjects, ctx.subject);
      if (current === undefined) {
        const key = heldKey(host, c.sessionId);
        const list = held.get(key);
        if (list) list.push(c);
        else held.set(key, [c]);
      } else if (host !== current.drafterId) {
        // Another host's chunk for this request: a session started twice, or a forgery. Never shown.
        if (!c.done && !c.handover) stray(host, c.sessionId);
      } else if (c.sessionId === undefined || c.sessionId === current.sessionId) {
        take(c);
      } else if (!c.done && !c.handover) {
        stray(host, c.sessionId);
      }
      return undefined;
    },
  );
  const adopt = (a: SubmitAccepted) => {
    current = a;
    const mine = heldKey(a.drafterId, a.sessionId);
    const sessionless = heldKey(a.drafterId, undefined);
    for (const c of [...(held.get(mine) ?? []), ...(held.get(sessionless) ?? [])]) take(c);
    for (const [key, list] of held) {
      if (key !== mine && !list.some((c) => c.done || c.handover)) {
        stray(key.slice(0, key.indexOf('/')), list[0]?.sessionId);
      }
    }
    held.clear();
  };

  /**
   * One `submit` attempt, to the queue group or to scheduler `to` by name. It ends early when the
   * connection comes back (the submit may have been lost with the old one: sent again at once) or the
   * caller aborts. A reply that comes after the caller aborted names a session nobody reads: it is
   * cancelled.
   */
  const submitTimeout = submitTimeoutOf(actor, options.submitAttemptMs ?? DEFAULT_SUBMIT_RETRY.attemptMs);
  const seen = sightingsOf(actor);
  const attempt = (body: Submit, timeoutMs: number, to: string | undefined) =>
    new Promise<SubmitAccepted>((resolve, reject) => {
      const sent = performance.now();
      let settled = false;
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        offConnection();
        options.signal?.removeEventListener('abort', onAbort);
        settle();
      };
      const onAbort = () =>
        finish(() => reject(new CancelledError(`generation ${submit.requestId} cancelled while admitted`)));
      const offConnection = actor.onConnection((event) => {
        if (event !== 'reconnect') return;
        finish(() =>
          reject(
            new ConnectionError(`connection came back while submitting ${submit.requestId}`, {
              context: { requestId: submit.requestId, reconnected: true },
            }),
          ),
        );
      });
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const subject = to === undefined ? actor.subjects.submit() : actor.subjects.submitTo(to);
      actor.request(subject, 'submit', body, { expect: 'submit.ok', timeoutMs, ...trace }).then(
        (reply) => {
          submitTimeout.answered(performance.now() - sent);
          seen.answered(reply.from);
          if (settled && options.signal?.aborted) {
            cancelSession(reply.body.drafterId, reply.body.sessionId, 'client cancelled');
          }
          finish(() => resolve(reply.body));
        },
        (err: unknown) => finish(() => reject(err)),
      );
    });

  /**
   * Which kind of failure `e` is for the retry rule (submit-retry.ts), or undefined for a verdict
   * the caller should see. A first submit fails fast on a verdict (overloaded, no capacity); only an
   * unreachable or silent scheduler (dead, hung: our own timeout ran out, as opposed to its reply
   * saying the request waited too long) is retried. A resume retries anything transient: the request
   * was already admitted once and the user is mid-stream.
   */
  const failureOf = (e: SpecmeshError, retryAll: boolean): SubmitFailure | 'reconnected' | undefined => {
    // This client itself is closing: nothing to wait for.
    if (actor.status === 'closed') return undefined;
    if (e.code === ErrorCode.Connection && e.context['reconnected'] === true) return 'reconnected';
    if (e.code === ErrorCode.Deadline && e.context['timeoutMs'] !== undefined) return 'silent';
    if (e.code === ErrorCode.NoResponders || e.code === ErrorCode.Connection) return 'unreachable';
    return retryAll && e.retryable ? 'unreachable' : undefined;
  };

  const admit = async (body: Submit, retryAll: boolean): Promise<SubmitAccepted> => {
    const retry = new SubmitRetry({
      ...DEFAULT_SUBMIT_RETRY,
      ...(options.submitTimeoutMs !== undefined
        ? { silentWindowMs: options.submitTimeoutMs, maxAttemptMs: options.submitTimeoutMs }
        : {}),
      // The first attempt: the configured one until schedulers' answers are measured, then a few of them.
      attemptMs: submitTimeout.ms,
      ...(options.retryWindowMs !== undefined ? { unreachableWindowMs: options.retryWindowMs } : {}),
      ...(submit.deadlineAt !== undefined ? { deadlineAt: submit.deadlineAt } : {}),
    });
    /** Where the next attempt goes: the queue group (undefined) or a scheduler by name. */
    let to: string | undefined;
    /** Schedulers named for this admission that did not answer: never named again for it. */
    const named = new Set<string>();
    for (;;) {
      if (options.signal?.aborted) throw new CancelledError(`generation ${submit.requestId} cancelled`);
      const timeoutMs = retry.attemptTimeoutMs();
      const sent = performance.now();
      const told = (outcome: SubmitAttempt['outcome']) =>
        options.onSubmitAttempt?.({
          requestId: body.requestId,
          timeoutMs,
          tookMs: performance.now() - sent,
          ...(to !== undefined ? { scheduler: to } : {}),
          outcome,
        });
      try {
        const accepted = await attempt(body, timeoutMs, to);
        told('accepted');
        return accepted;
      } catch (err) {
        const e = asSpecmeshError(err);
        const kind = failureOf(e, retryAll);
        told(kind ?? 'refused');
        if (kind === undefined || options.signal?.aborted) throw e;
        if (kind === 'reconnected') continue;
        if (to !== undefined && e.code === ErrorCode.NoResponders) {
          // That scheduler is gone (or predates named submits), not every scheduler: another at once.
          named.add(to);
          to = seen.pick(named, options.schedulers?.());
          continue;
        }
        if (kind === 'silent') {
          if (to !== undefined) named.add(to);
          to = seen.pick(named, options.schedulers?.());
        }
        const delayMs = retry.afterFailure(kind);
        if (delayMs === undefined) throw e;
        if (delayMs > 0) await pause(delayMs, actor, options.signal);
      }
    }
  };

  let first: SubmitAccepted;
  try {
    // The token subscription reaches the server before the submit. With the connection down it is
    // sent first on reconnecting, ahead of the submit, so admission goes on.
    await actor.flush().catch((err: unknown) => {
      if (asSpecmeshError(err).code !== ErrorCode.Connection || actor.status === 'closed') throw err;
    });
    first = await admit(submit, false);
    adopt(first);
  } catch (err) {
    unsubscribe();
    throw err;
  }

  const cancel = () => {
    failure = new CancelledError(`generation ${submit.requestId} cancelled`);
    if (current) cancelSession(current.drafterId, current.sessionId, 'client cancelled');
    notify();
  };
  options.signal?.addEventListener('abort', cancel, { once: true });

  /** Asks the host whether it still runs the session; returns why it should move, or undefined. */
  const probe = async (host: SubmitAccepted): Promise<RequestMove['reason'] | undefined> => {
    try {
      const sent = performance.now();
      await actor.request(
        actor.subjects.session(host.drafterId),
        'session.probe',
        { sessionId: host.sessionId },
        { expect: 'session.ok', timeoutMs: probeTimeout.ms, ...trace },
      );
      probeTimeout.answered(performance.now() - sent);
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
    probeTimeout.reset();
    // Chunks held behind a gap belong to the old session's numbering.
    reorder.dropHeld();
    if (reason === 'hung' || reason === 'gap') {
      // If it wakes up it should stop, not keep a target busy.
      cancelSession(old.drafterId, old.sessionId, 'client moved the request');
    }
    const { pool: _pool, ...rest } = submit;
    const next = await admit(
      {
        ...rest,
        ...(submit.pool ? { pool: submit.pool } : {}),
        resume: { committed: Uint32Array.from(committed), nextSeq: reorder.expected, move: moves },
        ...(reason === 'handover' || reason === 'gap' ? {} : { avoid: [old.drafterId] }),
        ...(prefer ? { prefer } : {}),
      },
      true,
    );
    if (cancelled.has(heldKey(next.drafterId, next.sessionId))) {
      // A session this client stopped (an older scheduler's answer for an earlier move that resumed
      // from the same point): adopting it would end the request on its final chunk. Move on from it.
      current = next;
      await move('lost', lastError);
      return;
    }
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
          // Tokens no target verified stop here, before the caller or a resume sees them.
          const shown = checker ? await checker.check(c, current?.drafterId) : c;
          for (const t of shown.tokens) committed.push(t);
          yield shown;
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
      // Given up before the end (idle timeout, an error, too many moves, a reader that stopped
      // reading): the host frees the session's slot now, not at its deadline.
      if (!finished && current) cancelSession(current.drafterId, current.sessionId, 'client gave up');
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

/**
 * Collects a whole generation: token ids, text, the chunk count, where each token came from, and the
 * speculation trace its last chunk carries.
 */
export async function collect(
  gen: Pick<Generation, 'chunks'>,
): Promise<{ tokens: number[]; text: string; chunks: number; sources: number[]; trace?: SpeculationTrace }> {
  const tokens: number[] = [];
  const sources: number[] = [];
  let text = '';
  let chunks = 0;
  let index = 0;
  let trace: SpeculationTrace | undefined;
  for await (const c of gen.chunks) {
    if (c.trace) trace = c.trace;
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
  return { tokens, text, chunks, sources, ...(trace ? { trace } : {}) };
}

/** Waits `ms`, or less: until the connection comes back (worth a try at once) or `signal` aborts. */
function pause(ms: number, actor: Actor, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      off();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const off = actor.onConnection((event) => {
      if (event === 'reconnect') done();
    });
    signal?.addEventListener('abort', done, { once: true });
  });
}
