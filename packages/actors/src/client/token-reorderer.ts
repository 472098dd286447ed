/**
 * Puts token chunks back in order. Chunks carry `seq` (0, 1, 2, … without gaps); NATS keeps order per
 * publisher, but a resumed session (new drafter) or a retried publish can deliver a chunk twice or out
 * of order. The reorderer releases chunks strictly in sequence, drops duplicates, and reports a gap that
 * stays open too long, so a stream never skips or repeats a token.
 *
 * @example
 *   const r = new TokenReorderer();
 *   r.push(chunk1); // → [] (waiting for seq 0)
 *   r.push(chunk0); // → [chunk0, chunk1]
 */
import type { TokenChunk } from '@specmesh/protocol';

export class TokenReorderer {
  private next = 0;
  private readonly held = new Map<number, TokenChunk>();
  /** Duplicates seen (same seq delivered twice). */
  duplicates = 0;

  /** Accepts one chunk; returns the chunks now releasable, in order. */
  push(chunk: TokenChunk): TokenChunk[] {
    if (chunk.seq < this.next || this.held.has(chunk.seq)) {
      this.duplicates++;
      return [];
    }
    this.held.set(chunk.seq, chunk);
    const out: TokenChunk[] = [];
    for (let c = this.held.get(this.next); c !== undefined; c = this.held.get(this.next)) {
      this.held.delete(this.next);
      this.next++;
      out.push(c);
    }
    return out;
  }

  /**
   * Forgets chunks held behind a gap: the request moved, and the new host numbers its chunks on from
   * {@link expected} with boundaries of its own.
   */
  dropHeld(): void {
    this.held.clear();
  }

  /** Sequence number the reorderer waits for. */
  get expected(): number {
    return this.next;
  }

  /** Chunks held back behind a gap. */
  get waiting(): number {
    return this.held.size;
  }
}
