import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutAtFirstStop, StopMatcher } from '../src/session/stop-matcher.js';

/** Streams `pieces` through a matcher; what a receiver gets, and which tokens it kept. */
function stream(pieces: readonly string[], stops: readonly string[], before = '') {
  const m = new StopMatcher(stops, before);
  const released: string[] = [];
  let stopped = false;
  /** Text released so far, checked after every token: never past what the offline cut keeps. */
  const progress: string[] = [];
  for (const p of pieces) {
    const step = m.push(p);
    released.push(...step.released);
    progress.push(released.join(''));
    if (step.stopped) {
      stopped = true;
      break;
    }
  }
  if (!stopped) released.push(...m.flush());
  return { text: released.join(''), tokens: released.length, stopped, progress };
}

/** Offline: the whole text cut at the first stop, and the tokens whose text starts before the cut. */
function offline(pieces: readonly string[], stops: readonly string[]) {
  const full = pieces.join('');
  const cut = cutAtFirstStop(full, stops);
  if (cut < 0) return { text: full, tokens: pieces.length, stopped: false };
  let at = 0;
  let tokens = 0;
  for (const p of pieces) {
    if (at >= cut) break;
    tokens++;
    at += p.length;
  }
  return { text: full.slice(0, cut), tokens, stopped: true };
}

/** Text over a small alphabet so stop strings occur often; some pieces are empty (partial characters). */
const piece = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '\n', 'é', ' '), maxLength: 4 });
const stopString = fc.string({
  unit: fc.constantFrom('a', 'b', 'c', '\n', 'é', ' '),
  minLength: 1,
  maxLength: 5,
});

describe('StopMatcher', () => {
  it('streamed output equals the offline cut of the whole text, for every split into tokens', () => {
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 30 }),
        fc.array(stopString, { maxLength: 4 }),
        (pieces, stops) => {
          const s = stream(pieces, stops);
          const o = offline(pieces, stops);
          expect(s.text).toBe(o.text);
          expect(s.stopped).toBe(o.stopped);
          expect(s.tokens).toBe(o.tokens);
          // Nothing is ever sent that the cut later removes.
          for (const p of s.progress) expect(o.text.startsWith(p)).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('is independent of how the same text is split', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'b', '\n', 'x'), maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(stopString, { minLength: 1, maxLength: 3 }),
        (text, cuts, stops) => {
          const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const pieces = [0, ...at].map((a, i, all) => text.slice(a, all[i + 1] ?? text.length));
          const whole = cutAtFirstStop(text, stops);
          expect(stream(pieces, stops).text).toBe(whole < 0 ? text : text.slice(0, whole));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('ends at the stop string that appears first, across token boundaries', () => {
    expect(stream(['Hel', 'lo\n', '\nBye'], ['\n\n'])).toMatchObject({
      text: 'Hello',
      stopped: true,
      tokens: 2,
    });
    // 'c' is complete before 'abcd' is: generation ends there.
    expect(stream(['ab', 'c', 'd'], ['abcd', 'c'])).toMatchObject({ text: 'ab', stopped: true });
    // Both end at the same place: the longer one cuts.
    expect(cutAtFirstStop('xabc', ['bc', 'abc'])).toBe(1);
    // A token that starts exactly at the stop is dropped; one that starts before is cut.
    expect(stream(['a', 'STOP', 'b'], ['STOP'])).toMatchObject({ text: 'a', tokens: 1 });
    expect(stream(['aST', 'OP'], ['STOP'])).toMatchObject({ text: 'a', tokens: 1 });
  });

  it('holds back a possible start of a stop string until it is resolved', () => {
    const m = new StopMatcher(['</s>']);
    expect(m.push('one <')).toEqual({ released: [], stopped: false });
    expect(m.holding).toBe(true);
    expect(m.push('b')).toEqual({ released: ['one <', 'b'], stopped: false });
    expect(m.push('</')).toEqual({ released: [], stopped: false });
    expect(m.flush()).toEqual(['</']);
  });

  it('without stop strings releases every token at once', () => {
    const m = new StopMatcher([]);
    expect(m.active).toBe(false);
    expect(m.push('x')).toEqual({ released: ['x'], stopped: false });
  });

  it('a stop that starts in the text before a resume ends generation at the resumed text', () => {
    expect(stream(['c', 'd'], ['abc'], 'xab')).toMatchObject({ text: '', stopped: true, tokens: 0 });
    expect(stream(['d', 'abc'], ['abc'], 'xab')).toMatchObject({ text: 'd', stopped: true });
  });
});
