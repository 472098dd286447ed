import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogprobBook } from '../src/session/logprob-book.js';
import { targetLogprobs, topIndices } from '../src/verifier/target-logprobs.js';

describe('targetLogprobs', () => {
  it('topIndices is the n largest, largest first, lower index first among equals', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(0, 0.1, 0.25, 0.5, 0.7), { maxLength: 40 }),
        fc.nat({ max: 25 }),
        (values, n) => {
          const p = Float32Array.from(values);
          const sorted = Array.from(p.keys()).sort((a, b) => p[b]! - p[a]! || a - b);
          expect(topIndices(p, n)).toEqual(sorted.slice(0, n));
        },
      ),
    );
  });

  it('gives ln p of each chosen token and of the top alternatives per position', () => {
    const dists = [Float32Array.of(0.1, 0.6, 0.3), Float32Array.of(0.5, 0.25, 0.25)];
    const r = targetLogprobs(dists, [2, 0], 2);
    expect(Array.from(r.logprobs)).toEqual([Math.fround(Math.log(0.3)), Math.fround(Math.log(0.5))]);
    expect(Array.from(r.topTokens)).toEqual([1, 2, 0, 1]);
    expect(r.topLogprobs[0]).toBe(Math.fround(Math.log(Math.fround(0.6))));
  });
});

describe('LogprobBook', () => {
  const figures = (n: number, v: number) => ({
    logprobs: new Float32Array(n).fill(v),
    topTokens: new Uint32Array(n),
    topLogprobs: new Float32Array(n),
  });

  it('a committed token takes the entry of its epoch, position and token; cancelled tasks count no more', () => {
    const book = new LogprobBook(1);
    // Two tasks of epoch 0 deciding position 12 (one's bonus, the other's first draft).
    book.record('t1', 0, 10, [5, 6, 7], figures(3, -1));
    book.record('t2', 0, 12, [8, 9], figures(2, -2));
    book.record('old', 0, 13, [9], figures(1, -5));
    expect(book.take(10, 5, 0)?.logprob).toBe(-1);
    expect(book.take(11, 6, 0)?.logprob).toBe(-1);
    // Position 12: token 8 is t2's, token 7 would be t1's.
    expect(book.take(12, 8, 0)?.logprob).toBe(-2);
    book.forget(['old']);
    expect(book.take(13, 9, 0)?.logprob).toBe(-2);
    // Another epoch's figures never describe a token.
    book.record('t3', 0, 14, [4], figures(1, -3));
    expect(book.take(14, 4, 1)).toBeUndefined();
  });
});
