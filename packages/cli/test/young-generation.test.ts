import { describe, expect, it } from 'vitest';
import { wantsLargerYoungGeneration } from '../src/young-generation.js';

describe('simulating commands run with a larger young generation', () => {
  it('plan and sim dsd ask for one unless a semi-space size was chosen', () => {
    expect(wantsLargerYoungGeneration(['plan', '--rps', '10'], [], undefined)).toBe(true);
    expect(wantsLargerYoungGeneration(['sim', 'dsd', '--scenario', 'x.yaml'], [], '')).toBe(true);
    expect(wantsLargerYoungGeneration(['plan'], ['--max-semi-space-size=16'], undefined)).toBe(false);
    expect(
      wantsLargerYoungGeneration(['plan'], [], '--max-old-space-size=4096 --max-semi-space-size=32'),
    ).toBe(false);
  });

  it('other commands and help do not', () => {
    expect(wantsLargerYoungGeneration(['node', '--role', 'drafter'], [], undefined)).toBe(false);
    expect(wantsLargerYoungGeneration(['sim', 'validate'], [], undefined)).toBe(false);
    expect(wantsLargerYoungGeneration(['plan', '--help'], [], undefined)).toBe(false);
    expect(wantsLargerYoungGeneration([], [], undefined)).toBe(false);
  });
});
