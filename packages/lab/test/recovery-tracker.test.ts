import { describe, expect, it } from 'vitest';
import { type FaultRecord, RecoveryTracker, singleFaults } from '../src/chaos/recovery-tracker.js';

/** A tracker on a clock the test moves by hand. */
function tracker() {
  let t = 0;
  const r = new RecoveryTracker(() => t);
  return { r, at: (ms: number) => (t = ms) };
}

describe('recovery tracker', () => {
  it('a fault recovers when every request in flight then progressed or ended', () => {
    const { r, at } = tracker();
    r.started('a');
    r.started('b');
    at(100);
    const f = r.fault('kill', 'drafter-1');
    at(400);
    r.progressed('a');
    expect(f.recoveryMs).toBeUndefined();
    at(900);
    r.ended('b');
    expect(f.recoveryMs).toBe(800);
  });

  it('keeps the longest time any request went without progress, its start and end included', () => {
    const { r, at } = tracker();
    r.started('a');
    at(300);
    r.progressed('a');
    at(2300);
    r.started('b');
    at(2400);
    r.progressed('a'); // 2100 ms after its last chunk
    at(3000);
    r.fault('pause', 'drafter-2', 2500);
    at(4500);
    r.noted('b', 'hung drafter-2→drafter-1');
    at(5000);
    r.ended('b'); // 2700 ms after its start
    expect(r.longestStall).toEqual({
      requestId: 'b',
      ms: 2700,
      // What it waited on, relative to the stall's start.
      faults: [{ kind: 'pause', victim: 'drafter-2', at: 700 }],
      events: [{ what: 'hung drafter-2→drafter-1', at: 2200 }],
    });
  });
});

describe('single faults', () => {
  const fault = (at: number, recoveryMs: number | undefined, lastsUntil?: number): FaultRecord => ({
    kind: 'kill',
    victim: 'x-1',
    at,
    ...(lastsUntil !== undefined ? { lastsUntil } : {}),
    ...(recoveryMs !== undefined ? { recoveryMs } : {}),
    waiting: new Set(),
  });

  it('met the cluster alone: earlier ones recovered (and pauses ended) before it, it recovered before the next', () => {
    const a = fault(0, 500);
    const b = fault(1000, 300, 3500); // a pause until 3.5 s
    const c = fault(2000, 200); // while b's process is still stopped
    const d = fault(4000, 1500); // overlaps e
    const e = fault(5000, 100);
    const f = fault(9000, undefined); // never recovered
    expect(singleFaults([c, a, e, b, d, f])).toEqual([a, b]);
  });
});
