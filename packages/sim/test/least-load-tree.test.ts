import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LeastLoadTree } from '../src/least-load-tree.js';

describe('LeastLoadTree', () => {
  it('picks what a scan keeping the first strictly smaller load picks, after any updates', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 6 })), { maxLength: 200 }),
        (n, updates) => {
          const tree = new LeastLoadTree(n);
          const loads = new Array<number>(n).fill(0);
          for (const [at, load] of updates) {
            const i = at % n;
            loads[i] = load;
            tree.set(i, load);
            let best = 0;
            for (let j = 1; j < n; j++) if (loads[j]! < loads[best]!) best = j;
            expect(tree.least()).toBe(best);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
