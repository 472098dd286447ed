import type { TokenChunk } from '@specmesh/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenReorderer } from '../src/client/token-reorderer.js';

const chunk = (seq: number): TokenChunk => ({
  requestId: 'r',
  seq,
  index: seq,
  tokens: Uint32Array.of(seq),
  text: '',
  done: false,
});

describe('TokenReorderer', () => {
  it('releases any permutation with duplicates exactly once, in order', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 40 })
          .chain((n) =>
            fc.tuple(
              fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
              fc.array(fc.nat(n - 1), { maxLength: 10 }),
            ),
          ),
        ([order, dups]) => {
          const r = new TokenReorderer();
          const out: number[] = [];
          const deliveries = [...order];
          for (const d of dups) deliveries.splice(d % (deliveries.length + 1), 0, d);
          for (const s of deliveries) for (const c of r.push(chunk(s))) out.push(c.seq);
          expect(out).toEqual([...Array(order.length).keys()]);
          expect(r.duplicates).toBe(dups.length);
          expect(r.waiting).toBe(0);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('holds chunks behind a gap until it closes', () => {
    const r = new TokenReorderer();
    expect(r.push(chunk(1))).toEqual([]);
    expect(r.push(chunk(2))).toEqual([]);
    expect(r.waiting).toBe(2);
    expect(r.push(chunk(0)).map((c) => c.seq)).toEqual([0, 1, 2]);
    expect(r.expected).toBe(3);
  });
});
