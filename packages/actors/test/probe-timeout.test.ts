import { describe, expect, it } from 'vitest';
import { ProbeTimeout } from '../src/client/probe-timeout.js';

describe('probe timeout', () => {
  it('keeps the floor for a host that answers quickly, so a paused host is noticed as fast as before', () => {
    const t = new ProbeTimeout(1000);
    expect(t.ms).toBe(1000);
    for (let i = 0; i < 20; i++) t.answered(5);
    expect(t.ms).toBe(1000);
  });

  it('gives a host that answered slowly four times its slowest recent answer, and forgets old answers', () => {
    const t = new ProbeTimeout(1000, 4, 3);
    t.answered(600);
    expect(t.ms).toBe(2400);
    t.answered(100);
    t.answered(100);
    t.answered(100); // the 600 ms answer is out of the window now
    expect(t.ms).toBe(1000);
    t.answered(400);
    t.reset();
    expect(t.ms).toBe(1000);
  });
});
