import { describe, expect, it } from 'vitest';
import { createWindowPolicy } from '../src/window-policy.js';

const f = (acceptance: number, lastAcceptance = acceptance) => ({
  acceptance,
  lastAcceptance,
  lastWindow: 4,
});

describe('window policies', () => {
  it('static always returns its k', () => {
    expect(createWindowPolicy({ policy: 'static', k: 5 }).nextWindow(f(0))).toBe(5);
  });

  it('backoff follows the DSD thresholds', () => {
    const p = createWindowPolicy({ policy: 'backoff' });
    expect(p.nextWindow(f(0.2))).toBe(2);
    expect(p.nextWindow(f(0.25))).toBe(2);
    expect(p.nextWindow(f(0.4))).toBe(4);
    expect(p.nextWindow(f(0.6))).toBe(8);
  });

  it('threshold grows while the chance of a rejection stays at most 0.7', () => {
    const p = createWindowPolicy({ policy: 'threshold' });
    expect(p.nextWindow(f(0.95))).toBe(8); // 1 - 0.95^8 = 0.34
    expect(p.nextWindow(f(0.8))).toBe(5); // 1 - 0.8^5 = 0.67, 0.8^6 → 0.74
    expect(p.nextWindow(f(0.3))).toBe(2); // floor of the range
  });

  it('refuses unknown policies and bad k', () => {
    expect(() => createWindowPolicy({ policy: 'magic' })).toThrow(/unknown window policy/);
    expect(() => createWindowPolicy({ policy: 'static', k: 0 })).toThrow(/window k/);
  });
});
