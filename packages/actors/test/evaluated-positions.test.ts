/** What a task costs a verifier's target, given what it holds of the task's session. */
import type { BodyOf } from '@specmesh/protocol';
import { sampleBodies } from '@specmesh/protocol/internal';
import { describe, expect, it } from 'vitest';
import { evaluatedPositions } from '../src/verifier/evaluated-positions.js';

const task = (basePos: number, context: number[], drafts: number): BodyOf<'verify.task'> => ({
  ...sampleBodies()['verify.task'],
  basePos,
  context: Uint32Array.from(context),
  drafts: Uint32Array.from({ length: drafts }, (_, i) => 900 + i),
});

describe('positions a task makes a verifier evaluate', () => {
  const held = Uint32Array.of(1, 2, 3, 4, 5, 6);

  it('a cold verifier evaluates everything: base, context and drafts', () => {
    expect(evaluatedPositions(task(0, [1, 2, 3, 4, 5, 6, 7], 3), undefined)).toBe(10);
  });

  it('a whole prefix on a verifier holding most of it costs what it adds', () => {
    expect(evaluatedPositions(task(0, [1, 2, 3, 4, 5, 6, 7, 8], 3), held)).toBe(2 + 3);
    // A diverging held tail: evaluated again from where it diverges.
    expect(evaluatedPositions(task(0, [1, 2, 3, 9, 9], 2), held)).toBe(2 + 2);
  });

  it('a lean task on its base costs its context and drafts; a context held whole, its last position', () => {
    expect(evaluatedPositions(task(6, [7, 8], 4), held)).toBe(2 + 4);
    expect(evaluatedPositions(task(0, [1, 2, 3, 4, 5, 6], 2), held)).toBe(1 + 2);
    expect(evaluatedPositions(task(4, [5, 6], 0), held)).toBe(1);
  });
});
