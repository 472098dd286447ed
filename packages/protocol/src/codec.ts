/**
 * The msgpack codec: the only place that turns messages into bytes and back.
 *
 * Wire form of every message (a msgpack map with short keys):
 *
 *   { v: major version, vm: minor version, k: kind, f: sender id, i: message id, t: send time (ms epoch),
 *     b: body, tr?: trace id }
 *
 * The envelope is stamped here, never by callers. Decoding checks, in order: size limit of the
 * expected kind(s), msgpack validity, envelope shape, protocol version (versioning.ts), kind, the
 * kind's size limit, body schema (after dropping a newer minor's unknown fields). Each failure is a
 * typed {@link SpecmeshError}; nothing else escapes.
 */

import type { TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { Packr } from 'msgpackr';
import { DecodeError, SchemaError, SpecmeshError, TooLargeError, UnknownKindError } from './errors.js';
import { type BodyOf, isMessageKind, MESSAGE_KIND_NAMES, MESSAGE_KINDS, type MessageKind } from './kinds.js';
import { assertSubjectToken, PROTOCOL_VERSION } from './subjects.js';
import { installTypedArrayDecoder } from './typed-array-ext.js';
import { dropUnknownFields } from './unknown-fields.js';
import { checkVersion, PROTOCOL_MINOR } from './versioning.js';

/** A decoded message: envelope facts plus the typed body. */
export interface Envelope<K extends MessageKind = MessageKind> {
  /** Protocol major version of the sender (always this build's: other majors are refused). */
  readonly v: number;
  /** Protocol minor version of the sender: the envelope's `vm`, 0 when absent. */
  readonly minor: number;
  readonly kind: K;
  /** Sender instance id. */
  readonly from: string;
  /** Message id, unique per sender. */
  readonly id: string;
  /** Sender's wall clock at encode time, ms since epoch. */
  readonly time: number;
  readonly traceId?: string;
  readonly body: BodyOf<K>;
  /**
   * Body fields of a newer minor that this build does not know and dropped before validation, as
   * JSON-pointer paths (`/sampling/minP`). Absent when nothing was dropped.
   */
  readonly ignoredFields?: readonly string[];
}

/** Any decoded message, as a discriminated union on `kind`. */
export type AnyEnvelope = { [K in MessageKind]: Envelope<K> }[MessageKind];

export interface CodecOptions {
  /** Sender id stamped into every envelope (instance id of the actor). */
  from: string;
  /** Clock for the `t` field. Defaults to `Date.now`. */
  now?: () => number;
  /** Validate bodies on encode too, catching a sender's own bugs before they reach the wire. Defaults to `true`. */
  validateOnEncode?: boolean;
}

export interface EncodeOptions {
  traceId?: string;
  /** Explicit message id; defaults to a per-codec counter. */
  id?: string;
}

installTypedArrayDecoder();
/**
 * msgpackr settings of the wire: plain maps (no msgpackr records) and typed arrays as ext 0x74. A typed
 * array of any other kind is silently corrupted by msgpackr unless `moreTypes` is on.
 */
export const WIRE_PACKR_OPTIONS = { useRecords: false, moreTypes: true } as const;
const packr = new Packr({ ...WIRE_PACKR_OPTIONS, mapsAsObjects: true, int64AsType: 'number' });

const checkers = new Map<MessageKind, TypeCheck<TSchema>>(
  MESSAGE_KIND_NAMES.map((k) => [k, TypeCompiler.Compile(MESSAGE_KINDS[k].schema as TSchema)]),
);
const MAX_ANY_BYTES = Math.max(...MESSAGE_KIND_NAMES.map((k) => MESSAGE_KINDS[k].maxBytes));

function schemaError(kind: MessageKind, body: unknown, direction: 'decode' | 'encode'): SchemaError {
  const first = checkers.get(kind)!.Errors(body).First();
  const where = first ? `${first.path || '/'}: ${first.message}` : 'invalid body';
  return new SchemaError(`${kind} message failed validation on ${direction} at ${where}`, {
    context: { kind, path: first?.path ?? '', direction },
  });
}

/** Encoder/decoder for one sender. Cheap to create; holds no connection. */
export class Codec {
  readonly from: string;
  private readonly now: () => number;
  private readonly validateOnEncode: boolean;
  private readonly idPrefix: string;
  private counter = 0;

  constructor(options: CodecOptions) {
    this.from = assertSubjectToken(options.from, 'sender id');
    this.now = options.now ?? Date.now;
    this.validateOnEncode = options.validateOnEncode ?? true;
    this.idPrefix = `${Math.floor(Math.random() * 0xffffffff).toString(36)}.`;
  }

  /** Encodes one message. Throws {@link SchemaError} or {@link TooLargeError} on a bad body. */
  encode<K extends MessageKind>(kind: K, body: BodyOf<K>, options: EncodeOptions = {}): Uint8Array {
    const spec = MESSAGE_KINDS[kind];
    if (this.validateOnEncode && !checkers.get(kind)!.Check(body)) throw schemaError(kind, body, 'encode');
    const wire: Record<string, unknown> = {
      v: PROTOCOL_VERSION,
      vm: PROTOCOL_MINOR,
      k: kind,
      f: this.from,
      i: options.id ?? this.idPrefix + (++this.counter).toString(36),
      t: this.now(),
      b: body,
    };
    if (options.traceId !== undefined) wire['tr'] = options.traceId;
    const bytes: Uint8Array = packr.pack(wire);
    if (bytes.byteLength > spec.maxBytes) {
      throw new TooLargeError(`${kind} message is ${bytes.byteLength} bytes, limit ${spec.maxBytes}`, {
        context: { kind, bytes: bytes.byteLength, limit: spec.maxBytes },
      });
    }
    return bytes;
  }

  /** See {@link decodeMessage}. */
  decode<K extends MessageKind>(bytes: Uint8Array, expected?: K | readonly K[]): Envelope<K> {
    return decodeMessage(bytes, expected);
  }
}

/**
 * Decodes and validates one message. `expected` restricts the accepted kinds (a reply subject that
 * expects `verify.result` rejects a `submit`). An `error` message is returned as such when expected;
 * requesters turn it into a typed error with `fromWireError`.
 *
 * A message of a newer minor of this major may carry body fields this build does not know: they are
 * dropped (and listed in `ignoredFields`) before validation. From this or an older minor, an unknown
 * field is a schema violation.
 *
 * @throws SpecmeshError with code E_TOO_LARGE, E_DECODE, E_VERSION, E_UNKNOWN_KIND or E_SCHEMA.
 */
export function decodeMessage<K extends MessageKind = MessageKind>(
  bytes: Uint8Array,
  expected?: K | readonly K[],
): Envelope<K> {
  const kinds: readonly MessageKind[] | undefined =
    expected === undefined ? undefined : typeof expected === 'string' ? [expected] : expected;
  let limit = kinds ? 0 : MAX_ANY_BYTES;
  if (kinds) for (const k of kinds) limit = Math.max(limit, MESSAGE_KINDS[k].maxBytes);
  if (!(bytes instanceof Uint8Array)) throw new DecodeError('message is not a byte array');
  if (bytes.byteLength > limit) {
    throw new TooLargeError(`message is ${bytes.byteLength} bytes, limit ${limit}`, {
      context: { bytes: bytes.byteLength, limit },
    });
  }
  let wire: unknown;
  try {
    wire = packr.unpack(bytes);
  } catch (cause) {
    throw new DecodeError(`message is not valid msgpack: ${(cause as Error).message}`, { cause });
  }
  if (typeof wire !== 'object' || wire === null || Array.isArray(wire) || ArrayBuffer.isView(wire)) {
    throw new DecodeError('message is not a specmesh envelope (expected a map)');
  }
  const w = wire as Record<string, unknown>;
  const { minor } = checkVersion(w);
  const kind = w['k'];
  if (!isMessageKind(kind)) {
    throw new UnknownKindError(`unknown message kind ${JSON.stringify(String(kind)).slice(0, 80)}`);
  }
  if (kinds && !kinds.includes(kind)) {
    throw new UnknownKindError(`unexpected message kind ${kind}, expected ${kinds.join(' | ')}`, {
      context: { kind, expected: kinds.join('|') },
    });
  }
  const { f: from, i: id, t: time, tr: traceId } = w;
  if (typeof from !== 'string' || typeof id !== 'string' || typeof time !== 'number') {
    throw new DecodeError('envelope lacks sender, id or time', { context: { kind } });
  }
  if (traceId !== undefined && typeof traceId !== 'string') {
    throw new DecodeError('envelope trace id is not a string', { context: { kind } });
  }
  // The size limit of this particular kind (the pre-check above used the largest expected one).
  if (bytes.byteLength > MESSAGE_KINDS[kind].maxBytes) {
    throw new TooLargeError(
      `${kind} message is ${bytes.byteLength} bytes, limit ${MESSAGE_KINDS[kind].maxBytes}`,
      {
        context: { kind, bytes: bytes.byteLength, limit: MESSAGE_KINDS[kind].maxBytes },
      },
    );
  }
  const body = w['b'];
  // A newer minor may have added optional fields; an older receiver drops them and checks the rest.
  const ignored =
    minor > PROTOCOL_MINOR ? dropUnknownFields(MESSAGE_KINDS[kind].schema as TSchema, body) : [];
  let valid: boolean;
  try {
    valid = checkers.get(kind)!.Check(body);
  } catch (cause) {
    throw new SchemaError(`${kind} message body could not be checked`, { cause, context: { kind } });
  }
  if (!valid) throw schemaError(kind, body, 'decode');
  const env: Envelope<K> = {
    v: PROTOCOL_VERSION,
    minor,
    kind: kind as K,
    from,
    id,
    time,
    body: body as BodyOf<K>,
  };
  if (traceId !== undefined) (env as { traceId?: string }).traceId = traceId;
  if (ignored.length > 0) (env as { ignoredFields?: readonly string[] }).ignoredFields = ignored;
  return env;
}

/** Decodes like {@link decodeMessage} but returns the error instead of throwing. */
export function tryDecodeMessage<K extends MessageKind = MessageKind>(
  bytes: Uint8Array,
  expected?: K | readonly K[],
): { ok: true; message: Envelope<K> } | { ok: false; error: SpecmeshError } {
  try {
    return { ok: true, message: decodeMessage(bytes, expected) };
  } catch (error) {
    return {
      ok: false,
      error: error instanceof SpecmeshError ? error : new DecodeError(String(error), { cause: error }),
    };
  }
}
