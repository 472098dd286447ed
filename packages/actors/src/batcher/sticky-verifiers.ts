/**
 * The verifier that last served each session (it holds the session's prefix cache), for the sessions
 * seen most recently. A batcher outlives its sessions by far: a session's host says when it ended
 * (`preempt.ended`, protocol 2.4), and for hosts that do not (older, or dead) the map forgets the
 * least recently used session once it holds `capacity` of them: a forgotten session costs one
 * prefill elsewhere, never a wrong result.
 */
export class StickyVerifiers {
  private readonly bySession = new Map<string, string>();

  constructor(readonly capacity = 65_536) {}

  get size(): number {
    return this.bySession.size;
  }

  get(session: string): string | undefined {
    return this.bySession.get(session);
  }

  /** Records where `session` ran last; it becomes the most recently used. */
  set(session: string, verifierId: string): void {
    // A Map iterates in insertion order: deleting first moves the session to the end.
    this.bySession.delete(session);
    this.bySession.set(session, verifierId);
    if (this.bySession.size > this.capacity) {
      const oldest = this.bySession.keys().next().value;
      if (oldest !== undefined) this.bySession.delete(oldest);
    }
  }

  /** Forgets `session` (it ended). */
  forget(session: string): void {
    this.bySession.delete(session);
  }

  /** Forgets every session of `verifierId` (it failed: its caches are gone or unreachable). */
  forgetVerifier(verifierId: string): void {
    for (const [session, v] of this.bySession) if (v === verifierId) this.bySession.delete(session);
  }
}
