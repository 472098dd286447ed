/** `POST /v1/completions` (text) and `POST /v1/chat/completions` (chat). */
import type { FastifyInstance } from 'fastify';
import { contentText } from '../content-parts.js';
import { choicesFormat } from '../formats/choices-format.js';
import { type GenerationContext, serveGeneration } from '../generation-route.js';
import {
  type ChatMessage,
  type ChatRequest,
  ChatRequestSchema,
  type CompletionRequest,
  CompletionRequestSchema,
} from '../openai-schemas.js';

const TEXT = choicesFormat({
  endpoint: 'completions',
  route: '/v1/completions',
  idPrefix: 'cmpl',
  object: 'text_completion',
  chunkObject: 'text_completion',
  fullChoice: (c) => ({ index: c.index, text: c.text, logprobs: null, finish_reason: c.finish }),
  deltaChoice: (index, text) => ({ index, text, logprobs: null, finish_reason: null }),
  finishChoice: (index, finish) => ({ index, text: '', logprobs: null, finish_reason: finish }),
});

const CHAT = choicesFormat({
  endpoint: 'chat',
  route: '/v1/chat/completions',
  idPrefix: 'chatcmpl',
  object: 'chat.completion',
  chunkObject: 'chat.completion.chunk',
  fullChoice: (c) => ({
    index: c.index,
    message: { role: 'assistant', content: c.text },
    finish_reason: c.finish,
  }),
  deltaChoice: (index, text, first) => ({
    index,
    delta: first ? { role: 'assistant', content: text } : { content: text },
    finish_reason: null,
  }),
  finishChoice: (index, finish) => ({ index, delta: {}, finish_reason: finish }),
});

/** The request's messages with their content as one text (parts joined; non-text parts refused). */
function chatMessages(body: ChatRequest): ChatMessage[] {
  return body.messages.map((m, i) => ({
    ...m,
    content: contentText(m.content, `messages[${i}].content`, ['text']),
  }));
}

export function registerCompletionRoutes(app: FastifyInstance, ctx: GenerationContext): void {
  app.post<{ Body: CompletionRequest }>(
    '/v1/completions',
    { schema: { body: CompletionRequestSchema } },
    (req, reply) => serveGeneration(ctx, reply, req.body, { kind: 'text', prompt: req.body.prompt }, TEXT),
  );
  app.post<{ Body: ChatRequest }>(
    '/v1/chat/completions',
    { schema: { body: ChatRequestSchema } },
    (req, reply) =>
      serveGeneration(ctx, reply, req.body, { kind: 'chat', messages: chatMessages(req.body) }, CHAT),
  );
}
