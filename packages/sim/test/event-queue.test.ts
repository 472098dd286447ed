import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue, Simulation } from '../src/index.js';

describe('EventQueue', () => {
  it('pops in time order, equal times in push order', () => {
    const q = new EventQueue<string>();
    q.push(2, 'c');
    q.push(1, 'a');
    q.push(1, 'b');
    q.push(0.5, 'z');
    const out: string[] = [];
    while (q.size > 0) out.push(`${q.pop()}@${q.lastTime}`);
    expect(out).toEqual(['z@0.5', 'a@1', 'b@1', 'c@2']);
    expect(q.pop()).toBeUndefined();
  });

  it("returns each event's argument with it, whatever the heap moved", () => {
    const q = new EventQueue<string>();
    const times = [5, 1, 4, 1, 3, 2, 0];
    for (const [i, t] of times.entries()) q.push(t, `e${i}`, { i });
    q.push(6, 'bare');
    const out: string[] = [];
    while (q.size > 0) {
      const v = q.pop();
      out.push(`${v}:${JSON.stringify(q.lastArg)}`);
    }
    expect(out).toEqual([
      'e6:{"i":6}',
      'e1:{"i":1}',
      'e3:{"i":3}',
      'e5:{"i":5}',
      'e4:{"i":4}',
      'e2:{"i":2}',
      'e0:{"i":0}',
      'bare:undefined',
    ]);
  });

  it('matches a stable sort for any sequence of pushes and pops (grows past its first capacity)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 3000 }), (times) => {
        const q = new EventQueue<number>();
        for (const [i, t] of times.entries()) q.push(t, i);
        const expected = times.map((t, i) => ({ t, i })).sort((x, y) => x.t - y.t || x.i - y.i);
        for (const e of expected) {
          expect(q.pop()).toBe(e.i);
          expect(q.lastTime).toBe(e.t);
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe('Simulation', () => {
  it('advances the clock to each event and runs events scheduled by events', () => {
    const sim = new Simulation();
    const seen: string[] = [];
    sim.after(5, () => {
      seen.push(`a${sim.now}`);
      sim.after(0, () => seen.push(`c${sim.now}`));
    });
    sim.at(5, () => seen.push(`b${sim.now}`));
    sim.after(1, () => seen.push(`d${sim.now}`));
    sim.run();
    expect(seen).toEqual(['d1', 'a5', 'b5', 'c5']);
    expect(sim.events).toBe(4);
    expect(() => sim.at(1, () => undefined)).toThrow(/in the past/);
  });

  it('hands a handler the argument it was scheduled with', () => {
    const sim = new Simulation();
    const seen: string[] = [];
    const handler = (name: string) => seen.push(`${name}@${sim.now}`);
    sim.after(2, handler, 'b');
    sim.at(1, handler, 'a');
    sim.after(2, () => seen.push(`c@${sim.now}`));
    sim.run();
    expect(seen).toEqual(['a@1', 'b@2', 'c@2']);
    expect(() => sim.after(-1, handler, 'x')).toThrow(/in the past/);
  });

  it('stops at `until` and resumes later', () => {
    const sim = new Simulation();
    const seen: number[] = [];
    for (const t of [1, 2, 3]) sim.at(t, () => seen.push(t));
    sim.run(2);
    expect(seen).toEqual([1, 2]);
    sim.run();
    expect(seen).toEqual([1, 2, 3]);
  });
});
