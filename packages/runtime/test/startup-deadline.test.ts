import { ConfigError } from '@specmesh/protocol';
import { describe, expect, it } from 'vitest';
import { machineLoadFactor, STARTUP_TIMEOUT_ENV, startupDeadlineMs } from '../src/startup-deadline.js';

describe('startupDeadlineMs', () => {
  it('grows with the processes starting and with the load, and is never below the idle figure', () => {
    const f = machineLoadFactor();
    expect(f).toBeGreaterThanOrEqual(1);
    const one = startupDeadlineMs(1, {});
    const ten = startupDeadlineMs(10, {});
    expect(ten).toBeGreaterThan(one);
    // Idle figures: 15 s + 3 s per process, times the load factor (≥ 1); the two calls read the load
    // a moment apart, so compare each against its own floor.
    expect(one).toBeGreaterThanOrEqual(18_000);
    expect(ten).toBeGreaterThanOrEqual(45_000);
  });

  it('takes SPECMESH_STARTUP_TIMEOUT_MS as is, whatever the load, and refuses a bad value by name', () => {
    expect(startupDeadlineMs(50, { [STARTUP_TIMEOUT_ENV]: '1234' })).toBe(1234);
    expect(() => startupDeadlineMs(1, { [STARTUP_TIMEOUT_ENV]: 'soon' })).toThrow(ConfigError);
    expect(() => startupDeadlineMs(1, { [STARTUP_TIMEOUT_ENV]: '-5' })).toThrow(
      /SPECMESH_STARTUP_TIMEOUT_MS/,
    );
  });
});
