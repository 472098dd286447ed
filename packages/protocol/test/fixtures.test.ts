/**
 * The published test vectors and schema snapshots (fixtures/) agree with the code: every vector's bytes
 * decode to its JSON and its JSON encodes to its bytes, every kind has a vector, this minor's schema
 * snapshot is the code's, and the schemas only added to earlier minors'. When a schema changes on
 * purpose, `npm run fixtures:protocol -w @specmesh/protocol` rewrites them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { Codec, decodeMessage } from '../src/codec.js';
import { SpecmeshError } from '../src/errors.js';
import { MESSAGE_KIND_NAMES, type MessageKind } from '../src/kinds.js';
import { prefixHash } from '../src/prefix-hash.js';
import { fromJson, toJson } from '../src/spec/json-wire.js';
import { compatibilityProblems, type SchemaSnapshot, snapshotSchemas } from '../src/spec/schema-snapshot.js';
import type { PrefixHashVector, TestVector } from '../src/spec/test-vectors.js';
import { PROTOCOL_VERSION } from '../src/subjects.js';
import { PROTOCOL_MINOR } from '../src/versioning.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);
const REGENERATE = 'run `npm run fixtures:protocol -w @specmesh/protocol` after a deliberate change';
const raw = new Packr({ useRecords: false, moreTypes: true });

const vectors: TestVector[] = readdirSync(new URL('vectors/', FIXTURES))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(new URL(`vectors/${f}`, FIXTURES), 'utf8')) as TestVector);

const bytesOf = (v: TestVector) => Uint8Array.from(Buffer.from(v.hex, 'hex'));
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');

function snapshotOf(minor: number): SchemaSnapshot | undefined {
  const url = new URL(`schemas/${PROTOCOL_VERSION}.${minor}.json`, FIXTURES);
  return existsSync(url) ? (JSON.parse(readFileSync(url, 'utf8')) as SchemaSnapshot) : undefined;
}

describe('test vectors', () => {
  it('cover every message kind and the version rules', () => {
    const kinds = new Set(vectors.flatMap((v) => ('decoded' in v.expect ? [v.expect.decoded.kind] : [])));
    expect(
      [...MESSAGE_KIND_NAMES].filter((k) => !kinds.has(k)),
      REGENERATE,
    ).toEqual([]);
    const names = vectors.map((v) => v.name);
    for (const name of ['compat-older-minor', 'compat-newer-minor', 'compat-other-major'])
      expect(names).toContain(name);
  });

  it.each(vectors.map((v) => [v.name, v] as const))(
    '%s: the JSON describes exactly the bytes',
    (_name, v) => {
      expect(raw.unpack(bytesOf(v))).toStrictEqual(fromJson(v.wire));
      // Packing the JSON gives the same bytes: the wire form is fully determined by the map.
      expect(hexOf(raw.pack(fromJson(v.wire)))).toBe(v.hex);
    },
  );

  it.each(vectors.map((v) => [v.name, v] as const))(
    '%s: a receiver of this build yields what it says',
    (_name, v) => {
      const bytes = bytesOf(v);
      if ('error' in v.expect) {
        let error: unknown;
        try {
          decodeMessage(bytes);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(SpecmeshError);
        expect((error as SpecmeshError).code).toBe(v.expect.error.code);
        if (v.expect.error.context) expect((error as SpecmeshError).context).toEqual(v.expect.error.context);
        return;
      }
      const want = v.expect.decoded;
      const got = decodeMessage(bytes);
      expect({ ...got, body: toJson(got.body) }).toEqual(want);
      expect(got.body).toStrictEqual(fromJson(want.body));
    },
  );

  // What this build sends is byte for byte what the vectors of its own minor hold. The compat-* vectors
  // stand for other builds' messages (packed by hand), so only their decoding is this build's.
  it.each(
    vectors
      .filter(
        (v) =>
          'decoded' in v.expect && v.expect.decoded.minor === PROTOCOL_MINOR && !v.name.startsWith('compat-'),
      )
      .map((v) => [v.name, v] as const),
  )('%s: this build encodes the message to exactly these bytes', (_name, v) => {
    if (!('decoded' in v.expect)) return;
    const d = v.expect.decoded;
    const codec = new Codec({ from: d.from, now: () => d.time });
    const body = fromJson(d.body);
    const bytes = codec.encode(d.kind as MessageKind, body as never, {
      id: d.id,
      ...(d.traceId !== undefined ? { traceId: d.traceId } : {}),
    });
    expect(hexOf(bytes), REGENERATE).toBe(v.hex);
  });
});

describe('prefix hash vectors', () => {
  const hashes = JSON.parse(
    readFileSync(new URL('prefix-hash.json', FIXTURES), 'utf8'),
  ) as PrefixHashVector[];

  it.each(hashes.map((h) => [h.tokens.length, h] as const))('%s tokens hash as recorded', (_n, h) => {
    expect(prefixHash(Uint32Array.from(h.tokens), h.tokens.length), REGENERATE).toBe(h.hash);
  });
});

describe('schema snapshots', () => {
  it(`v${PROTOCOL_VERSION}.${PROTOCOL_MINOR}'s snapshot is the code's schemas`, () => {
    expect(snapshotOf(PROTOCOL_MINOR), REGENERATE).toEqual(snapshotSchemas());
  });

  it.each(Array.from({ length: PROTOCOL_MINOR }, (_, minor) => minor))(
    `the schemas only add to v${PROTOCOL_VERSION}.%s's (else the major must change)`,
    (minor) => {
      const older = snapshotOf(minor);
      expect(older, `fixtures/schemas/${PROTOCOL_VERSION}.${minor}.json`).toBeDefined();
      expect(compatibilityProblems(older!, snapshotSchemas())).toEqual([]);
    },
  );

  it('the compatibility check refuses what would break an older peer', () => {
    const now = snapshotSchemas();
    const edit = (kind: string, f: (body: Record<string, unknown>) => void): SchemaSnapshot => {
      const copy = JSON.parse(JSON.stringify(now)) as Record<string, Record<string, unknown>>;
      f(copy[kind]!);
      return copy;
    };
    const props = (b: Record<string, unknown>) => b['properties'] as Record<string, Record<string, unknown>>;
    // An added optional field is fine; the rest are not.
    const added = edit('submit', (b) => {
      props(b)['priority'] = { $kind: 'Integer', type: 'integer' };
    });
    expect(compatibilityProblems(now, added)).toEqual([]);
    const required = edit('submit', (b) => {
      props(b)['priority'] = { $kind: 'Integer', type: 'integer' };
      (b['required'] as string[]).push('priority');
    });
    expect(compatibilityProblems(now, required)).toEqual(['submit.priority: added as a required field']);
    const removed = edit('verify.result', (b) => {
      delete props(b)['queueMs'];
      b['required'] = (b['required'] as string[]).filter((k) => k !== 'queueMs');
    });
    expect(compatibilityProblems(now, removed)).toEqual(['verify.result.queueMs: removed']);
    const narrowed = edit('verify.result', (b) => {
      props(b)['accepted']!['maximum'] = 32;
    });
    expect(compatibilityProblems(now, narrowed)[0]).toMatch(/^verify\.result\.accepted: changed from/);
    const { preempt: _gone, ...withoutPreempt } = now;
    expect(compatibilityProblems(now, withoutPreempt)).toEqual(['preempt: kind removed']);
  });
});
