/**
 * Drafts' sparse distributions on the wire: one per draft, packed as CSR (`verify.task.draftDist`,
 * `predraft.result.draftDist`), and unpacked with their shape checked, since they come from another
 * instance.
 */
import type { SparseDist } from '@specmesh/core';
import { SchemaError, type SparseDraftDist } from '@specmesh/protocol';

/** Packs one distribution per draft, in draft order. */
export function packDraftDists(dists: readonly SparseDist[]): SparseDraftDist {
  const offsets = new Uint32Array(dists.length + 1);
  let total = 0;
  dists.forEach((d, i) => {
    total += d.tokens.length;
    offsets[i + 1] = total;
  });
  const tokens = new Uint32Array(total);
  const probs = new Float32Array(total);
  dists.forEach((d, i) => {
    tokens.set(d.tokens, offsets[i]!);
    probs.set(d.probs, offsets[i]!);
  });
  return { offsets, tokens, probs };
}

/**
 * The `n` distributions of `packed` (views into it).
 *
 * @param what names the message in the error, e.g. `task t-1`
 * @throws SchemaError when `packed` is missing or does not hold exactly `n` well-formed ranges.
 */
export function unpackDraftDists(packed: SparseDraftDist | undefined, n: number, what: string): SparseDist[] {
  if (
    !packed ||
    packed.offsets.length !== n + 1 ||
    packed.tokens.length !== packed.probs.length ||
    packed.offsets[n] !== packed.tokens.length
  ) {
    throw new SchemaError(`${what} needs a draft distribution per draft for rejection sampling`);
  }
  const out: SparseDist[] = [];
  for (let i = 0; i < n; i++) {
    const a = packed.offsets[i]!;
    const b = packed.offsets[i + 1]!;
    if (b < a) throw new SchemaError(`${what} has decreasing draft distribution offsets`);
    out.push({ tokens: packed.tokens.subarray(a, b), probs: packed.probs.subarray(a, b) });
  }
  return out;
}
