import { describe, expect, it } from 'vitest';
import { DEFAULT_SUBMIT_RETRY, SubmitRetry } from '../src/client/submit-retry.js';

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('submit retry', () => {
  it('an unreachable scheduler is retried with doubling back-off (jitter 0.5x..1.5x), capped', () => {
    const c = clock();
    const r = new SubmitRetry(DEFAULT_SUBMIT_RETRY, c.now, () => 0.5);
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const d = r.afterFailure('unreachable')!;
      delays.push(d);
      c.advance(d);
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('the unreachable window outlasts a supervised restart (about 2 s), then the request fails', () => {
    const c = clock();
    const r = new SubmitRetry({ ...DEFAULT_SUBMIT_RETRY, unreachableWindowMs: 10_000 }, c.now, () => 0.5);
    let waited = 0;
    for (;;) {
      const d = r.afterFailure('unreachable');
      if (d === undefined) break;
      c.advance(d);
      waited += d;
    }
    expect(waited).toBeGreaterThan(5000);
    expect(waited).toBeLessThanOrEqual(10_000);
  });

  it('a silent attempt is sent again at once with a doubled timeout, up to the most one may wait', () => {
    const c = clock();
    const r = new SubmitRetry({ ...DEFAULT_SUBMIT_RETRY, attemptMs: 1500, maxAttemptMs: 5000 }, c.now);
    expect(r.attemptTimeoutMs()).toBe(1500);
    c.advance(1500);
    expect(r.afterFailure('silent')).toBe(0);
    expect(r.attemptTimeoutMs()).toBe(3000);
    c.advance(3000);
    expect(r.afterFailure('silent')).toBe(0);
    expect(r.attemptTimeoutMs()).toBe(5000);
  });

  it('silence gives up after the silent window; the last attempt is cut to what is left of it', () => {
    const c = clock();
    const r = new SubmitRetry({ ...DEFAULT_SUBMIT_RETRY, attemptMs: 4000, silentWindowMs: 6000 }, c.now);
    c.advance(4000);
    expect(r.afterFailure('silent')).toBe(0);
    expect(r.attemptTimeoutMs()).toBe(2000);
    c.advance(2000);
    expect(r.afterFailure('silent')).toBeUndefined();
  });

  it('nothing waits past the request deadline', () => {
    const c = clock();
    const r = new SubmitRetry({ ...DEFAULT_SUBMIT_RETRY, deadlineAt: c.now() + 700 }, c.now, () => 0.5);
    expect(r.attemptTimeoutMs()).toBe(700);
    c.advance(500);
    expect(r.afterFailure('unreachable')).toBe(100);
    c.advance(100);
    expect(r.afterFailure('unreachable')).toBeUndefined(); // 600 + 200 is past 700
    c.advance(100);
    expect(r.afterFailure('silent')).toBeUndefined();
  });

  it('a silent attempt resets the back-off of unreachable ones', () => {
    const c = clock();
    const r = new SubmitRetry(DEFAULT_SUBMIT_RETRY, c.now, () => 0.5);
    r.afterFailure('unreachable');
    r.afterFailure('unreachable');
    r.afterFailure('silent');
    expect(r.afterFailure('unreachable')).toBe(100);
  });
});
