/**
 * The hash that names a token prefix on the wire (`verify.task.baseHash`), so a verifier can tell
 * whether the tokens it holds for a session are the ones a task builds on before it skips resending
 * them. Part of the protocol: another implementation must compute the same value.
 *
 * Two FNV-1a 32-bit hashes over the little-endian bytes of each token id, with offset bases
 * `0x811c9dc5 ^ seed` for seeds 0 and 0x9e3779b9, each finished with an avalanche
 * (`h ^= h >>> 16; h *= 0x7feb352d; h ^= h >>> 15`, 32-bit), written as 16 lowercase hex digits
 * (first hash first). 64 bits: a stale prefix passing for the right one would change an output.
 *
 * @example
 *   prefixHash(Uint32Array.of(1, 2, 3), 3) // → 16 hex digits, the same in every implementation
 */

/** FNV-1a (32-bit) over the little-endian bytes of `tokens[from, end)`, avalanched. */
export function fnv1aTokens(tokens: ArrayLike<number>, from: number, end: number, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = from; i < end; i++) {
    const t = tokens[i]!;
    for (let s = 0; s < 32; s += 8) {
      h ^= (t >>> s) & 0xff;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  // Final avalanche so nearby inputs give unrelated hashes.
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  return h >>> 0;
}

/** The wire hash of `tokens[0, end)`. */
export function prefixHash(tokens: ArrayLike<number>, end: number): string {
  const hex = (h: number) => h.toString(16).padStart(8, '0');
  return hex(fnv1aTokens(tokens, 0, end, 0)) + hex(fnv1aTokens(tokens, 0, end, 0x9e3779b9));
}
