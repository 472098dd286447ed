/**
 * The drafter role: accepts sessions from schedulers (`session.start`), owns each session's
 * orchestration, and stops a session on `session.cancel`. Reports its free session slots in
 * heartbeats so schedulers route by them.
 */
import type { LanguageModel } from '@specmesh/models';
import { type BodyOf, DrainingError, OverloadedError } from '@specmesh/protocol';
import { Actor, type ActorOptions, MembershipView } from '@specmesh/runtime';
import { DraftSession } from './session.js';

export interface DrafterOptions extends Omit<ActorOptions, 'role'> {
  /** The draft model. */
  model: LanguageModel;
  /** Sessions held at once. Defaults to 16. */
  maxSessions?: number;
  /** How long a verification may take before it is re-issued, ms. Defaults to 10000. */
  verifyTimeoutMs?: number;
}

export class Drafter {
  readonly actor: Actor;
  private readonly sessions = new Map<string, DraftSession>();
  private readonly view = new MembershipView({ role: 'verifier' });
  private readonly options: DrafterOptions;

  private constructor(actor: Actor, options: DrafterOptions) {
    this.actor = actor;
    this.options = options;
  }

  static async start(options: DrafterOptions): Promise<Drafter> {
    let d: Drafter | undefined;
    const capacity = options.maxSessions ?? 16;
    const actor = await Actor.start({
      ...options,
      role: 'drafter',
      load: () => ({ inflight: d?.sessions.size ?? 0, queued: 0, capacity }),
      meta: () => ({ model: options.model.info.name }),
    });
    d = new Drafter(actor, options);
    d.view.start(actor, 100);
    actor.handle(actor.subjects.session(actor.id), ['session.start', 'session.cancel'], (msg) => {
      if (msg.kind === 'session.cancel') {
        d.sessions.get((msg.body as BodyOf<'session.cancel'>).sessionId)?.cancel();
        return undefined;
      }
      return d.startSession(msg.body as BodyOf<'session.start'>, capacity);
    });
    await actor.flush();
    return d;
  }

  /** Sessions running now. */
  get active(): number {
    return this.sessions.size;
  }

  private startSession(start: BodyOf<'session.start'>, capacity: number) {
    if (this.actor.status !== 'running') throw new DrainingError(`drafter ${this.actor.id} is draining`);
    if (this.sessions.size >= capacity) {
      throw new OverloadedError(`drafter ${this.actor.id} holds ${this.sessions.size} sessions`, {
        context: { capacity },
      });
    }
    const session = new DraftSession({
      actor: this.actor,
      model: this.options.model,
      start,
      maxTasks: this.view.alive({ role: 'verifier', pool: start.pool }).length,
      verifyTimeoutMs: this.options.verifyTimeoutMs ?? 10_000,
      onEnd: (id) => this.sessions.delete(id),
    });
    this.sessions.set(start.sessionId, session);
    // Reply first, then start, so the session's first tokens never race its acceptance.
    setImmediate(() => session.begin());
    return {
      kind: 'session.ok' as const,
      body: { sessionId: start.sessionId, drafterId: this.actor.id },
    };
  }

  async drain(): Promise<void> {
    this.view.stop();
    await this.actor.drain();
  }

  async stop(): Promise<void> {
    for (const s of this.sessions.values()) s.cancel();
    this.view.stop();
    await this.actor.stop();
  }
}
