/**
 * Seeded generator of bad wire messages for one subject: random bytes, malformed msgpack, bad
 * envelopes, wrong protocol versions, unknown kinds, valid messages of a kind the subject does not
 * take, schema violations (missing, extra, wrong-typed fields, negative counts) and messages just under
 * and just over the size limit of the subject's kind.
 *
 * Every case carries the refusal the codec itself gives for its bytes on that subject (`decodeMessage`
 * with the subject's kinds is the specification of what a receiver must answer); a mutation that
 * happens to leave the message valid is thrown away and drawn again, so every case is bad. Each
 * category also checks that it produced the code it is meant to, so a category cannot silently turn
 * into another.
 */
import {
  type BodyOf,
  Codec,
  ErrorCode,
  MESSAGE_KIND_NAMES,
  MESSAGE_KINDS,
  type MessageKind,
  tryDecodeMessage,
} from '@specmesh/protocol';
import { sampleBodies } from '@specmesh/protocol/internal';
import { Packr } from 'msgpackr';

/** Small seeded PRNG (mulberry32): a failing run is replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The categories of bad input, in table order, with the codes each may be refused with. */
export const DECODE_CATEGORIES = {
  'random bytes': [ErrorCode.Decode, ErrorCode.Version],
  'malformed msgpack': [ErrorCode.Decode],
  'bad envelope': [ErrorCode.Decode],
  'wrong version': [ErrorCode.Version],
  'unknown kind': [ErrorCode.UnknownKind],
  'kind not taken here': [ErrorCode.UnknownKind],
  'schema: missing field': [ErrorCode.Schema],
  'schema: extra field': [ErrorCode.Schema],
  'schema: wrong type': [ErrorCode.Schema],
  'schema: negative count': [ErrorCode.Schema],
  'just under the size limit': [ErrorCode.Schema],
  'just over the size limit': [ErrorCode.TooLarge],
} as const satisfies Record<string, readonly ErrorCode[]>;

export type DecodeCategory = keyof typeof DECODE_CATEGORIES;
export const DECODE_CATEGORY_NAMES = Object.keys(DECODE_CATEGORIES) as DecodeCategory[];

/** A subject of the cluster and what its receivers take there. */
export interface FuzzTarget {
  /** Row name in the summary, e.g. `session.<drafterId>`. */
  readonly name: string;
  readonly subject: string;
  /** `request`: the sender waits for a reply; `publish`: fire and forget. */
  readonly pattern: 'request' | 'publish';
  /** Kinds the receivers accept on this subject. */
  readonly accepts: readonly MessageKind[];
  /** The kind whose valid sample body the schema mutations start from (one of `accepts`). */
  readonly base: MessageKind;
}

/** One bad message and the refusal it must get. */
export interface FuzzCase {
  readonly category: DecodeCategory;
  readonly bytes: Uint8Array;
  readonly code: ErrorCode;
}

// The wire's msgpack settings (see the codec): plain maps, typed arrays as ext 0x74.
const packr = new Packr({ useRecords: false, moreTypes: true, mapsAsObjects: true, int64AsType: 'number' });
const codec = new Codec({ from: 'fuzzer', validateOnEncode: false });

type Wire = Record<string, unknown>;

/** The envelope of a valid message of `kind`, as a plain object to mutate. */
function validWire(kind: MessageKind): Wire {
  const body = structuredClone(sampleBodies()[kind]);
  return packr.unpack(codec.encode(kind, body as never)) as Wire;
}

/** Pads the body of `wire` with an unknown field until the packed message is exactly `bytes` long. */
function paddedTo(wire: Wire, bytes: number): Uint8Array {
  const body = wire['b'] as Record<string, unknown>;
  let pad = 0;
  for (let i = 0; i < 8; i++) {
    body['zzPadding'] = 'x'.repeat(Math.max(0, pad));
    const size = packr.pack(wire).byteLength;
    if (size === bytes) break;
    pad += bytes - size;
  }
  return packr.pack(wire);
}

const WRONG_VALUES: readonly unknown[] = [
  'text',
  -1,
  1.5,
  null,
  true,
  [1, 2, 3],
  { nested: 1 },
  new Float32Array(2),
  new Uint32Array(2),
  '',
  2 ** 40,
];

/** Paths to every field of `value` (objects only; arrays and typed arrays are leaves), depth first. */
function fieldPaths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value))
    return [];
  const out: string[][] = [];
  for (const [k, v] of Object.entries(value)) {
    out.push([...prefix, k]);
    out.push(...fieldPaths(v, [...prefix, k]));
  }
  return out;
}

function parentOf(root: Record<string, unknown>, path: string[]): Record<string, unknown> {
  let o = root;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>;
  return o;
}

/** Seeded generator of bad messages for one target. */
export class BadInputGenerator {
  private readonly rand: () => number;

  constructor(seed: number) {
    this.rand = seededRandom(seed);
  }

  private int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  /** `count` bad messages for `target`, cycling through the categories. */
  casesFor(target: FuzzTarget, count: number): FuzzCase[] {
    const out: FuzzCase[] = [];
    for (let i = 0; i < count; i++) {
      const category = DECODE_CATEGORY_NAMES[i % DECODE_CATEGORY_NAMES.length]!;
      out.push(this.caseOf(target, category));
    }
    return out;
  }

