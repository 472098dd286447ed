/** Protocol versions: which peers a receiver accepts, and what it does with a newer minor's fields. */
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { Codec, decodeMessage } from '../src/codec.js';
import { ErrorCode, fromWireError, SpecmeshError, toWireError, VersionError } from '../src/errors.js';
import type { MessageKind } from '../src/kinds.js';
import { sampleBodies } from '../src/samples.js';
import { PROTOCOL_VERSION } from '../src/subjects.js';
import { MINOR_RELEASES, PROTOCOL_MINOR } from '../src/versioning.js';

const codec = new Codec({ from: 'peer', now: () => 1_700_000_000_000 });
const raw = new Packr({ useRecords: false, moreTypes: true });
const bodies = sampleBodies();

/** The raw envelope this build writes for a sample body, to be altered into another peer's message. */
function wireOf(kind: MessageKind): Record<string, unknown> {
  return raw.unpack(codec.encode(kind, bodies[kind] as never)) as Record<string, unknown>;
}

function errorOf(fn: () => unknown): SpecmeshError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpecmeshError);
    return err as SpecmeshError;
  }
  throw new Error('expected a typed error');
}

describe('the envelope carries major and minor', () => {
  it('stamps this build’s major as v and minor as vm', () => {
    const w = wireOf('session.ok');
    expect(w['v']).toBe(PROTOCOL_VERSION);
    expect(w['vm']).toBe(PROTOCOL_MINOR);
    expect(decodeMessage(codec.encode('session.ok', bodies['session.ok']))).toMatchObject({
      v: PROTOCOL_VERSION,
      minor: PROTOCOL_MINOR,
    });
  });

  it('the history of minors ends at this build’s minor, one entry per minor', () => {
    expect(MINOR_RELEASES.map((r) => r.minor)).toEqual(
      Array.from({ length: PROTOCOL_MINOR + 1 }, (_, i) => i),
    );
  });
});

describe('same major, any minor: accepted', () => {
  it('an older minor (no vm: a peer from before minors existed) is accepted as minor 0', () => {
    const w = wireOf('tokens');
    delete w['vm'];
    const msg = decodeMessage(raw.pack(w), 'tokens');
    expect(msg.minor).toBe(0);
    expect(msg.body).toEqual(bodies.tokens);
    expect(msg.ignoredFields).toBeUndefined();
  });

  it('a message lacking optional fields added in later minors is accepted', () => {
    const { resume: _resume, avoid: _avoid, ...older } = { ...bodies.submit, avoid: ['d1'] };
    const w = { ...wireOf('submit'), vm: 0, b: older };
    expect(decodeMessage(raw.pack(w), 'submit').body).toEqual(older);
  });

  it('a newer minor’s unknown fields are dropped, top level and nested, and reported', () => {
    const b = wireOf('submit')['b'] as Record<string, unknown>;
    const newer = {
      ...b,
      priority: 3,
      sampling: { ...(b['sampling'] as object), minP: 0.05 },
    };
    const msg = decodeMessage(raw.pack({ ...wireOf('submit'), vm: PROTOCOL_MINOR + 1, b: newer }), 'submit');
    expect(msg.minor).toBe(PROTOCOL_MINOR + 1);
    expect(msg.body).toEqual(bodies.submit);
    // In document order: `sampling` keeps its place, `priority` comes last.
    expect(msg.ignoredFields).toEqual(['/sampling/minP', '/priority']);
  });

  it('a newer minor’s unknown fields inside array items are dropped too', () => {
    const w = wireOf('batch');
    const b = w['b'] as { tasks: Record<string, unknown>[] };
    b.tasks[1] = { ...b.tasks[1], speculative: true };
    const msg = decodeMessage(raw.pack({ ...w, vm: PROTOCOL_MINOR + 7 }), 'batch');
    expect(msg.body).toEqual(bodies.batch);
    expect(msg.ignoredFields).toEqual(['/tasks/1/speculative']);
  });

  it('open maps keep every key at any minor', () => {
    const w = wireOf('heartbeat');
    const b = { ...(w['b'] as object), meta: { model: 'm', gpu: 'h100' } };
    const msg = decodeMessage(raw.pack({ ...w, vm: PROTOCOL_MINOR + 1, b }), 'heartbeat');
    expect(msg.body.meta).toEqual({ model: 'm', gpu: 'h100' });
    expect(msg.ignoredFields).toBeUndefined();
  });

  it('a newer minor’s known fields are still validated strictly', () => {
    const b = { ...(wireOf('verify.result')['b'] as object), accepted: -1, confidence: 0.9 };
    const w = { ...wireOf('verify.result'), vm: PROTOCOL_MINOR + 1, b };
    expect(errorOf(() => decodeMessage(raw.pack(w))).code).toBe(ErrorCode.Schema);
  });

  it('an unknown field from this or an older minor is a sender bug: E_SCHEMA', () => {
    for (const vm of [PROTOCOL_MINOR, 0, undefined]) {
      const w = { ...wireOf('session.cancel'), vm, b: { ...bodies['session.cancel'], urgency: 1 } };
      if (vm === undefined) delete w.vm;
      expect(errorOf(() => decodeMessage(raw.pack(w))).code).toBe(ErrorCode.Schema);
    }
  });

  it('a kind a newer minor added is unknown here: E_UNKNOWN_KIND, not E_VERSION', () => {
    const w = { ...wireOf('session.ok'), vm: PROTOCOL_MINOR + 1, k: 'session.migrate' };
    expect(errorOf(() => decodeMessage(raw.pack(w))).code).toBe(ErrorCode.UnknownKind);
  });

  it('envelope keys a newer minor adds are ignored', () => {
    const w = { ...wireOf('session.ok'), vm: PROTOCOL_MINOR + 1, pr: 5 };
    expect(decodeMessage(raw.pack(w)).body).toEqual(bodies['session.ok']);
  });
});

