/**
 * The drafter role: accepts sessions from schedulers (`session.start`), owns each session's
 * orchestration, and stops a session on `session.cancel`. Reports its free session slots in
 * heartbeats so schedulers route by them.
 */
import type { LanguageModel } from '@specmesh/models';
import { Actor, type ActorOptions, MembershipView } from '@specmesh/runtime';
import { SessionHost } from './session-host.js';

export interface DrafterOptions extends Omit<ActorOptions, 'role'> {
  /** The draft model. */
  model: LanguageModel;
  /** Sessions held at once. Defaults to 16. */
  maxSessions?: number;
  /** How long a verification may take before it is re-issued, ms. Defaults to 10000. */
  verifyTimeoutMs?: number;
  /**
   * Tasks carry only the context a verifier lacks (true), or always the whole prefix (false, for
   * comparison). Defaults to true.
   */
  leanContext?: boolean;
}

export class Drafter {
  readonly actor: Actor;
  private readonly view = new MembershipView({ role: 'verifier' });
  private host: SessionHost | undefined;

  private constructor(actor: Actor) {
    this.actor = actor;
  }

  static async start(options: DrafterOptions): Promise<Drafter> {
    let d: Drafter | undefined;
    const capacity = options.maxSessions ?? 16;
    const actor = await Actor.start({
      ...options,
      role: 'drafter',
      load: () => ({ inflight: d?.active ?? 0, queued: 0, capacity }),
      meta: () => ({ model: options.model.info.name }),
    });
    d = new Drafter(actor);
    const view = d.view;
    view.start(actor, 100);
    d.host = new SessionHost({
      actor,
      model: options.model,
      capacity,
      verifyTimeoutMs: options.verifyTimeoutMs ?? 10_000,
      maxTasks: (pool) => view.alive({ role: 'verifier', pool }).length,
      leanContext: options.leanContext ?? true,
    });
    await actor.flush();
    return d;
  }

  /** Sessions running now. */
  get active(): number {
    return this.host?.active ?? 0;
  }

  async drain(): Promise<void> {
    this.view.stop();
    await this.actor.drain();
  }

  async stop(): Promise<void> {
    this.host?.stop();
    this.view.stop();
    await this.actor.stop();
  }
}
