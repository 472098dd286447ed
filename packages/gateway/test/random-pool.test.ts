import { describe, expect, it } from 'vitest';
import { RandomPool } from '../src/random-pool.js';

describe('RandomPool', () => {
  it('hands out fresh bytes across refills and refuses more than a pool', () => {
    const pool = new RandomPool();
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(pool.take(21).toString('hex'));
    expect(seen.size).toBe(1000);
    expect(pool.take(4096)).toHaveLength(4096);
    expect(() => pool.take(4097)).toThrow(RangeError);
  });
});
