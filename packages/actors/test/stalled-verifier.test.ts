import { describe, expect, it } from 'vitest';
import { isStalled, STALL_FLOOR_MS, STALL_STEPS } from '../src/batcher/stalled-verifier.js';

describe('stalled verifier', () => {
  it('nothing awaited there: not stalled', () => {
    expect(isStalled(undefined, 3)).toBe(false);
  });

  it('a batch out longer than the floor, on a fast target, is suspect', () => {
    expect(isStalled(STALL_FLOOR_MS - 1, 3)).toBe(false);
    expect(isStalled(STALL_FLOOR_MS + 1, 3)).toBe(true);
    expect(isStalled(STALL_FLOOR_MS + 1, undefined)).toBe(true);
  });

  it('a slow target gets its own steps: a few of them are no stall', () => {
    expect(isStalled(STALL_STEPS * 120 - 1, 120)).toBe(false);
    expect(isStalled(STALL_STEPS * 120 + 1, 120)).toBe(true);
  });
});
