/** The optional speculation-trace fields of `tokens` (additive: chunks without them are unchanged). */
import { describe, expect, it } from 'vitest';
import { Codec, decodeMessage } from '../src/codec.js';
import { ErrorCode, SpecmeshError } from '../src/errors.js';
import type { BodyOf } from '../src/kinds.js';
import { MAX_TRACE_SPANS } from '../src/messages/stream.js';

const codec = new Codec({ from: 'd0', now: () => 1_700_000_000_000 });

const last: BodyOf<'tokens'> = {
  requestId: 'req-1',
  seq: 4,
  index: 12,
  tokens: new Uint32Array(0),
  text: '',
  done: true,
  finishReason: 'stop',
  trace: {
    drafterId: 'd0',
    startedAt: 1_700_000_000_000,
    spans: [
      { kind: 'draft', start: 0, end: 0.4, epoch: 0, pos: 7, n: 4 },
      {
        kind: 'verify',
        start: 0.4,
        end: 2.5,
        epoch: 0,
        pos: 7,
        n: 4,
        taskId: 's:t0',
        verifierId: 'v1',
        accepted: 2,
        outcome: 'rejected',
      },
      { kind: 'verify', start: 0.9, end: 2.6, epoch: 0, pos: 11, n: 4, taskId: 's:t1', outcome: 'preempted' },
    ],
    dropped: 0,
  },
};

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpecmeshError);
    return (err as SpecmeshError).code;
  }
  throw new Error('expected a typed error');
}

describe('tokens: trace and textEnds', () => {
  it('round-trips a last chunk carrying the speculation trace, and a chunk with textEnds', () => {
    expect(decodeMessage(codec.encode('tokens', last), 'tokens').body).toEqual(last);
    const mid: BodyOf<'tokens'> = {
      requestId: 'req-1',
      seq: 0,
      index: 0,
      tokens: Uint32Array.of(5, 6),
      text: ' a b',
      textEnds: Uint32Array.of(2, 4),
      done: false,
    };
    const back = decodeMessage(codec.encode('tokens', mid), 'tokens').body;
    expect(back.textEnds).toBeInstanceOf(Uint32Array);
    expect(back).toEqual(mid);
  });

  it('fits the largest trace (every span at its longest) in a last chunk under the kind limit', () => {
    const long = 'x'.repeat(128);
    const worst = structuredClone(last);
    worst.requestId = long;
    worst.error = { code: 'E_INTERNAL', message: 'm'.repeat(1000), retryable: false };
    worst.trace!.drafterId = long;
    worst.trace!.spans = Array.from({ length: MAX_TRACE_SPANS }, (_, i) => ({
      kind: 'verify' as const,
      start: 123_456.789 + i,
      end: 123_457.123 + i,
      epoch: 0xffff_ffff,
      pos: 0xffff_ffff,
      n: 0xffff_ffff,
      taskId: long,
      verifierId: long,
      accepted: 0xffff_ffff,
      outcome: 'preempted' as const,
    }));
    worst.trace!.dropped = 0xffff_ffff;
    expect(decodeMessage(codec.encode('tokens', worst), 'tokens').body.trace?.spans).toHaveLength(
      MAX_TRACE_SPANS,
    );
  });

  it('rejects a malformed span and an oversized trace with E_SCHEMA', () => {
    const badOutcome = structuredClone(last);
    (badOutcome.trace!.spans[1] as { outcome: string }).outcome = 'maybe';
    expect(codeOf(() => codec.encode('tokens', badOutcome))).toBe(ErrorCode.Schema);
    const tooMany = structuredClone(last);
    tooMany.trace!.spans = Array.from({ length: MAX_TRACE_SPANS + 1 }, () => last.trace!.spans[0]!);
    expect(codeOf(() => codec.encode('tokens', tooMany))).toBe(ErrorCode.Schema);
  });
});
