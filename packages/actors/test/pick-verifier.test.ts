import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ParallelCandidate,
  pickParallelVerifier,
  pickVerifier,
  type VerifierCandidate,
} from '../src/batcher/pick-verifier.js';

const c = (id: string, load: number, busy: string[] = []): VerifierCandidate => ({
  id,
  load,
  busyWith: new Set(busy),
});

describe('pickVerifier', () => {
  it('returns undefined without candidates', () => {
    expect(pickVerifier({ sessionId: 's' }, [], 'v1', 1, 0)).toBeUndefined();
  });

  it('joins the shortest queue', () => {
    expect(pickVerifier({ sessionId: 's' }, [c('v1', 3), c('v2', 1), c('v3', 2)], undefined, 1, 0)).toBe(
      'v2',
    );
  });

  it('keeps a session on its verifier while that one is within the slack', () => {
    expect(pickVerifier({ sessionId: 's' }, [c('v1', 1.5), c('v2', 1)], 'v1', 1, 0)).toBe('v1');
    expect(pickVerifier({ sessionId: 's' }, [c('v1', 2.5), c('v2', 1)], 'v1', 1, 0)).toBe('v2');
  });

  it('sends a parallel task of one session (DSI) to an idle verifier', () => {
    expect(pickVerifier({ sessionId: 's' }, [c('v1', 0.5, ['s']), c('v2', 0)], 'v1', 5, 0)).toBe('v2');
  });

  it("keeps a parallel task on the session's verifier when no other one is idle (no needless prefill)", () => {
    expect(pickVerifier({ sessionId: 's' }, [c('v1', 0.5, ['s']), c('v2', 0.25)], 'v1', 5, 0)).toBe('v1');
  });

  it('rotates among equally loaded verifiers', () => {
    const cands = [c('v1', 0), c('v2', 0), c('v3', 0)];
    const picks = [0, 1, 2, 3].map((r) => pickVerifier({ sessionId: 's' }, cands, undefined, 1, r));
    expect(picks).toEqual(['v1', 'v2', 'v3', 'v1']);
  });

  it('always picks a candidate, never one more loaded than min + slack', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ load: fc.double({ min: 0, max: 10, noNaN: true }), busy: fc.boolean() }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.option(fc.nat(7)),
        fc.double({ min: 0, max: 3, noNaN: true }),
        fc.nat(100),
        (specs, stickyIdx, slack, rotation) => {
          const cands = specs.map((s, i) => c(`v${i}`, s.load, s.busy ? ['s'] : []));
          const sticky = stickyIdx === null ? undefined : `v${stickyIdx}`;
          const id = pickVerifier({ sessionId: 's' }, cands, sticky, slack, rotation);
          const chosen = cands.find((x) => x.id === id);
          expect(chosen).toBeDefined();
          const free = cands.filter((x) => !x.busyWith.has('s'));
          const pool = free.length > 0 ? free : cands;
          const minPool = Math.min(...pool.map((x) => x.load));
          // Sticky: within slack of the least loaded; otherwise exactly the least loaded free one.
          expect(chosen!.load).toBeLessThanOrEqual(minPool + (id === sticky ? slack : 0));
          // Busy with the session only as its sticky verifier, and only when no free one is idle.
          if (free.length > 0 && chosen!.busyWith.has('s')) {
            expect(id).toBe(sticky);
            expect(free.some((x) => x.load === 0)).toBe(false);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('pickParallelVerifier', () => {
  const p = (id: string, load: number, runsAtOnce: boolean, busy: string[] = []): ParallelCandidate => ({
    ...c(id, load, busy),
    runsAtOnce,
  });

  it('sends a parallel task only where it runs at once, least loaded first', () => {
    expect(
      pickParallelVerifier(
        { sessionId: 's' },
        [p('v1', 0.1, false), p('v2', 0.6, true), p('v3', 0.3, true)],
        0,
      ),
    ).toBe('v3');
  });

  it('declines (undefined) rather than queue it, and never stacks it on a verifier busy with the session', () => {
    expect(
      pickParallelVerifier({ sessionId: 's' }, [p('v1', 0, false), p('v2', 0.9, false)], 0),
    ).toBeUndefined();
    expect(pickParallelVerifier({ sessionId: 's' }, [p('v1', 0, true, ['s'])], 0)).toBeUndefined();
  });

  it('never picks a verifier that would not run it at once (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ load: fc.double({ min: 0, max: 3, noNaN: true }), free: fc.boolean() }), {
          maxLength: 8,
        }),
        fc.nat(),
        (vs, rotation) => {
          const cands = vs.map((v, i) => p(`v${i}`, v.load, v.free));
          const id = pickParallelVerifier({ sessionId: 's' }, cands, rotation);
          if (vs.every((v) => !v.free)) expect(id).toBeUndefined();
          else expect(cands.find((x) => x.id === id)?.runsAtOnce).toBe(true);
        },
      ),
    );
  });
});
