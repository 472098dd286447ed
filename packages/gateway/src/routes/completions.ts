/** `POST /v1/completions` (text) and `POST /v1/chat/completions` (chat). */
import type { FastifyInstance } from 'fastify';
import { chatPrompt } from '../chat-template.js';
import { type GenerationContext, type OutputFormat, serveGeneration } from '../generation-route.js';
import {
  type ChatRequest,
  ChatRequestSchema,
  type CompletionRequest,
  CompletionRequestSchema,
} from '../openai-schemas.js';

const withSources = (choice: Record<string, unknown>, sources: number[] | undefined) =>
  sources ? { ...choice, specmesh: { sources } } : choice;

const TEXT: OutputFormat = {
  endpoint: 'completions',
  route: '/v1/completions',
  idPrefix: 'cmpl',
  object: 'text_completion',
  chunkObject: 'text_completion',
  fullChoice: (text, finish, sources) =>
    withSources({ index: 0, text, logprobs: null, finish_reason: finish }, sources),
  deltaChoice: (text, _first, sources) =>
    withSources({ index: 0, text, logprobs: null, finish_reason: null }, sources),
  finishChoice: (finish) => ({ index: 0, text: '', logprobs: null, finish_reason: finish }),
};

const CHAT: OutputFormat = {
  endpoint: 'chat',
  route: '/v1/chat/completions',
  idPrefix: 'chatcmpl',
  object: 'chat.completion',
  chunkObject: 'chat.completion.chunk',
  fullChoice: (text, finish, sources) =>
    withSources({ index: 0, message: { role: 'assistant', content: text }, finish_reason: finish }, sources),
  deltaChoice: (text, first, sources) =>
    withSources(
      {
        index: 0,
        delta: first ? { role: 'assistant', content: text } : { content: text },
        finish_reason: null,
      },
      sources,
    ),
  finishChoice: (finish) => ({ index: 0, delta: {}, finish_reason: finish }),
};

export function registerCompletionRoutes(app: FastifyInstance, ctx: GenerationContext): void {
  app.post<{ Body: CompletionRequest }>(
    '/v1/completions',
    { schema: { body: CompletionRequestSchema } },
    (req, reply) => serveGeneration(ctx, reply, req.body, req.body.prompt, TEXT),
  );
  app.post<{ Body: ChatRequest }>(
    '/v1/chat/completions',
    { schema: { body: ChatRequestSchema } },
    (req, reply) => serveGeneration(ctx, reply, req.body, chatPrompt(req.body.messages), CHAT),
  );
}
