/**
 * The known next-token maps behind the synthetic models (pure, seeded).
 *
 * Target: one random cycle through every text piece (ids ≥ SYNTHETIC_FIRST_ID; bytes and specials
 * are below). Greedy decoding from any token then walks the whole cycle, visiting every piece once per
 * lap, so the long-run acceptance of a drafter is exactly the share of pieces on which its map
 * agrees, generation never hits EOS, and the text is words. Ids below the cycle (specials, bytes)
 * map onto it too, so a prompt ending in BOS or a byte still continues.
 *
 * @example
 *   // first piece id F, pieces F, F+1, F+2; one cycle, e.g. F→F+2→F+1→F
 */
import { Rng } from '@specmesh/core';
import { SYNTHETIC_FIRST_ID } from './synthetic-vocab.js';

/** [V] next[t] for every id t: a single cycle over the pieces; lower ids map onto the cycle too. */
export function cyclicSuccessorMap(vocabSize: number, seed: number): Uint32Array {
  const rng = new Rng(seed);
  const order = new Uint32Array(vocabSize - SYNTHETIC_FIRST_ID);
  for (let i = 0; i < order.length; i++) order[i] = SYNTHETIC_FIRST_ID + i;
  shuffle(order, rng);
  const next = new Uint32Array(vocabSize);
  for (let i = 0; i < order.length; i++) next[order[i]!] = order[(i + 1) % order.length]!;
  for (let s = 0; s < SYNTHETIC_FIRST_ID; s++) next[s] = order[s % order.length]!;
  return next;
}

/** A drafter's map and how many pieces it shares with the target's. */
export interface DrafterMap {
  /** [V] the drafter's successor of every id. */
  readonly next: Uint32Array;
  /** Pieces t with next[t] === target[t]: exactly round(agreement × N). */
  readonly agreed: number;
}

/**
 * Derives a drafter map from `target`: it agrees on exactly round(agreement × N) of the N pieces
 * (chosen by `seed`); everywhere else it names a different piece (never the target's, never the
 * token itself). Ids below the pieces keep the target's successor.
 */
export function drafterSuccessorMap(target: Uint32Array, agreement: number, seed: number): DrafterMap {
  const vocabSize = target.length;
  const n = vocabSize - SYNTHETIC_FIRST_ID;
  if (n < 3) throw new RangeError('a drafter map needs at least 3 text pieces');
  const rng = new Rng(seed);
  const ids = new Uint32Array(n);
  for (let i = 0; i < n; i++) ids[i] = SYNTHETIC_FIRST_ID + i;
  shuffle(ids, rng);
  const agreed = Math.round(agreement * n);
  const next = Uint32Array.from(target);
  for (let i = agreed; i < n; i++) {
    const t = ids[i]!;
    let other: number;
    do other = SYNTHETIC_FIRST_ID + Math.floor(rng.float() * n);
    while (other === target[t] || other === t);
    next[t] = other;
  }
  return { next, agreed };
}

/** Pieces where the two maps agree. */
export function countAgreement(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let t = SYNTHETIC_FIRST_ID; t < a.length; t++) if (a[t] === b[t]) same++;
  return same;
}

/** Fisher–Yates in place. */
function shuffle(values: Uint32Array, rng: Rng): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(rng.float() * (i + 1));
    const v = values[i]!;
    values[i] = values[j]!;
    values[j] = v;
  }
}
