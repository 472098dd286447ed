import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { Codec, decodeMessage, tryDecodeMessage } from '../src/codec.js';
import { ErrorCode, SpecmeshError } from '../src/errors.js';
import { MESSAGE_KIND_NAMES, MESSAGE_KINDS, type MessageKind } from '../src/kinds.js';
import { sampleBodies, sampleVerifyTask } from '../src/samples.js';

const codec = new Codec({ from: 'test-sender', now: () => 1_700_000_000_123 });
const raw = new Packr({ useRecords: false, moreTypes: true });

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpecmeshError);
    return (err as SpecmeshError).code;
  }
  throw new Error('expected a typed error');
}

function envelopeOf(kind: MessageKind): Record<string, unknown> {
  return raw.unpack(codec.encode(kind, sampleBodies()[kind] as never)) as Record<string, unknown>;
}

describe('codec round trip', () => {
  const bodies = sampleBodies();

  it.each(MESSAGE_KIND_NAMES)('%s survives encode/decode with typed arrays intact', (kind) => {
    const bytes = codec.encode(kind, bodies[kind] as never, { traceId: 'trace-1' });
    const msg = decodeMessage(bytes, kind);
    expect(msg.kind).toBe(kind);
    expect(msg.from).toBe('test-sender');
    expect(msg.time).toBe(1_700_000_000_123);
    expect(msg.traceId).toBe('trace-1');
    expect(msg.body).toEqual(bodies[kind]);
  });

  it('keeps the exact element types of token ids and probabilities', () => {
    const task = sampleVerifyTask();
    const back = decodeMessage(codec.encode('verify.task', task), 'verify.task').body;
    expect(back.drafts).toBeInstanceOf(Uint32Array);
    expect(back.draftProbs).toBeInstanceOf(Float32Array);
    expect(back.draftDist?.tokens).toBeInstanceOf(Uint32Array);
    expect(Array.from(back.drafts)).toEqual(Array.from(task.drafts));
    expect(Array.from(back.draftDist!.probs)).toEqual(Array.from(task.draftDist!.probs));
    // Token ids above 2^16 must not be truncated by the typed-array extension.
    const big = decodeMessage(
      codec.encode('tokens', { ...bodies.tokens, tokens: Uint32Array.of(70_000, 0xffff_fffe) }),
      'tokens',
    );
    expect(Array.from(big.body.tokens)).toEqual([70_000, 0xffff_fffe]);
  });

  it('numbers messages uniquely per codec', () => {
    const a = decodeMessage(codec.encode('session.ok', bodies['session.ok']));
    const b = decodeMessage(codec.encode('session.ok', bodies['session.ok']));
    expect(a.id).not.toBe(b.id);
  });

  // Golden bytes pin the wire format: a change here breaks every deployed peer.
  it('produces stable golden bytes for fixed messages', () => {
    const result = codec.encode(
      'verify.result',
      {
        taskId: 't1',
        sessionId: 's1',
        epoch: 0,
        accepted: 3,
        token: 70_000,
        bonus: true,
        verifierId: 'v1',
        queueMs: 0,
        computeMs: 1.5,
      },
      { id: 'm1' },
    );
    // map16{v:2, vm:4, k:'verify.result', f:'test-sender', i:'m1', t:float64, b:map16{...}}
    expect(Buffer.from(result).toString('hex')).toBe(
      'de0007a17602a2766d04a16bad7665726966792e726573756c74a166ab746573742d73656e646572a169a26d31a174cb4278bcfe5687b000' +
        'a162de0009a67461736b4964a27431a973657373696f6e4964a27331a565706f636800a8616363657074656403a5746f6b656e' +
        'ce00011170a5626f6e7573c3aa76657269666965724964a27631a771756575654d7300a9636f6d707574654d73cb3ff8000000000000',
    );
    const tokens = codec.encode(
      'tokens',
      { requestId: 'r', seq: 0, index: 0, tokens: Uint32Array.of(1, 70_000), text: 'ab', done: true },
      { id: 'm2' },
    );
    // Token ids: ext8 (c7), 9 bytes, type 0x74, element code 06 (Uint32Array), then little-endian u32s.
    expect(Buffer.from(tokens).toString('hex')).toContain('a6746f6b656e73c70974060100000070110100');
    expect(Buffer.from(tokens).toString('hex')).toBe(
      'de0007a17602a2766d04a16ba6746f6b656e73a166ab746573742d73656e646572a169a26d32a174cb4278bcfe5687b000a162de0006' +
        'a9726571756573744964a172a373657100a5696e64657800a6746f6b656e73c70974060100000070110100a474657874a26162' +
        'a4646f6e65c3',
    );
  });
});

