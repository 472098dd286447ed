/**
 * Seeded, splittable pseudo-random numbers: xoshiro128** seeded through splitmix32. Pure integer
 * arithmetic (Math.imul, >>> 0), so a seed gives the same sequence on every machine and engine.
 *
 * @example
 *   const rng = new Rng(42);
 *   rng.float();          // same value everywhere for seed 42
 *   const child = rng.split(); // independent stream, e.g. one per request or per position
 */
import { fnv1aTokens } from '@specmesh/protocol';

function splitmix32(state: number): [number, number] {
  const s = (state + 0x9e3779b9) >>> 0;
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [s, (z ^ (z >>> 16)) >>> 0];
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const out: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, value] = splitmix32(s);
      s = next;
      out.push(value);
    }
    [this.a, this.b, this.c, this.d] = out as [number, number, number, number];
    // The all-zero state is a fixed point of xoshiro.
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Next unsigned 32-bit integer. */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.b << 9) >>> 0;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  float(): number {
    return this.next() / 4294967296;
  }

  /** A new generator whose stream is independent of this one's continuation. */
  split(): Rng {
    return new Rng(this.next() ^ Math.imul(this.next(), 0x2545f491));
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A 32-bit hash of a token sequence's last `window` tokens and a seed (FNV-1a over the ids). */
export function hashTokens(tokens: ArrayLike<number>, end: number, window: number, seed: number): number {
  return fnv1aTokens(tokens, Math.max(0, end - window), end, seed);
}
