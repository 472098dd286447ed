/**
 * The `choices` response shape of `/v1/completions` and `/v1/chat/completions`: a whole response with
 * one choice per `n`, or a stream of `data:` chunks, each carrying one choice's delta with its index
 * (so the choices of `n > 1` interleave), one finish chunk per choice, an optional usage chunk, and
 * `data: [DONE]`.
 */
import type {
  ChoiceOutput,
  OutputFormat,
  ResponseMeta,
  SseSend,
  StreamOptions,
  StreamRenderer,
  TokenUsage,
} from '../output-format.js';

/** What differs between the text and the chat flavour of the shape. */
export interface ChoicesFormatSpec {
  readonly endpoint: 'completions' | 'chat';
  readonly route: string;
  readonly idPrefix: string;
  /** `object` of a whole response. */
  readonly object: string;
  /** `object` of a streamed chunk. */
  readonly chunkObject: string;
  /** One finished choice of a whole response. */
  fullChoice(choice: ChoiceOutput): Record<string, unknown>;
  /** New text of a choice in a stream; `first` is the choice's first delta. */
  deltaChoice(index: number, text: string, first: boolean): Record<string, unknown>;
  /** The streamed choice that carries the finish reason. */
  finishChoice(index: number, finish: string | null): Record<string, unknown>;
}

/** Adds specmesh's per-token sources to a choice, when the request asked for them. */
export const withSources = (choice: Record<string, unknown>, sources: number[] | undefined) =>
  sources ? { ...choice, specmesh: { sources } } : choice;

/** Puts a choice's log-probabilities in place of its `logprobs: null`, when the request asked for them. */
const withLogprobs = (choice: Record<string, unknown>, logprobs: unknown) =>
  logprobs === undefined ? choice : { ...choice, logprobs };

export const openAIUsage = (u: TokenUsage) => ({
  prompt_tokens: u.promptTokens,
  completion_tokens: u.completionTokens,
  total_tokens: u.promptTokens + u.completionTokens,
});

function choicesStream(
  spec: ChoicesFormatSpec,
  meta: ResponseMeta,
  send: SseSend,
  options: StreamOptions,
): StreamRenderer {
  const chunkOf = (choices: unknown[]) => ({
    id: meta.id,
    object: spec.chunkObject,
    created: meta.created,
    model: meta.model,
    choices,
  });
  const started = new Set<number>();
  return {
    start: () => undefined,
    delta(index, text, sources, logprobs) {
      const first = !started.has(index);
      // The first delta of a choice goes out even when empty: it carries the chat role. So does
      // one with log-probabilities (a token that completes no character yet still has them).
      if (text.length === 0 && !first && logprobs === undefined) return;
      started.add(index);
      send(chunkOf([withLogprobs(withSources(spec.deltaChoice(index, text, first), sources), logprobs)]));
    },
    finish(choice) {
      if (!started.has(choice.index)) this.delta(choice.index, '', undefined);
      send(chunkOf([spec.finishChoice(choice.index, choice.finish)]));
    },
    end(usage) {
      if (options.includeUsage) send({ ...chunkOf([]), usage: openAIUsage(usage) });
    },
    fail(error) {
      send(error);
    },
    trailer: 'data: [DONE]\n\n',
  };
}

export function choicesFormat(spec: ChoicesFormatSpec): OutputFormat {
  return {
    endpoint: spec.endpoint,
    route: spec.route,
    idPrefix: spec.idPrefix,
    body: (meta, choices, usage) => ({
      id: meta.id,
      object: spec.object,
      created: meta.created,
      model: meta.model,
      choices: choices.map((c) => withLogprobs(withSources(spec.fullChoice(c), c.sources), c.logprobs)),
      usage: openAIUsage(usage),
    }),
    stream: (meta, send, options) => choicesStream(spec, meta, send, options),
  };
}
