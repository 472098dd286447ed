import { describe, expect, it } from 'vitest';
import { StickyVerifiers } from '../src/batcher/sticky-verifiers.js';

describe('sticky verifiers', () => {
  it('keeps the most recently used sessions only, so a long-lived batcher does not grow without end', () => {
    const sticky = new StickyVerifiers(3);
    for (const s of ['a', 'b', 'c']) sticky.set(s, 'v1');
    sticky.set('a', 'v2'); // used again: now the most recent
    sticky.set('d', 'v1'); // over capacity: `b`, the least recently used, goes
    expect(sticky.size).toBe(3);
    expect(sticky.get('b')).toBeUndefined();
    expect(sticky.get('a')).toBe('v2');
    for (let i = 0; i < 10_000; i++) sticky.set(`s${i}`, 'v1');
    expect(sticky.size).toBe(3);
  });

  it('forgets a session that ended', () => {
    const sticky = new StickyVerifiers();
    sticky.set('a', 'v1');
    sticky.set('b', 'v1');
    sticky.forget('a');
    expect([sticky.get('a'), sticky.get('b'), sticky.size]).toEqual([undefined, 'v1', 1]);
  });

  it('forgets every session of a failed verifier', () => {
    const sticky = new StickyVerifiers();
    sticky.set('a', 'v1');
    sticky.set('b', 'v2');
    sticky.set('c', 'v1');
    sticky.forgetVerifier('v1');
    expect([sticky.get('a'), sticky.get('b'), sticky.get('c')]).toEqual([undefined, 'v2', undefined]);
  });
});
