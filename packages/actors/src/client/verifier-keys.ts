/**
 * The verifiers' public keys, learned from their heartbeats. A heartbeat counts only when its subject
 * names the verifier it describes (`hb.verifier.<id>` with body `role: verifier, id: <id>`): NATS lets
 * only the verifier user publish there, so a drafter can announce no key of its own. Keys stay known
 * after their verifier leaves (its statements still vouch for output a client is reading); a
 * verifier that restarts with a new key is known by both.
 */
import type { KeyObject } from 'node:crypto';
import { type Heartbeat, publicKeyFromRaw } from '@specmesh/protocol';
import { type Actor, isOwnHeartbeat } from '@specmesh/runtime';

/** Keys kept per verifier id at most (restarts with fresh keys). */
const MAX_KEYS_PER_VERIFIER = 8;

export class VerifierKeys {
  private readonly keys = new Map<string, Array<{ raw: string; key: KeyObject }>>();
  private readonly waiters = new Set<() => void>();
  private stopHeartbeats: (() => void) | undefined;

  /** Listens to the verifiers' heartbeats through `actor`. */
  static start(actor: Actor): VerifierKeys {
    const keys = new VerifierKeys();
    keys.stopHeartbeats = actor.handle(actor.subjects.heartbeatAll('verifier'), 'heartbeat', (msg, ctx) => {
      if (isOwnHeartbeat(actor.subjects, ctx.subject, msg.body)) keys.observe(msg.body);
      return undefined;
    });
    return keys;
  }

  /** Records the key of a verifier's heartbeat (one that arrived on that verifier's own subject). */
  observe(hb: Heartbeat): void {
    if (hb.role !== 'verifier' || !hb.signingKey) return;
    const raw = Buffer.from(hb.signingKey).toString('base64');
    const list = this.keys.get(hb.id) ?? [];
    if (list.some((k) => k.raw === raw)) return;
    let key: KeyObject;
    try {
      key = publicKeyFromRaw(hb.signingKey);
    } catch {
      return;
    }
    list.push({ raw, key });
    if (list.length > MAX_KEYS_PER_VERIFIER) list.shift();
    this.keys.set(hb.id, list);
    for (const wake of [...this.waiters]) wake();
  }

  /** Keys of `verifierId` known now. */
  of(verifierId: string): readonly KeyObject[] {
    return (this.keys.get(verifierId) ?? []).map((k) => k.key);
  }

  /** Keys of `verifierId`, waiting up to `waitMs` for its first heartbeat (a client that just started). */
  async when(verifierId: string, waitMs: number): Promise<readonly KeyObject[]> {
    await this.until(() => this.of(verifierId).length > 0, waitMs);
    return this.of(verifierId);
  }

  /**
   * Waits up to `waitMs` for the first verifier key: a client that just started and wants its first
   * tokens checked at once (verifiers beat at one interval, so the others follow within it).
   * @returns whether a key is known
   */
  async whenAny(waitMs: number): Promise<boolean> {
    await this.until(() => this.keys.size > 0, waitMs);
    return this.keys.size > 0;
  }

  private async until(known: () => boolean, waitMs: number): Promise<void> {
    if (known() || waitMs <= 0) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        if (!known()) return;
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(done);
        resolve();
      }, waitMs);
      this.waiters.add(done);
    });
  }

  stop(): void {
    this.stopHeartbeats?.();
    this.stopHeartbeats = undefined;
  }
}
