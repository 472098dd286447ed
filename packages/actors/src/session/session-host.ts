/**
 * Serves an instance's session subject (`session.<id>`): starts sessions the scheduler places here,
 * stops them on `session.cancel`, and answers `session.probe` so a client whose token stream went
 * quiet learns whether the session still runs. Drafters host speculative sessions; verifiers host
 * target-only ones while no drafter can serve.
 */
import type { AwcWeights } from '@specmesh/core';
import type { LanguageModel } from '@specmesh/models';
import {
  type BodyOf,
  DrainingError,
  type HandoverTarget,
  OverloadedError,
  UnknownSessionError,
} from '@specmesh/protocol';
import type { Actor, Member } from '@specmesh/runtime';
import { checkSessionStart } from './check-session-start.js';
import { PredraftMetrics } from './predraft-metrics.js';
import { DraftSession, type LocalVerify, type SessionOptions } from './session.js';
import type { HostSurroundings } from './window-measures.js';

/** Ended session ids remembered: enough for replays within minutes at thousands of sessions a minute. */
const MAX_ENDED_REMEMBERED = 10_000;

export interface SessionHostOptions {
  readonly actor: Actor;
  readonly model: LanguageModel;
  /** Sessions held at once. */
  readonly capacity: number;
  readonly verifyTimeoutMs: number;
  /** Verification tasks a DSI session may keep in flight (live verifiers of its pool). */
  readonly maxTasks: (pool: string) => number;
  /** Sessions decode without drafts (see {@link SessionOptions.targetOnly}). */
  readonly targetOnly?: boolean;
  /** Asked after each step of a session (see {@link SessionOptions.shouldHandOver}). */
  readonly shouldHandOver?: (
    start: BodyOf<'session.start'>,
    awcWish: HandoverTarget | undefined,
  ) => HandoverTarget | undefined;
  /** See {@link SessionOptions.surroundings}. */
  readonly surroundings?: HostSurroundings;
  /** See {@link SessionOptions.awcWeights}. */
  readonly awcWeights?: AwcWeights;
  /** See {@link SessionOptions.verifyHere}. */
  readonly verifyHere?: LocalVerify;
  /** See {@link SessionOptions.leanContext}. Defaults to true. */
  readonly leanContext?: boolean;
  /** See {@link SessionOptions.directVerifiers}. */
  readonly directVerifiers?: (pool: string) => readonly Member[];
  /** See {@link SessionOptions.batcherAlive}. */
  readonly batcherAlive?: (pool: string) => boolean;
  /** See {@link SessionOptions.predraftLenders}. */
  readonly predraftLenders?: () => readonly Member[];
  /** See {@link SessionOptions.predraftRequests}. */
  readonly predraftRequests?: number;
}

export class SessionHost {
  private readonly sessions = new Map<string, DraftSession>();
  /** Ids of the last sessions that ended here, oldest first (a replayed start must not rerun one). */
  private readonly ended = new Set<string>();
  private readonly o: SessionHostOptions;
  private readonly unsubscribe: () => void;
  /** Pre-drafting figures of the sessions that ended here (when lenders are looked for). */
  readonly predraft: PredraftMetrics | undefined;

  constructor(o: SessionHostOptions) {
    this.o = o;
    this.predraft = o.predraftLenders ? new PredraftMetrics(o.actor.metrics.registry) : undefined;
    const { actor } = o;
    this.unsubscribe = actor.handle(
      actor.subjects.session(actor.id),
      ['session.start', 'session.cancel', 'session.probe'],
      (msg, ctx) => {
        switch (msg.kind) {
          case 'session.cancel':
            this.sessions.get((msg.body as BodyOf<'session.cancel'>).sessionId)?.cancel();
            return undefined;
          case 'session.probe':
            return this.probe((msg.body as BodyOf<'session.probe'>).sessionId);
          default:
            return this.start(msg.body as BodyOf<'session.start'>, ctx.traceId);
        }
      },
    );
  }

