/**
 * Request bodies of the OpenAI-compatible endpoints (the subset specmesh serves), as JSON schemas that
 * fastify validates before a handler runs. Unknown OpenAI fields are accepted and ignored, as other
 * OpenAI-compatible servers do, so existing clients keep working.
 */
import { type Static, Type } from '@sinclair/typebox';
import { MAX_TOP_LOGPROBS } from '@specmesh/protocol';

/** Longest prompt accepted, characters. */
export const MAX_PROMPT_CHARS = 256 * 1024;

const StopSchema = Type.Union([
  Type.String({ minLength: 1, maxLength: 256 }),
  Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 16 }),
]);

/** specmesh's own per-request extension: how to speculate. */
export const SpecmeshExtensionSchema = Type.Object(
  {
    /** `auto` (non-SI, SI or DSI chosen per round from the cluster's load), or one of them always. */
    mode: Type.Optional(
      Type.Union([Type.Literal('auto'), Type.Literal('nonsi'), Type.Literal('si'), Type.Literal('dsi')]),
    ),
    window_policy: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    k: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
    /** Add per-token sources (1 = accepted draft, 0 = target) to the response. */
    include_sources: Type.Optional(Type.Boolean()),
    /** Stream one token per SSE event (even cadence). Defaults to the gateway's `perTokenChunks`. */
    per_token_chunks: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** llama-server's per-request speculation fields (see speculative-window.ts). */
const SpeculativeSchema = Type.Object({
  n_max: Type.Optional(Type.Integer({ minimum: 0, maximum: 1024 })),
  n_min: Type.Optional(Type.Integer({ minimum: 0, maximum: 1024 })),
  p_min: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
});

/** Most choices (`n`) a request may ask for whatever the gateway's limit; the limit is checked later. */
export const MAX_CHOICES_SCHEMA = 128;

const Common = {
  model: Type.String({ minLength: 1, maxLength: 256 }),
  max_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 65_536 }), Type.Null()])),
  max_completion_tokens: Type.Optional(
    Type.Union([Type.Integer({ minimum: 1, maximum: 65_536 }), Type.Null()]),
  ),
  temperature: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 2 }), Type.Null()])),
  top_p: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 1 }), Type.Null()])),
  seed: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  stop: Type.Optional(Type.Union([StopSchema, Type.Null()])),
  /**
   * Chat: `true` returns the target's log-probability of each output token. Completions: the number
   * of most likely alternatives to return per token with it (logprobs-format.ts).
   */
  logprobs: Type.Optional(
    Type.Union([Type.Boolean(), Type.Integer({ minimum: 0, maximum: MAX_TOP_LOGPROBS }), Type.Null()]),
  ),
  /** Chat, with `logprobs: true`: most likely alternatives per token (at most 20, as OpenAI). */
  top_logprobs: Type.Optional(
    Type.Union([Type.Integer({ minimum: 0, maximum: MAX_TOP_LOGPROBS }), Type.Null()]),
  ),
  stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  stream_options: Type.Optional(
    Type.Union([Type.Object({ include_usage: Type.Optional(Type.Boolean()) }), Type.Null()]),
  ),
  /** Choices, each its own session in the cluster; at most the gateway's `maxChoices`. */
  n: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: MAX_CHOICES_SCHEMA }), Type.Null()])),
  specmesh: Type.Optional(SpecmeshExtensionSchema),
  speculative: Type.Optional(Type.Union([SpeculativeSchema, Type.Null()])),
  'speculative.n_max': SpeculativeSchema.properties.n_max,
  'speculative.n_min': SpeculativeSchema.properties.n_min,
  'speculative.p_min': SpeculativeSchema.properties.p_min,
};

/** The fields every generation endpoint shares, as the generation path reads them. */
export const GenerationFieldsSchema = Type.Object(Common);
export type GenerationBody = Static<typeof GenerationFieldsSchema>;

export const CompletionRequestSchema = Type.Object({
  ...Common,
  prompt: Type.String({ maxLength: MAX_PROMPT_CHARS }),
});
export type CompletionRequest = Static<typeof CompletionRequestSchema>;

/**
 * One part of a message's content. Only `text` parts are served; other types pass the schema so the
 * route can refuse them by name (content-parts.ts).
 */
export const ContentPartSchema = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 64 }),
  text: Type.Optional(Type.String({ maxLength: MAX_PROMPT_CHARS })),
});
export type ContentPart = Static<typeof ContentPartSchema>;

export const ChatMessageSchema = Type.Object({
  role: Type.Union([
    Type.Literal('system'),
    Type.Literal('user'),
    Type.Literal('assistant'),
    Type.Literal('developer'),
  ]),
  /** A string, or parts whose texts are joined in order. */
  content: Type.Union([
    Type.String({ maxLength: MAX_PROMPT_CHARS }),
    Type.Array(ContentPartSchema, { minItems: 1, maxItems: 256 }),
  ]),
  name: Type.Optional(Type.String({ maxLength: 64 })),
});

export const ChatRequestSchema = Type.Object({
  ...Common,
  messages: Type.Array(ChatMessageSchema, { minItems: 1, maxItems: 256 }),
});
export type ChatRequest = Static<typeof ChatRequestSchema>;
/** A chat message as the request sent it (content a string or parts). */
export type ChatMessageInput = Static<typeof ChatMessageSchema>;
/** A chat message with its content as one text, what the chat template reads. */
export type ChatMessage = Omit<ChatMessageInput, 'content'> & { readonly content: string };
