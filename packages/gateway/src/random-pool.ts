/**
 * Random bytes for per-request ids and seeds, drawn from a pool refilled 4 KiB at a time: one
 * `randomFillSync` (a system call, which a loaded machine can make slow) per ~200 requests instead
 * of one or more per request. Same source (the OS CSPRNG), only batched.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;

export class RandomPool {
  private readonly pool = Buffer.allocUnsafe(POOL_BYTES);
  private offset = POOL_BYTES;

  /**
   * `n` fresh random bytes (n ≤ 4096). The buffer is a view into the pool: read it before the next
   * call, or copy it.
   */
  take(n: number): Buffer {
    if (n > POOL_BYTES) throw new RangeError(`at most ${POOL_BYTES} random bytes at once, not ${n}`);
    if (this.offset + n > POOL_BYTES) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const out = this.pool.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}
