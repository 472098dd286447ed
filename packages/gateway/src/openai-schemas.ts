/**
 * Request bodies of the OpenAI-compatible endpoints (the subset specmesh serves), as JSON schemas that
 * fastify validates before a handler runs. Unknown OpenAI fields are accepted and ignored, as other
 * OpenAI-compatible servers do, so existing clients keep working.
 */
import { type Static, Type } from '@sinclair/typebox';

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
  stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  stream_options: Type.Optional(
    Type.Union([Type.Object({ include_usage: Type.Optional(Type.Boolean()) }), Type.Null()]),
  ),
  n: Type.Optional(Type.Union([Type.Literal(1), Type.Null()])),
  specmesh: Type.Optional(SpecmeshExtensionSchema),
};

export const CompletionRequestSchema = Type.Object({
  ...Common,
  prompt: Type.String({ maxLength: MAX_PROMPT_CHARS }),
});
export type CompletionRequest = Static<typeof CompletionRequestSchema>;

export const ChatMessageSchema = Type.Object({
  role: Type.Union([
    Type.Literal('system'),
    Type.Literal('user'),
    Type.Literal('assistant'),
    Type.Literal('developer'),
  ]),
  content: Type.String({ maxLength: MAX_PROMPT_CHARS }),
  name: Type.Optional(Type.String({ maxLength: 64 })),
});

export const ChatRequestSchema = Type.Object({
  ...Common,
  messages: Type.Array(ChatMessageSchema, { minItems: 1, maxItems: 256 }),
});
export type ChatRequest = Static<typeof ChatRequestSchema>;
export type ChatMessage = Static<typeof ChatMessageSchema>;
