/**
 * Log-probabilities in OpenAI's shapes. What a request asks for (`logprobs` / `top_logprobs` in chat,
 * `logprobs: n` in completions) becomes the submit's `logprobs` (alternatives per token); the token
 * chunks bring the target's figures per token (computed at verification, accepted drafts included),
 * which each choice collects and renders:
 *
 * - chat: `{ content: [{ token, logprob, bytes, top_logprobs: [{ token, logprob, bytes }] }] }`;
 * - completions: `{ tokens, token_logprobs, top_logprobs: [{ token: logprob }], text_offset }`, where
 *   `text_offset` counts UTF-16 code units from the start of the choice's text;
 * - responses (with `include: ["message.output_text.logprobs"]` and `top_logprobs`): the chat entries,
 *   as the `logprobs` array of the `output_text` part and of its delta and done events.
 *
 * A token's `token` is the text it completed (its piece of the chunk's text); an alternative's is its
 * text on its own (the chunk's `topTexts`). A probability too small for float32 (ln 0) is reported as
 * -9999, as OpenAI does; a token without figures (none reached the host) has a null logprob.
 */
import type { GenerationRequest } from '@specmesh/actors';
import type { TokenChunk } from '@specmesh/protocol';
import type { ChatMessage, GenerationBody } from './openai-schemas.js';
import type { Endpoint } from './output-format.js';
import { tokenPieces } from './token-pieces.js';

/** OpenAI's stand-in for the log of a probability that underflows. */
const LOG_ZERO = -9999;

/** One output token's figures as the gateway received them. */
export interface TokenLogprob {
  readonly token: string;
  readonly logprob: number | null;
  readonly top: ReadonlyArray<{ readonly token: string; readonly logprob: number }>;
  /** Where the token's text starts in the choice's text (UTF-16 code units). */
  readonly offset: number;
}

/**
 * Alternatives per token a request asks for, or undefined when it asks for no log-probabilities.
 * Chat: `logprobs: true` with `top_logprobs` (default 0). Completions: `logprobs: n`.
 */
export function requestedTopLogprobs(body: GenerationBody, endpoint: Endpoint): number | undefined {
  // The Responses route maps `include: ["message.output_text.logprobs"]` onto the chat fields.
  if (endpoint === 'completions') return typeof body.logprobs === 'number' ? body.logprobs : undefined;
  return body.logprobs === true ? (body.top_logprobs ?? 0) : undefined;
}

/**
 * The request's additions to a choice's submit: the log-probabilities it asks for, and a chat
 * request's messages (a host whose model has a chat template renders the prompt from them; `prompt`
 * stays the plain transcript for the others).
 */
export function withRequestExtras(
  submit: GenerationRequest,
  body: GenerationBody,
  endpoint: Endpoint,
  messages: readonly ChatMessage[] | undefined,
): GenerationRequest {
  const top = requestedTopLogprobs(body, endpoint);
  if (top !== undefined) submit.logprobs = top;
  if (messages) submit.messages = messages.map(({ role, content }) => ({ role, content }));
  return submit;
}

const finite = (x: number): number => (Number.isFinite(x) ? x : LOG_ZERO);

/** One choice's log-probabilities: collected from its chunks, rendered in its endpoint's shape. */
export class ChoiceLogprobs {
  private readonly all: TokenLogprob[] = [];
  /** Figures of the tokens of the chunk added last, in token order. */
  latest: readonly TokenLogprob[] = [];
  private offset = 0;

  constructor(private readonly endpoint: Endpoint) {}

  /** Takes a chunk's figures (one per token; `latest` holds them until the next chunk). */
  add(chunk: TokenChunk): void {
    const pieces = tokenPieces(chunk);
    const n = chunk.tokens.length;
    const per = n > 0 && chunk.topLogprobs ? Math.floor(chunk.topLogprobs.length / n) : 0;
    const out: TokenLogprob[] = [];
    for (let i = 0; i < n; i++) {
      // Without per-token text ends (an older host) the chunk's text goes to its first token.
      const text = pieces.length === n ? pieces[i]!.text : i === 0 ? chunk.text : '';
      const lp = chunk.logprobs?.[i];
      const top: Array<{ token: string; logprob: number }> = [];
      for (let j = 0; j < per; j++) {
        const v = chunk.topLogprobs![i * per + j]!;
        if (!Number.isNaN(v)) top.push({ token: chunk.topTexts?.[i * per + j] ?? '', logprob: finite(v) });
      }
      out.push({
        token: text,
        logprob: lp === undefined || Number.isNaN(lp) ? null : finite(lp),
        top,
        offset: this.offset,
      });
      this.offset += text.length;
    }
    this.all.push(...out);
    this.latest = out;
  }

  /** The `logprobs` of a whole choice. */
  whole(): unknown {
    return this.render(this.all);
  }

  /** The `logprobs` of a streamed delta carrying these tokens. */
  render(tokens: readonly TokenLogprob[]): unknown {
    const perToken = () =>
      tokens.map((t) => ({
        token: t.token,
        logprob: t.logprob,
        bytes: bytesOf(t.token),
        top_logprobs: t.top.map((a) => ({ token: a.token, logprob: a.logprob, bytes: bytesOf(a.token) })),
      }));
    // Chat wraps the per-token entries in `content`; an `output_text` part carries them as they are.
    if (this.endpoint === 'chat') return { content: perToken() };
    if (this.endpoint === 'responses') return perToken();
    return {
      tokens: tokens.map((t) => t.token),
      token_logprobs: tokens.map((t) => t.logprob),
      top_logprobs: tokens.map((t) => Object.fromEntries(t.top.map((a) => [a.token, a.logprob]))),
      text_offset: tokens.map((t) => t.offset),
    };
  }
}

/** A choice's collector when its request asked for log-probabilities (`submit.logprobs` set). */
export function choiceLogprobsOf(submit: GenerationRequest, endpoint: Endpoint): ChoiceLogprobs | undefined {
  if (submit.logprobs === undefined) return undefined;
  return new ChoiceLogprobs(endpoint);
}

function bytesOf(text: string): number[] {
  return Array.from(new TextEncoder().encode(text));
}
