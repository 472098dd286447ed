/**
 * Test vectors for other implementations of the protocol (`fixtures/vectors/*.json`, written by
 * `npm run fixtures:protocol`): per vector, the exact bytes, the msgpack map they hold (JSON form of
 * json-wire.ts) and what a receiver of this build makes of them, a message or an error.
 *
 * One vector per kind from the sample bodies, a few more that exercise optional parts, and the version
 * rules: an older minor (accepted), a newer minor with unknown fields (accepted, fields dropped), an
 * unknown field at this minor (refused) and another major (refused with E_VERSION). Deterministic:
 * fixed sender, message ids and time.
 */
import { Packr } from 'msgpackr';
import { Codec, decodeMessage, type EncodeOptions, WIRE_PACKR_OPTIONS } from '../codec.js';
import { type ErrorContext, SpecmeshError } from '../errors.js';
import { type BodyOf, MESSAGE_KIND_NAMES, type MessageKind } from '../kinds.js';
import { prefixHash } from '../prefix-hash.js';
import { sampleBodies, sampleVerifyTask } from '../samples.js';
import { PROTOCOL_VERSION } from '../subjects.js';
import { PROTOCOL_MINOR } from '../versioning.js';
import { toJson } from './json-wire.js';

/** Sender id and clock of every vector. */
export const VECTOR_FROM = 'vector-sender';
export const VECTOR_TIME = 1_700_000_000_123;

/** What a receiver of this build yields for a vector. */
export type VectorOutcome =
  | {
      readonly decoded: {
        readonly v: number;
        readonly minor: number;
        readonly kind: MessageKind;
        readonly from: string;
        readonly id: string;
        readonly time: number;
        readonly traceId?: string;
        readonly body: unknown;
        readonly ignoredFields?: readonly string[];
      };
    }
  | { readonly error: { readonly code: string; readonly context?: ErrorContext } };

export interface TestVector {
  /** File name without `.json`. */
  readonly name: string;
  readonly description: string;
  /** The message as bytes, lowercase hex. */
  readonly hex: string;
  /** The msgpack map in the bytes, in JSON form, keys in wire order. */
  readonly wire: unknown;
  readonly expect: VectorOutcome;
}

const packr = new Packr(WIRE_PACKR_OPTIONS);
const codec = new Codec({ from: VECTOR_FROM, now: () => VECTOR_TIME });

/** Decodes as a receiver would and records the outcome; `withContext` keeps the error's context. */
function outcomeOf(bytes: Uint8Array, withContext: boolean): VectorOutcome {
  try {
    const m = decodeMessage(bytes);
    return {
      decoded: {
        v: m.v,
        minor: m.minor,
        kind: m.kind,
        from: m.from,
        id: m.id,
        time: m.time,
        ...(m.traceId !== undefined ? { traceId: m.traceId } : {}),
        body: toJson(m.body),
        ...(m.ignoredFields ? { ignoredFields: m.ignoredFields } : {}),
      },
    };
  } catch (err) {
    if (!(err instanceof SpecmeshError)) throw err;
    return { error: { code: err.code, ...(withContext ? { context: err.context } : {}) } };
  }
}

function vector(name: string, description: string, bytes: Uint8Array, withContext = false): TestVector {
  return {
    name,
    description,
    hex: Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join(''),
    wire: toJson(packr.unpack(bytes)),
    expect: outcomeOf(bytes, withContext),
  };
}

function encoded<K extends MessageKind>(kind: K, body: BodyOf<K>, options: EncodeOptions = {}): Uint8Array {
  return codec.encode(kind, body, { id: `m-${kind}`, ...options });
}

/** This build's envelope of `kind` with the sample body, as a mutable map to alter. */
function envelope(kind: MessageKind): Record<string, unknown> {
  return packr.unpack(encoded(kind, sampleBodies()[kind] as never)) as Record<string, unknown>;
}

