import { describe, expect, it } from 'vitest';
import { SchedulerSightings } from '../src/client/scheduler-choice.js';

describe('SchedulerSightings', () => {
  it('names the scheduler heard from last, never one already named for the request', () => {
    const seen = new SchedulerSightings();
    expect(seen.pick(new Set(), undefined, 0)).toBeUndefined();
    seen.answered('s1', 1000);
    seen.answered('s2', 2000);
    expect(seen.pick(new Set(), undefined, 2500)).toBe('s2');
    expect(seen.pick(new Set(['s2']), undefined, 2500)).toBe('s1');
    expect(seen.pick(new Set(['s1', 's2']), undefined, 2500)).toBeUndefined();
    // An answer a minute old says nothing of the scheduler now: the group again.
    expect(seen.pick(new Set(), undefined, 2000 + 61_000)).toBeUndefined();
  });

  it('with heartbeats, names only live schedulers, by their last beat or answer', () => {
    const seen = new SchedulerSightings();
    seen.answered('s1', 1000);
    seen.answered('s2', 2000);
    // s2 stopped beating (paused or dead): only s1 and s3 are alive.
    const live = [
      { id: 's1', lastSeen: 2500 },
      { id: 's3', lastSeen: 2400 },
    ];
    expect(seen.pick(new Set(), live)).toBe('s1');
    expect(seen.pick(new Set(['s1']), live)).toBe('s3');
    expect(seen.pick(new Set(['s1', 's3']), live)).toBeUndefined();
    // An answer later than a beat counts too.
    seen.answered('s3', 3000);
    expect(seen.pick(new Set(), live)).toBe('s3');
  });

  it('remembers a bounded number of schedulers, dropping the one heard from longest ago', () => {
    const seen = new SchedulerSightings();
    for (let i = 0; i < 100; i++) seen.answered(`s${i}`, i);
    const all = new Set(Array.from({ length: 100 }, (_, i) => `s${i}`));
    // Every remembered one excluded but the oldest: s36 is the oldest kept (64 of 100).
    all.delete('s36');
    expect(seen.pick(all, undefined, 100)).toBe('s36');
    all.delete('s35');
    all.add('s36');
    expect(seen.pick(all, undefined, 100)).toBeUndefined();
  });
});
