/**
 * Schema building blocks shared by several message kinds.
 *
 * Token ids travel as `Uint32Array` and probabilities as `Float32Array` (msgpack ext type 0x74, the
 * msgpackr typed-array extension: one type byte then the little-endian elements). TypeBox has no kind
 * for those, so they are registered here as custom kinds with an optional `maxLength`.
 */
import { Kind, type Static, type TSchema, type TUnsafe, Type, TypeRegistry } from '@sinclair/typebox';

interface TypedArrayOptions {
  /** Maximum number of elements. */
  maxLength?: number;
}

function registerTypedArray<T>(name: string, ctor: new (...args: never[]) => T) {
  if (!TypeRegistry.Has(name)) {
    TypeRegistry.Set<TypedArrayOptions>(
      name,
      (schema, value) =>
        value instanceof ctor &&
        (schema.maxLength === undefined ||
          (value as unknown as { length: number }).length <= schema.maxLength),
    );
  }
  return (options: TypedArrayOptions = {}): TUnsafe<T> => Type.Unsafe<T>({ ...options, [Kind]: name });
}

/** `Uint32Array` of token ids, shape `[n]`. */
export const TokenIds = registerTypedArray('SpecmeshUint32Array', Uint32Array);
/** `Float32Array` of probabilities, shape `[n]`. */
export const Probabilities = registerTypedArray('SpecmeshFloat32Array', Float32Array);

/** Most tokens any single message may carry (prompt, prefix or committed output). */
export const MAX_TOKENS_PER_MESSAGE = 131_072;

/** An id that is also a safe subject token (see subjects.ts). */
export const Id = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_\\-:]+$' });

/** A non-negative integer. */
export const Count = Type.Integer({ minimum: 0, maximum: 0xffff_ffff });

/** Milliseconds since the Unix epoch (wall clock of the sender). */
export const EpochMs = Type.Number({ minimum: 0 });

/** Most alternatives per position a request may ask for with `logprobs` (OpenAI's `top_logprobs` limit). */
export const MAX_TOP_LOGPROBS = 20;

/**
 * How many of the target's most likely alternatives to report per output position, besides the
 * chosen token's own log-probability (0: only that). Since 1.4.
 */
export const TopLogprobsCount = Type.Integer({ minimum: 0, maximum: MAX_TOP_LOGPROBS });

/** Orchestration mode of a request: plain target decoding, classic speculative, or distributed (DSI). */
export const ModeSchema = Type.Union([Type.Literal('nonsi'), Type.Literal('si'), Type.Literal('dsi')]);

/** Sampling parameters. `temperature` 0 means greedy. */
export const SamplingSchema = Type.Object(
  {
    temperature: Type.Number({ minimum: 0, maximum: 100 }),
    topK: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    topP: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
    seed: Type.Integer({ minimum: 0, maximum: 0xffff_ffff }),
  },
  { additionalProperties: false },
);

/** Which window policy picks the draft length, and its starting / static `k`. */
export const WindowSpecSchema = Type.Object(
  {
    policy: Type.String({ minLength: 1, maxLength: 64 }),
    k: Type.Integer({ minimum: 1, maximum: 64 }),
  },
  { additionalProperties: false },
);

/** A prompt is text (tokenized by the models) or token ids. */
export const PromptSchema = Type.Union([
  Type.String({ maxLength: 4 * 1024 * 1024 }),
  TokenIds({ maxLength: MAX_TOKENS_PER_MESSAGE }),
]);

/** A typed error as it crosses the wire (see errors.ts). */
export const WireErrorSchema = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 64 }),
    message: Type.String({ maxLength: 8192 }),
    retryable: Type.Boolean(),
    context: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
    ),
  },
  { additionalProperties: false },
);

export type AnySchema = TSchema;

export type Mode = Static<typeof ModeSchema>;
export type Sampling = Static<typeof SamplingSchema>;
export type WindowSpec = Static<typeof WindowSpecSchema>;
export type Prompt = Static<typeof PromptSchema>;

/**
 * Where a handed-over session should continue: `edge` on a drafter (distributed rounds), `fused` on a
 * verifier that drafts itself (the adaptive window controller chose DSD's fused mode, γ = 1).
 */
export const HandoverTargetSchema = Type.Union([Type.Literal('edge'), Type.Literal('fused')]);
export type HandoverTarget = Static<typeof HandoverTargetSchema>;