/** The last chunk of a request: tokens with text offsets, the finish reason and the speculation trace. */
function finalChunk(): BodyOf<'tokens'> {
  return {
    requestId: 'req-1',
    sessionId: 'sess-1',
    seq: 4,
    index: 12,
    tokens: Uint32Array.of(278, 17_354),
    text: ' jumps',
    sources: Uint8Array.of(1, 0),
    textEnds: Uint32Array.of(1, 6),
    trace: {
      drafterId: 'drafter-a',
      startedAt: 1_700_000_000_000,
      spans: [
        { kind: 'draft', start: 0, end: 0.5, epoch: 0, pos: 12, n: 4 },
        {
          kind: 'verify',
          start: 0.5,
          end: 3.25,
          epoch: 0,
          pos: 12,
          n: 4,
          taskId: 'sess-1:t:0',
          verifierId: 'verifier-a',
          accepted: 1,
          outcome: 'rejected',
        },
      ],
      dropped: 0,
    },
    done: true,
    finishReason: 'length',
  };
}

/** Every vector, in a stable order. */
export function buildTestVectors(): TestVector[] {
  const bodies = sampleBodies();
  const out: TestVector[] = MESSAGE_KIND_NAMES.map((kind) =>
    vector(
      kind,
      `A \`${kind}\` message of this build (v${PROTOCOL_VERSION}.${PROTOCOL_MINOR}).`,
      encoded(kind, bodies[kind] as never),
    ),
  );
  const greedy = sampleVerifyTask(3, 1, 2);
  delete greedy.draftProbs;
  delete greedy.draftDist;
  out.push(
    vector(
      'verify.task-greedy',
      'A greedy `verify.task`: no draft probabilities or distributions.',
      encoded('verify.task', { ...greedy, sampling: { temperature: 0, topK: 0, topP: 1, seed: 0 } }),
    ),
    vector(
      'tokens-final',
      'The last `tokens` chunk: text offsets, finish reason and speculation trace; with a trace id (`tr`).',
      encoded('tokens', finalChunk(), { traceId: 'trace-7f3a' }),
    ),
  );

  // The version rules. These envelopes come from other builds, so they are packed by hand.
  const older = envelope('tokens');
  delete older['vm'];
  out.push(
    vector(
      'compat-older-minor',
      `A \`tokens\` message from a v${PROTOCOL_VERSION}.0 sender (no \`vm\`): accepted as minor 0.`,
      packr.pack(older),
    ),
  );

  const newer = envelope('submit');
  const body = newer['b'] as Record<string, unknown>;
  newer['vm'] = PROTOCOL_MINOR + 1;
  newer['b'] = { ...body, priority: 3, sampling: { ...(body['sampling'] as object), minP: 0.05 } };
  out.push(
    vector(
      'compat-newer-minor',
      `A \`submit\` from a v${PROTOCOL_VERSION}.${PROTOCOL_MINOR + 1} sender with fields this build does not know (\`priority\`, \`sampling.minP\`): accepted, the unknown fields dropped and listed.`,
      packr.pack(newer),
    ),
  );

  const sameMinor = envelope('session.cancel');
  sameMinor['b'] = { ...(sameMinor['b'] as object), urgency: 1 };
  out.push(
    vector(
      'compat-unknown-field',
      `A \`session.cancel\` of this minor with a field its schema lacks: refused with E_SCHEMA (a sender bug, not a newer minor).`,
      packr.pack(sameMinor),
    ),
  );

  const otherMajor = envelope('session.ok');
  otherMajor['v'] = PROTOCOL_VERSION + 1;
  otherMajor['vm'] = 0;
  out.push(
    vector(
      'compat-other-major',
      `A \`session.ok\` of protocol v${PROTOCOL_VERSION + 1}.0: refused with E_VERSION, the error carrying both versions.`,
      packr.pack(otherMajor),
      true,
    ),
  );
  return out;
}

/** One input of the prefix hash (`verify.task.baseHash`) and its value. */
export interface PrefixHashVector {
  readonly tokens: readonly number[];
  readonly hash: string;
}

/** Prefix hash vectors (`fixtures/prefix-hash.json`): empty, short, large ids, a longer prefix. */
export function buildPrefixHashVectors(): PrefixHashVector[] {
  const inputs: number[][] = [
    [],
    [0],
    [1, 2, 3],
    [70_000, 0xffff_ffff],
    Array.from({ length: 100 }, (_, i) => (i * 7919) % 32_000),
  ];
  return inputs.map((tokens) => ({ tokens, hash: prefixHash(tokens, tokens.length) }));
}
