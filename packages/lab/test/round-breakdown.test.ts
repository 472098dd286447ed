import { describe, expect, it } from 'vitest';
import { measureCodec, roundComponentsOf } from '../src/bench/round-breakdown.js';

const span = (kind: 'draft' | 'verify', start: number, end: number, extra: object = {}) => ({
  kind,
  start,
  end,
  epoch: 0,
  pos: 0,
  n: 4,
  ...extra,
});

describe('roundComponentsOf', () => {
  it('splits each round into hops, queue, step, hand-off, drafting and the time outside spans', () => {
    // Two rounds: draft 2 ms, then a task out for 15 ms of which the verifier queued 1 and computed 12.
    const trace = {
      drafterId: 'd0',
      startedAt: 0,
      dropped: 0,
      spans: [
        span('draft', 1, 3),
        span('verify', 3, 18, { outcome: 'accepted', accepted: 4, queueMs: 1, computeMs: 12 }),
        span('draft', 18, 20),
        span('verify', 20, 35, { outcome: 'rejected', accepted: 1, queueMs: 1, computeMs: 12 }),
        // A preempted task is no round, but the time it covers is not "outside".
        span('verify', 34, 36, { outcome: 'preempted' }),
      ],
    };
    const { rounds, perRound } = roundComponentsOf(trace, 40, {
      target: { steps: 2, stepMs: 22, modelMs: 20 },
      drafter: { steps: 2, stepMs: 3, modelMs: 2 },
    });
    expect(rounds).toBe(2);
    expect(perRound.round).toBe(20);
    expect(perRound.targetModel).toBe(10);
    expect(perRound.targetHandoff).toBe(1);
    expect(perRound.verifierCode).toBe(1); // 12 computed − 11 awaited per round
    expect(perRound.verifierQueue).toBe(1);
    expect(perRound.hops).toBe(2); // 15 − 1 − 12
    expect(perRound.draftModel).toBe(1);
    expect(perRound.draftHandoff).toBe(0.5);
    expect(perRound.draftCode).toBe(0.5); // 2 ms spans − 1.5 ms awaited
    expect(perRound.outside).toBe(2.5); // 40 − 35 covered (1 → 36), per round
  });

  it('refuses a request without a trace or without a verdict', () => {
    const steps = {
      target: { steps: 0, stepMs: 0, modelMs: 0 },
      drafter: { steps: 0, stepMs: 0, modelMs: 0 },
    };
    expect(() => roundComponentsOf(undefined, 1, steps)).toThrow(/no speculation trace/);
    expect(() =>
      roundComponentsOf({ drafterId: 'd', startedAt: 0, dropped: 0, spans: [span('draft', 0, 1)] }, 1, steps),
    ).toThrow(/no verified round/);
  });
});

describe('measureCodec', () => {
  it('times a verify task and a verdict through the real codec', () => {
    const c = measureCodec(5, 4, 40);
    expect(c.taskUs).toBeGreaterThan(0);
    expect(c.resultUs).toBeGreaterThan(0);
  });
});
