/**
 * The cluster as the dashboard draws it: every instance the membership view knows (alive, with its
 * load) and those that stopped sending heartbeats in the last `rememberDeadMs` (dead).
 */
import type { Member, MembershipView } from '@specmesh/runtime';

export interface TopologyInstance {
  readonly id: string;
  readonly role: string;
  readonly pool: string | null;
  readonly state: 'alive' | 'draining' | 'dead';
  readonly inflight: number;
  readonly queued: number;
  readonly capacity: number;
  /** ms since the last heartbeat. */
  readonly lastSeenMs: number;
}

export class Topology {
  private readonly view: MembershipView;
  private readonly rememberDeadMs: number;
  private readonly dead = new Map<string, { member: Member; at: number }>();
  private readonly off: () => void;

  /** @param rememberDeadMs how long a dead instance stays listed, ms. Defaults to 300000. */
  constructor(view: MembershipView, rememberDeadMs = 300_000) {
    this.view = view;
    this.rememberDeadMs = rememberDeadMs;
    this.off = view.on((e) => {
      if (e.type === 'leave') this.dead.set(e.member.id, { member: e.member, at: Date.now() });
      else this.dead.delete(e.member.id);
    });
  }

  stop(): void {
    this.off();
  }

  instances(now = Date.now()): TopologyInstance[] {
    const row = (m: Member, state: TopologyInstance['state']): TopologyInstance => ({
      id: m.id,
      role: m.role,
      pool: m.pool ?? null,
      state,
      inflight: m.heartbeat.load.inflight,
      queued: m.heartbeat.load.queued,
      capacity: m.heartbeat.load.capacity,
      lastSeenMs: Math.max(0, now - m.lastSeen),
    });
    const out = this.view
      .alive({ includeDraining: true })
      .map((m) => row(m, m.heartbeat.draining ? 'draining' : 'alive'));
    for (const [id, d] of this.dead) {
      if (now - d.at > this.rememberDeadMs) this.dead.delete(id);
      else if (!out.some((o) => o.id === id)) out.push(row(d.member, 'dead'));
    }
    return out.sort((a, b) => a.role.localeCompare(b.role) || a.id.localeCompare(b.id));
  }
}
