/**
 * `POST /v1/responses`: OpenAI's Responses API for text in and text out, on the same generation path
 * as the chat route (the input becomes chat messages, `instructions` the first, a system message).
 */
import { SchemaError } from '@specmesh/protocol';
import type { FastifyInstance } from 'fastify';
import { contentText } from '../content-parts.js';
import { responsesFormat } from '../formats/responses-format.js';
import { type GenerationContext, serveGeneration } from '../generation-route.js';
import type { ChatMessage, GenerationBody } from '../openai-schemas.js';
import { type ResponsesRequest, ResponsesRequestSchema } from '../responses-schemas.js';

const ROLES: ReadonlySet<string> = new Set(['system', 'developer', 'user', 'assistant']);
/** Text parts of Responses input: the caller's (`input_text`) and earlier answers (`output_text`). */
const TEXT_PARTS = ['input_text', 'output_text'];

/** The request's instructions and input as chat messages; other input items are refused by name. */
export function responseMessages(body: ResponsesRequest): ChatMessage[] {
  if (body.previous_response_id) {
    throw new SchemaError(
      'previous_response_id is not supported: responses are not stored; send the whole input',
      {
        context: { param: 'previous_response_id' },
      },
    );
  }
  const messages: ChatMessage[] = [];
  if (body.instructions) messages.push({ role: 'system', content: body.instructions });
  if (typeof body.input === 'string') {
    messages.push({ role: 'user', content: body.input });
    return messages;
  }
  body.input.forEach((item, i) => {
    const param = `input[${i}]`;
    if (item.type !== undefined && item.type !== 'message') {
      throw new SchemaError(
        `input item type '${item.type}' is not supported: this server reads messages only`,
        {
          context: { param: `${param}.type` },
        },
      );
    }
    if (item.role === undefined || !ROLES.has(item.role)) {
      throw new SchemaError(`input message role must be one of ${[...ROLES].join(', ')}`, {
        context: { param: `${param}.role` },
      });
    }
    if (item.content === undefined) {
      throw new SchemaError('input message needs its content', { context: { param: `${param}.content` } });
    }
    messages.push({
      role: item.role as ChatMessage['role'],
      content: contentText(item.content, `${param}.content`, TEXT_PARTS),
    });
  });
  return messages;
}

/** What `include` names to ask for the output's log-probabilities. */
const LOGPROBS_INCLUDE = 'message.output_text.logprobs';

/** The fields the shared generation path reads, under their chat names. */
function generationBody(body: ResponsesRequest): GenerationBody {
  const logprobs = body.include?.includes(LOGPROBS_INCLUDE) === true;
  return {
    ...(logprobs ? { logprobs: true, top_logprobs: body.top_logprobs ?? 0 } : {}),
    model: body.model,
    max_tokens: body.max_output_tokens,
    temperature: body.temperature,
    top_p: body.top_p,
    stream: body.stream,
    specmesh: body.specmesh,
    speculative: body.speculative,
    'speculative.n_max': body['speculative.n_max'],
    'speculative.n_min': body['speculative.n_min'],
    'speculative.p_min': body['speculative.p_min'],
  };
}

export function registerResponsesRoutes(app: FastifyInstance, ctx: GenerationContext): void {
  app.post<{ Body: ResponsesRequest }>(
    '/v1/responses',
    { schema: { body: ResponsesRequestSchema } },
    (req, reply) => {
      const body = req.body;
      const format = responsesFormat({
        instructions: body.instructions ?? null,
        max_output_tokens: body.max_output_tokens ?? null,
        temperature: body.temperature ?? 1,
        top_p: body.top_p ?? 1,
      });
      const messages = responseMessages(body);
      return serveGeneration(ctx, reply, generationBody(body), { kind: 'chat', messages }, format);
    },
  );
}
