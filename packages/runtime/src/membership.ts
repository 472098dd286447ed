/**
 * Who is alive, with what load: a view of the cluster built from heartbeats.
 *
 * An instance joins on its first heartbeat and leaves when it has missed `missedBeats` of the interval
 * it announced itself. The expiry logic takes the clock as an argument, so it is tested without time
 * passing; {@link MembershipView.start} wires it to real heartbeats and a sweep timer.
 */
import { DeadlineError, type Heartbeat, type Role, type Subjects } from '@specmesh/protocol';
import type { Actor } from './actor.js';

/** One live instance as last heard. */
export interface Member {
  readonly id: string;
  readonly role: Heartbeat['role'];
  readonly pool: string | undefined;
  readonly heartbeat: Heartbeat;
  /** Local receive time of the last heartbeat, ms. */
  readonly lastSeen: number;
  /** Local time of the first heartbeat, ms. */
  readonly joinedAt: number;
}

export type MembershipEvent =
  | { type: 'join'; member: Member }
  | { type: 'leave'; member: Member; reason: 'expired' }
  | { type: 'restart'; member: Member };

export interface MembershipOptions {
  /** Only track this role. Defaults to every role. */
  role?: Role;
  /** Heartbeats an instance may miss before it is dropped. Defaults to 3. */
  missedBeats?: number;
  /** Clock, ms. Defaults to `Date.now`. */
  now?: () => number;
}

/**
 * True when `hb` came on its own instance's subject, `hb.<role>.<id>`: NATS lets only that instance's
 * user publish there (`specmesh creds`), so a heartbeat naming another instance is not that instance's.
 */
export function isOwnHeartbeat(
  subjects: Subjects,
  subject: string,
  hb: Pick<Heartbeat, 'role' | 'id'>,
): boolean {
  return subject === subjects.heartbeat(hb.role, hb.id);
}

/** A live membership view. */
export class MembershipView {
  private readonly members = new Map<string, Member>();
  private readonly listeners = new Set<(e: MembershipEvent) => void>();
  private readonly missedBeats: number;
  private readonly now: () => number;
  readonly role: Role | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(options: MembershipOptions = {}) {
    this.missedBeats = options.missedBeats ?? 3;
    this.now = options.now ?? Date.now;
    this.role = options.role;
  }

  /** Subscribes to heartbeats through `actor` and sweeps expired members every `sweepMs`. */
  start(actor: Actor, sweepMs = 250): this {
    actor.handle(actor.subjects.heartbeatAll(this.role), 'heartbeat', (msg, ctx) => {
      if (isOwnHeartbeat(actor.subjects, ctx.subject, msg.body)) this.observe(msg.body);
      return undefined;
    });
    this.sweepTimer = setInterval(() => this.expire(), sweepMs);
    this.sweepTimer.unref();
    return this;
  }

  stop(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  /** Records a heartbeat. */
  observe(hb: Heartbeat, at = this.now()): void {
    if (this.role && hb.role !== this.role) return;
    const prev = this.members.get(hb.id);
    const member: Member = {
      id: hb.id,
      role: hb.role,
      pool: hb.pool,
      heartbeat: hb,
      lastSeen: at,
      joinedAt: prev && prev.heartbeat.startedAt === hb.startedAt ? prev.joinedAt : at,
    };
    this.members.set(hb.id, member);
    if (!prev) this.emit({ type: 'join', member });
    else if (prev.heartbeat.startedAt !== hb.startedAt) this.emit({ type: 'restart', member });
  }

  /** Drops members whose last heartbeat is older than `missedBeats` intervals; returns them. */
  expire(at = this.now()): Member[] {
    const gone: Member[] = [];
    for (const m of this.members.values()) {
      if (at - m.lastSeen > this.missedBeats * m.heartbeat.intervalMs) {
        this.members.delete(m.id);
        gone.push(m);
        this.emit({ type: 'leave', member: m, reason: 'expired' });
      }
    }
    return gone;
  }

  /** Live members, optionally of one role and pool; draining ones only when asked. */
  alive(filter: { role?: Role; pool?: string; includeDraining?: boolean } = {}): Member[] {
    const out: Member[] = [];
    for (const m of this.members.values()) {
      if (filter.role && m.role !== filter.role) continue;
      if (filter.pool && m.pool !== filter.pool) continue;
      if (!filter.includeDraining && m.heartbeat.draining) continue;
      out.push(m);
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  get(id: string): Member | undefined {
    return this.members.get(id);
  }

  /** Calls `listener` on every join, leave and restart; returns an unsubscribe function. */
  on(listener: (e: MembershipEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once `predicate` holds over the live members, or rejects after `timeoutMs`. */
  waitFor(predicate: (members: Member[]) => boolean, timeoutMs: number): Promise<void> {
    if (predicate(this.alive({ includeDraining: true }))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (predicate(this.alive({ includeDraining: true }))) {
          cleanup();
          resolve();
        }
      };
      const poll = setInterval(check, 20);
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new DeadlineError(`membership condition not met within ${timeoutMs} ms`, {
            context: { timeoutMs },
          }),
        );
      }, timeoutMs);
      const off = this.on(check);
      const cleanup = () => {
        clearInterval(poll);
        clearTimeout(timer);
        off();
      };
    });
  }

  private emit(e: MembershipEvent) {
    for (const l of this.listeners) l(e);
  }
}
