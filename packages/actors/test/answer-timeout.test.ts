import { describe, expect, it } from 'vitest';
import { AnswerTimeout } from '../src/timeouts/answer-timeout.js';

describe('probe timeout', () => {
  it('keeps the floor for a host that answers quickly, so a paused host is noticed as fast as before', () => {
    const t = new AnswerTimeout({ floorMs: 1000 });
    expect(t.ms).toBe(1000);
    for (let i = 0; i < 20; i++) t.answered(5);
    expect(t.ms).toBe(1000);
  });

  it('gives a host that answered slowly four times its slowest recent answer, and forgets old answers', () => {
    const t = new AnswerTimeout({ floorMs: 1000, window: 3 });
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

describe('submit attempt timeout', () => {
  it('waits the configured attempt until schedulers answered, then four times their slowest answer within floor and ceiling', () => {
    const t = new AnswerTimeout({ floorMs: 500, initialMs: 1500, ceilingMs: 1500 });
    expect(t.ms).toBe(1500);
    t.answered(20);
    expect(t.ms).toBe(500);
    t.answered(250);
    expect(t.ms).toBe(1000);
    // A queue wait: the timeout grows with it, up to the configured attempt (doubling takes it on).
    t.answered(2000);
    expect(t.ms).toBe(1500);
  });
});