describe('another major: refused with E_VERSION', () => {
  it.each([
    [PROTOCOL_VERSION + 1, 0],
    [PROTOCOL_VERSION - 1, 3],
    [PROTOCOL_VERSION + 1, PROTOCOL_MINOR],
  ])('v%s.%s → VersionError carrying both versions', (v, vm) => {
    const err = errorOf(() => decodeMessage(raw.pack({ ...wireOf('session.ok'), v, vm })));
    expect(err).toBeInstanceOf(VersionError);
    expect(err.code).toBe(ErrorCode.Version);
    expect(err.retryable).toBe(false);
    expect(err.context).toEqual({
      got: v,
      gotMinor: vm,
      supported: PROTOCOL_VERSION,
      supportedMinor: PROTOCOL_MINOR,
    });
    expect(err.message).toContain(`protocol version ${v}.${vm} is not supported`);
  });

  it('is checked before the kind: a v2 message of a kind unknown here is still E_VERSION', () => {
    const w = { ...wireOf('session.ok'), v: PROTOCOL_VERSION + 1, k: 'session.migrate' };
    expect(errorOf(() => decodeMessage(raw.pack(w))).code).toBe(ErrorCode.Version);
  });

  it.each([
    ['a missing v', { v: undefined }],
    ['a string v', { v: String(PROTOCOL_VERSION) }],
    ['a fractional vm', { vm: 1.5 }],
    ['a negative vm', { vm: -1 }],
    ['a string vm', { vm: '1' }],
  ])('%s → E_VERSION', (_what, patch) => {
    const w: Record<string, unknown> = { ...wireOf('session.ok'), ...patch };
    if ('v' in patch && patch.v === undefined) delete w['v'];
    expect(errorOf(() => decodeMessage(raw.pack(w))).code).toBe(ErrorCode.Version);
  });

  it('the versions survive the wire: the requester rebuilds the VersionError', () => {
    const err = errorOf(() => decodeMessage(raw.pack({ ...wireOf('session.ok'), v: 3, vm: 0 })));
    const back = fromWireError(toWireError(err));
    expect(back).toBeInstanceOf(VersionError);
    expect(back.context['got']).toBe(3);
    expect(back.context['supported']).toBe(PROTOCOL_VERSION);
  });
});
