import { describe, expect, it } from 'vitest';
import { percentile } from '../src/percentile.js';

describe('percentile', () => {
  it('is the nearest rank, unsorted input left as it is', () => {
    const xs = [5, 1, 4, 2, 3];
    expect(percentile(xs, 50)).toBe(3);
    expect(percentile(xs, 100)).toBe(5);
    expect(percentile(xs, 0)).toBe(1);
    expect(percentile([1, 2, 3, 4], 90)).toBe(4);
    expect(xs).toEqual([5, 1, 4, 2, 3]);
    expect(percentile([], 50)).toBeNaN();
  });
});