  /** One bad message of `category`; draws again while a mutation leaves the message valid. */
  caseOf(target: FuzzTarget, category: DecodeCategory): FuzzCase {
    for (let attempt = 0; attempt < 100; attempt++) {
      const bytes = this.make(target, category);
      const verdict = tryDecodeMessage(bytes, target.accepts);
      if (verdict.ok) continue;
      const code = verdict.error.code;
      const allowed: readonly ErrorCode[] = DECODE_CATEGORIES[category];
      if (!allowed.includes(code)) {
        throw new Error(
          `fuzz generator: a "${category}" case for ${target.name} decodes as ${code} (${verdict.error.message})`,
        );
      }
      return { category, bytes, code };
    }
    throw new Error(`fuzz generator: no invalid "${category}" case for ${target.name} in 100 draws`);
  }

  private make(target: FuzzTarget, category: DecodeCategory): Uint8Array {
    const wire = validWire(target.base);
    const body = wire['b'] as Record<string, unknown>;
    // A kind without fields (`ping`) has nothing to delete, retype or negate: the body itself goes.
    if (
      category.startsWith('schema: ') &&
      category !== 'schema: extra field' &&
      fieldPaths(body).length === 0
    ) {
      wire['b'] = this.pick(WRONG_VALUES);
      return packr.pack(wire);
    }
    switch (category) {
      case 'random bytes':
        return Uint8Array.from({ length: this.int(200) }, () => this.int(256));
      case 'malformed msgpack': {
        const valid = packr.pack(wire);
        const how = this.int(3);
        // Cut short; a byte msgpack never uses (0xc1); or a map header promising more entries than follow.
        if (how === 0) return valid.subarray(0, 1 + this.int(valid.byteLength - 2));
        if (how === 1) return Uint8Array.of(0x80 | 7, 0xa1, 0x76, 0xc1, ...valid.subarray(1, 20));
        return Uint8Array.of(0xdf, 0, 0, 0xff, 0xff, ...valid.subarray(1));
      }
      case 'bad envelope': {
        const how = this.int(4);
        if (how === 0) return packr.pack([1, target.base, 'fuzzer']);
        if (how === 1) return packr.pack(this.pick([42, 'envelope', null, true]));
        const key = this.pick(['f', 'i', 't']);
        if (how === 2) delete wire[key];
        else wire[key] = this.pick([17, null, ['x'], { a: 1 }].filter((v) => typeof v !== typeof wire[key]));
        return packr.pack(wire);
      }
      case 'wrong version':
        wire['v'] = this.pick([0, 2, 99, -1, 1.5, '1', null, [1], undefined]);
        if (wire['v'] === undefined) delete wire['v'];
        return packr.pack(wire);
      case 'unknown kind':
        wire['k'] = this.pick(['nope', '', 'verify.task.v2', 'SUBMIT', 7, null]);
        return packr.pack(wire);
      case 'kind not taken here': {
        const other = this.pick(MESSAGE_KIND_NAMES.filter((k) => !target.accepts.includes(k)));
        return codec.encode(other, structuredClone(sampleBodies()[other]) as never);
      }
      case 'schema: missing field': {
        const path = this.pick(fieldPaths(body));
        delete parentOf(body, path)[path.at(-1)!];
        return packr.pack(wire);
      }
      case 'schema: extra field': {
        const paths = fieldPaths(body).filter((p) => {
          const v = parentOf(body, p)[p.at(-1)!];
          return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
        });
        const into = paths.length > 0 && this.rand() < 0.5 ? parentOf(body, [...this.pick(paths), '']) : body;
        into[this.pick(['extra', 'admin', '__proto_', 'zz'])] = this.pick(WRONG_VALUES);
        return packr.pack(wire);
      }
      case 'schema: wrong type': {
        const path = this.pick(fieldPaths(body));
        const parent = parentOf(body, path);
        const key = path.at(-1)!;
        const was = parent[key];
        parent[key] = this.pick(
          WRONG_VALUES.filter((v) => typeof v !== typeof was || ArrayBuffer.isView(was)),
        );
        return packr.pack(wire);
      }
      case 'schema: negative count': {
        const numeric = fieldPaths(body).filter((p) => typeof parentOf(body, p)[p.at(-1)!] === 'number');
        const path = numeric.length > 0 ? this.pick(numeric) : this.pick(fieldPaths(body));
        parentOf(body, path)[path.at(-1)!] = -1 - this.int(1000);
        return packr.pack(wire);
      }
      case 'just under the size limit':
        return paddedTo(wire, MESSAGE_KINDS[target.base].maxBytes - this.int(64));
      case 'just over the size limit':
        return paddedTo(wire, MESSAGE_KINDS[target.base].maxBytes + 1 + this.int(1000));
    }
  }
}

/** A valid body of `kind` (a fresh copy of the protocol's sample), for tests to build semantic cases on. */
export function sampleBody<K extends MessageKind>(kind: K): BodyOf<K> {
  return structuredClone(sampleBodies()[kind]) as BodyOf<K>;
}
