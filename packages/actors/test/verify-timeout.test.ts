import { describe, expect, it } from 'vitest';
import { VerifyTimeout } from '../src/session/verify-timeout.js';

describe('verify timeout (RFC 6298 over measured round trips)', () => {
  it('starts at the ceiling, before anything was measured', () => {
    expect(new VerifyTimeout({ minMs: 500, maxMs: 10_000 }).current()).toBe(10_000);
  });

  it('follows srtt + 4·rttvar once round trips are known', () => {
    const t = new VerifyTimeout({ minMs: 10, maxMs: 10_000 });
    t.observe(100); // srtt 100, rttvar 50
    expect(t.current()).toBe(300);
    t.observe(200); // rttvar 0.75·50 + 0.25·100 = 62.5; srtt 0.875·100 + 0.125·200 = 112.5
    expect(t.current()).toBeCloseTo(112.5 + 4 * 62.5, 9);
    expect(t.smoothedMs).toBeCloseTo(112.5, 9);
  });

  it('stays within its floor and ceiling', () => {
    const fast = new VerifyTimeout({ minMs: 500, maxMs: 10_000 });
    for (let i = 0; i < 50; i++) fast.observe(20);
    expect(fast.current()).toBe(500);
    const slow = new VerifyTimeout({ minMs: 500, maxMs: 2000 });
    slow.observe(5000);
    expect(slow.current()).toBe(2000);
  });

  it('a loaded pool raises the timeout with it, so slow results are not re-issued', () => {
    const t = new VerifyTimeout({ minMs: 100, maxMs: 60_000 });
    for (let i = 0; i < 20; i++) t.observe(50);
    const before = t.current();
    for (let i = 0; i < 20; i++) t.observe(400);
    expect(t.current()).toBeGreaterThan(400);
    expect(t.current()).toBeGreaterThan(before);
  });
});