describe('codec rejects bad input with typed errors', () => {
  const bodies = sampleBodies();

  it('garbage bytes → E_DECODE', () => {
    expect(codeOf(() => decodeMessage(Uint8Array.of(0xc1, 0xff, 0x00)))).toBe(ErrorCode.Decode);
    expect(codeOf(() => decodeMessage(new Uint8Array(0)))).toBe(ErrorCode.Decode);
    expect(codeOf(() => decodeMessage(raw.pack([1, 2, 3])))).toBe(ErrorCode.Decode);
    expect(codeOf(() => decodeMessage(raw.pack('hello')))).toBe(ErrorCode.Decode);
  });

  it('a wrong or missing protocol version → E_VERSION', () => {
    const good = envelopeOf('session.ok');
    expect(codeOf(() => decodeMessage(raw.pack({ ...good, v: 1 })))).toBe(ErrorCode.Version);
    expect(codeOf(() => decodeMessage(raw.pack({ ...good, v: undefined })))).toBe(ErrorCode.Version);
  });

  it('an unknown or unexpected kind → E_UNKNOWN_KIND', () => {
    const good = envelopeOf('session.ok');
    expect(codeOf(() => decodeMessage(raw.pack({ ...good, k: 'nope' })))).toBe(ErrorCode.UnknownKind);
    expect(codeOf(() => decodeMessage(raw.pack({ ...good, k: '__proto__' })))).toBe(ErrorCode.UnknownKind);
    expect(codeOf(() => decodeMessage(codec.encode('session.ok', bodies['session.ok']), 'submit'))).toBe(
      ErrorCode.UnknownKind,
    );
  });

  it('an envelope without sender, id or time → E_DECODE', () => {
    const good = envelopeOf('session.ok');
    expect(codeOf(() => decodeMessage(raw.pack({ ...good, f: 7 })))).toBe(ErrorCode.Decode);
    expect(codeOf(() => decodeMessage(raw.pack({ ...good, t: 'now' })))).toBe(ErrorCode.Decode);
  });

  it.each(MESSAGE_KIND_NAMES)('a %s body that violates its schema → E_SCHEMA', (kind) => {
    const good = envelopeOf(kind);
    const extra = { ...(good['b'] as object), unexpectedField: 1 };
    expect(codeOf(() => decodeMessage(raw.pack({ ...good, b: extra })))).toBe(ErrorCode.Schema);
    expect(codeOf(() => decodeMessage(raw.pack({ ...good, b: null })))).toBe(ErrorCode.Schema);
  });

  it('typed array fields refuse plain arrays and the wrong element type', () => {
    const good = envelopeOf('verify.task');
    const body = good['b'] as Record<string, unknown>;
    for (const drafts of [[1, 2, 3], new Float32Array(3), new Int32Array(3)]) {
      expect(codeOf(() => decodeMessage(raw.pack({ ...good, b: { ...body, drafts } })))).toBe(
        ErrorCode.Schema,
      );
    }
  });

  it('an oversized message → E_TOO_LARGE, on decode and on encode', () => {
    const limit = MESSAGE_KINDS['session.ok'].maxBytes;
    const padded = raw.pack({ ...envelopeOf('session.ok'), pad: 'x'.repeat(limit) });
    expect(codeOf(() => decodeMessage(padded, 'session.ok'))).toBe(ErrorCode.TooLarge);
    // Without an expected kind the kind's own limit still applies.
    expect(codeOf(() => decodeMessage(padded))).toBe(ErrorCode.TooLarge);
    // Schema-valid (prompt text up to 4 MiB) but over the 1 MiB size limit of session.start.
    const longPrompt = { ...bodies['session.start'], prompt: 'x'.repeat(1024 * 1024) };
    expect(codeOf(() => codec.encode('session.start', longPrompt))).toBe(ErrorCode.TooLarge);
  });

  it('refuses to encode an invalid body (sender bugs never reach the wire)', () => {
    const bad = { ...bodies['verify.result'], accepted: -1 };
    expect(codeOf(() => codec.encode('verify.result', bad))).toBe(ErrorCode.Schema);
  });

  it('tryDecodeMessage returns errors instead of throwing', () => {
    const res = tryDecodeMessage(Uint8Array.of(1, 2, 3));
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.code).toBe(ErrorCode.Decode);
  });

  it('schema errors name the offending path', () => {
    const good = envelopeOf('submit');
    const body = { ...(good['b'] as object), maxTokens: 0 };
    expect(() => decodeMessage(raw.pack({ ...good, b: body }))).toThrow(/\/maxTokens/);
  });

  it('covers every kind in the design table', () => {
    const kinds: MessageKind[] = [
      'submit',
      'submit.ok',
      'session.start',
      'session.ok',
      'session.cancel',
      'session.probe',
      'verify.task',
      'verify.result',
      'batch',
      'batch.result',
      'preempt',
      'tokens',
      'heartbeat',
      'error',
      'drain',
      'drain.ok',
      'ping',
      'pong',
      'metrics.get',
      'metrics',
      'predraft',
      'predraft.result',
      'predraft.drop',
    ];
    expect([...MESSAGE_KIND_NAMES].sort()).toEqual(kinds.sort());
  });
});
