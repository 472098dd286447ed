/** The planner's growth detector: a queue that keeps growing shows, noise does not. */
import { describe, expect, it } from 'vitest';
import { trendGrowth } from '../src/planner/trend-growth.js';
import { SimRandom } from '../src/sim-random.js';

describe('trendGrowth', () => {
  const times = Array.from({ length: 600 }, (_, i) => i * 20);

  it('measures a steady climb over the run, through noise', () => {
    const rng = new SimRandom(3);
    const values = times.map((t) => 40 + t / 1000 + rng.uniform(-5, 5));
    // 1 ms more per second of arrivals, over 11.98 s: about 12 ms, give or take the noise.
    const growth = trendGrowth(times, values);
    expect(growth).toBeGreaterThan(10.5);
    expect(growth).toBeLessThan(13.5);
  });

  it('reports no growth for a flat or falling series, however noisy', () => {
    const rng = new SimRandom(4);
    expect(
      trendGrowth(
        times,
        times.map(() => 40 + rng.uniform(-10, 10)),
      ),
    ).toBe(0);
    expect(
      trendGrowth(
        times,
        times.map((t) => 60 - t / 1000),
      ),
    ).toBe(0);
    expect(trendGrowth([0, 1], [1, 5])).toBe(0);
  });
});