  /** Sessions running now. */
  get active(): number {
    return this.sessions.size;
  }

  /** Sessions it could still take. */
  get free(): number {
    return Math.max(0, this.o.capacity - this.sessions.size);
  }

  private probe(sessionId: string) {
    if (!this.sessions.has(sessionId)) {
      throw new UnknownSessionError(`${this.o.actor.id} runs no session ${sessionId}`, {
        context: { sessionId },
      });
    }
    return { kind: 'session.ok' as const, body: { sessionId, drafterId: this.o.actor.id } };
  }

  private start(start: BodyOf<'session.start'>, traceId: string | undefined) {
    const { actor, capacity } = this.o;
    // A start for a session this host runs or ran is a repeat (a retried or replayed request): a
    // second session of the same id would share its task ids and token subject and stream every
    // token twice. Answer as the first time and start nothing.
    if (this.sessions.has(start.sessionId) || this.ended.has(start.sessionId)) {
      return { kind: 'session.ok' as const, body: { sessionId: start.sessionId, drafterId: actor.id } };
    }
    if (actor.status !== 'running') throw new DrainingError(`${actor.id} is draining`);
    if (this.sessions.size >= capacity) {
      throw new OverloadedError(`${actor.id} holds ${this.sessions.size} sessions`, {
        context: { capacity },
      });
    }
    checkSessionStart(start, this.o.model.info.vocabSize);
    const session = new DraftSession({
      actor,
      model: this.o.model,
      start,
      maxTasks: this.o.maxTasks(start.pool),
      verifyTimeoutMs: this.o.verifyTimeoutMs,
      onEnd: (id) => {
        this.sessions.delete(id);
        this.ended.add(id);
        if (this.ended.size > MAX_ENDED_REMEMBERED) this.ended.delete(this.ended.values().next().value!);
      },
      ...(this.o.targetOnly ? { targetOnly: true } : {}),
      ...(this.o.shouldHandOver
        ? { shouldHandOver: (wish: HandoverTarget | undefined) => this.o.shouldHandOver!(start, wish) }
        : {}),
      ...(this.o.surroundings ? { surroundings: this.o.surroundings } : {}),
      ...(this.o.awcWeights ? { awcWeights: this.o.awcWeights } : {}),
      ...(this.o.verifyHere ? { verifyHere: this.o.verifyHere } : {}),
      ...(this.o.leanContext === false ? { leanContext: false } : {}),
      ...(this.o.directVerifiers ? { directVerifiers: this.o.directVerifiers } : {}),
      ...(this.o.batcherAlive ? { batcherAlive: this.o.batcherAlive } : {}),
      ...(this.o.predraftLenders
        ? {
            predraftLenders: this.o.predraftLenders,
            predraftMetrics: this.predraft!,
            ...(this.o.predraftRequests !== undefined ? { predraftRequests: this.o.predraftRequests } : {}),
          }
        : {}),
      ...(traceId ? { traceId } : {}),
    });
    this.sessions.set(start.sessionId, session);
    // Reply first, then start, so the session's first tokens never race its acceptance.
    setImmediate(() => session.begin());
    return {
      kind: 'session.ok' as const,
      body: { sessionId: start.sessionId, drafterId: actor.id },
    };
  }

  /**
   * A batcher or a verifier of `pool` joined or came back from a restart: tasks of the pool's sessions
   * sent while none was there, or sent to it before it died, were lost (NATS keeps nothing for a
   * subject nobody listens on), so the sessions re-issue the ones that are overdue now instead of
   * waiting out their backed-off timeouts (up to the 10 s ceiling after a few losses in a row).
   */
  poolMemberBack(pool: string): void {
    for (const s of this.sessions.values()) if (s.pool === pool) s.reissueOverdue();
  }

  /** Cancels every session (the instance stops) and stops serving the subject. */
  stop(): void {
    for (const s of this.sessions.values()) s.cancel();
    this.unsubscribe();
  }
}
