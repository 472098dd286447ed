import { describe, expect, it } from 'vitest';
import { median } from '../src/median.js';

describe('median', () => {
  it('is the middle of an odd count and the mean of the middle two of an even one', () => {
    const xs = [5, 1, 4, 2, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 4, 2, 3]);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    // Not the slower of two runs.
    expect(median([10, 30])).toBe(20);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });
});
