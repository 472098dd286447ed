/**
 * How an endpoint shapes what a generation produced: the whole response of a non-streamed request, and
 * the events of a streamed one. The generation path (generation-route.ts) runs the cluster side the
 * same way for every endpoint and hands its results to one of these.
 */
import type { OpenAIErrorBody } from './openai-errors.js';

/** Which endpoint served a request (metric label, timeline field). */
export type Endpoint = 'completions' | 'chat' | 'responses';

/** Facts every response names. */
export interface ResponseMeta {
  /** Response id, e.g. `chatcmpl-…`. */
  readonly id: string;
  /** Unix seconds. */
  readonly created: number;
  /** The model the request named (one of the served names). */
  readonly model: string;
}

/** What one choice (one session in the cluster) produced. */
export interface ChoiceOutput {
  /** 0 … n-1. */
  readonly index: number;
  readonly text: string;
  /** OpenAI's finish reason: `stop`, `length`, or null while unknown. */
  readonly finish: string | null;
  /** Per token, 1 from an accepted draft, 0 from the target; only when the request asked. */
  readonly sources: number[] | undefined;
  /** The choice's `logprobs` in its endpoint's shape; only when the request asked (logprobs-format.ts). */
  readonly logprobs?: unknown;
}

/** Exact token counts of a request; the prompt is counted once however many choices. */
export interface TokenUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** Writes one server-sent event; `event` names it where the format uses named events. */
export type SseSend = (data: unknown, event?: string) => void;

/** The events of one streamed response, driven in order by the generation path. */
export interface StreamRenderer {
  /** Once, before any token. */
  start(): void;
  /**
   * New text of choice `index`; `sources` and `logprobs` (the delta's tokens' figures, in the
   * endpoint's shape) only when the request asked for them.
   */
  delta(index: number, text: string, sources: number[] | undefined, logprobs?: unknown): void;
  /** Choice `choice.index` has finished (called once per choice). */
  finish(choice: ChoiceOutput): void;
  /** Every choice has finished. */
  end(usage: TokenUsage): void;
  /** The generation failed part way; the stream ends after this. */
  fail(error: OpenAIErrorBody, usage: TokenUsage): void;
  /** The stream's last bytes after {@link end} or {@link fail} (e.g. `data: [DONE]`), if any. */
  readonly trailer: string;
}

export interface OutputFormat {
  readonly endpoint: Endpoint;
  /** HTTP route, for exported spans. */
  readonly route: string;
  /** Prefix of response ids. */
  readonly idPrefix: string;
  /** The response of a non-streamed request; `choices` are in index order. */
  body(meta: ResponseMeta, choices: readonly ChoiceOutput[], usage: TokenUsage): unknown;
  /** The event writer of one streamed response. */
  stream(meta: ResponseMeta, send: SseSend, options: StreamOptions): StreamRenderer;
}

export interface StreamOptions {
  /** Send usage in the stream (`stream_options.include_usage`); formats that always do ignore it. */
  readonly includeUsage: boolean;
}
