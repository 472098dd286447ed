/**
 * Request body of `POST /v1/responses` (OpenAI's Responses API), the part specmesh serves: text
 * input (a string, or input messages whose content is a string or text parts), `instructions`, and
 * text output. Unknown fields are accepted and ignored, as on the other routes.
 */
import { type Static, Type } from '@sinclair/typebox';
import { ContentPartSchema, GenerationFieldsSchema, MAX_PROMPT_CHARS } from './openai-schemas.js';

/**
 * One input item. Only messages are served; the item's `type` (absent or `message`) and its role are
 * checked by the route, so other items are refused by name rather than by a schema error.
 */
export const ResponseInputItemSchema = Type.Object({
  type: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  role: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  content: Type.Optional(
    Type.Union([
      Type.String({ maxLength: MAX_PROMPT_CHARS }),
      Type.Array(ContentPartSchema, { minItems: 1, maxItems: 256 }),
    ]),
  ),
});
export type ResponseInputItem = Static<typeof ResponseInputItemSchema>;

const Shared = GenerationFieldsSchema.properties;

export const ResponsesRequestSchema = Type.Object({
  model: Shared.model,
  input: Type.Union([
    Type.String({ maxLength: MAX_PROMPT_CHARS }),
    Type.Array(ResponseInputItemSchema, { minItems: 1, maxItems: 256 }),
  ]),
  instructions: Type.Optional(Type.Union([Type.String({ maxLength: MAX_PROMPT_CHARS }), Type.Null()])),
  /** Refused when set: responses are not stored, so there is no earlier one to continue. */
  previous_response_id: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
  max_output_tokens: Shared.max_tokens,
  temperature: Shared.temperature,
  top_p: Shared.top_p,
  stream: Shared.stream,
  specmesh: Shared.specmesh,
  speculative: Shared.speculative,
  'speculative.n_max': Shared['speculative.n_max'],
  'speculative.n_min': Shared['speculative.n_min'],
  'speculative.p_min': Shared['speculative.p_min'],
  /** Extra output to include; `message.output_text.logprobs` asks for the target's log-probabilities. */
  include: Type.Optional(
    Type.Union([Type.Array(Type.String({ maxLength: 128 }), { maxItems: 16 }), Type.Null()]),
  ),
  /** With logprobs included: most likely alternatives per token (at most 20, as OpenAI). */
  top_logprobs: Shared.top_logprobs,
});
export type ResponsesRequest = Static<typeof ResponsesRequestSchema>;
