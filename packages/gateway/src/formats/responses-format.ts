/**
 * The shape of OpenAI's Responses API: a `response` object whose `output` is one assistant message
 * with one `output_text` part, and, streamed, the API's named events in its order, each with a
 * `sequence_number`:
 *
 *   response.created → response.in_progress → response.output_item.added →
 *   response.content_part.added → response.output_text.delta … → response.output_text.done →
 *   response.content_part.done → response.output_item.done → response.completed
 *
 * A response cut at `max_output_tokens` ends `incomplete` (event `response.incomplete`, reason
 * `max_output_tokens`), and a failure mid-stream sends `error` then `response.failed`, as the API does.
 */
import type { OpenAIErrorBody } from '../openai-errors.js';
import type {
  ChoiceOutput,
  OutputFormat,
  ResponseMeta,
  SseSend,
  StreamRenderer,
  TokenUsage,
} from '../output-format.js';

/** The request fields a response object repeats. */
export interface ResponseEcho {
  readonly instructions: string | null;
  readonly max_output_tokens: number | null;
  readonly temperature: number;
  readonly top_p: number;
}

type Status = 'in_progress' | 'completed' | 'incomplete' | 'failed';

const itemIdOf = (meta: ResponseMeta) => `msg_${meta.id.slice(meta.id.indexOf('-') + 1)}`;

/** An `output_text` part; `logprobs` is the per-token array when the request included it. */
const textPart = (text: string, logprobs: unknown = []) => ({
  type: 'output_text',
  text,
  annotations: [],
  logprobs,
});

function messageItem(meta: ResponseMeta, status: Status, text: string | undefined, logprobs?: unknown) {
  return {
    id: itemIdOf(meta),
    type: 'message',
    status,
    role: 'assistant',
    content: text === undefined ? [] : [textPart(text, logprobs)],
  };
}

const responsesUsage = (u: TokenUsage) => ({
  input_tokens: u.promptTokens,
  input_tokens_details: { cached_tokens: 0 },
  output_tokens: u.completionTokens,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: u.promptTokens + u.completionTokens,
});

/** `status` of a finished message: cut at the token limit is `incomplete`. */
const statusOf = (choice: ChoiceOutput | undefined): Status =>
  choice?.finish === 'length' ? 'incomplete' : 'completed';

function responseObject(
  meta: ResponseMeta,
  echo: ResponseEcho,
  status: Status,
  output: unknown[],
  usage: TokenUsage | undefined,
  error: OpenAIErrorBody | undefined,
) {
  return {
    id: meta.id,
    object: 'response',
    created_at: meta.created,
    status,
    error: error ? { code: error.error.code ?? 'server_error', message: error.error.message } : null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: echo.instructions,
    max_output_tokens: echo.max_output_tokens,
    model: meta.model,
    output,
    parallel_tool_calls: false,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: echo.temperature,
    text: { format: { type: 'text' } },
    tool_choice: 'none',
    tools: [],
    top_p: echo.top_p,
    truncation: 'disabled',
    usage: usage ? responsesUsage(usage) : null,
    user: null,
    metadata: {},
  };
}

function responsesStream(meta: ResponseMeta, echo: ResponseEcho, send: SseSend): StreamRenderer {
  let sequence = 0;
  const emit = (type: string, fields: Record<string, unknown>) =>
    send({ type, ...fields, sequence_number: sequence++ }, type);
  const item_id = itemIdOf(meta);
  const at = { item_id, output_index: 0, content_index: 0 };
  let finished: ChoiceOutput | undefined;
  return {
    start() {
      const snapshot = responseObject(meta, echo, 'in_progress', [], undefined, undefined);
      emit('response.created', { response: snapshot });
      emit('response.in_progress', { response: snapshot });
      emit('response.output_item.added', {
        output_index: 0,
        item: messageItem(meta, 'in_progress', undefined),
      });
      emit('response.content_part.added', { ...at, part: textPart('') });
    },
    delta(_index, text, _sources, logprobs) {
      if (text.length > 0)
        emit('response.output_text.delta', { ...at, delta: text, logprobs: logprobs ?? [] });
    },
    finish(choice) {
      finished = choice;
      emit('response.output_text.done', { ...at, text: choice.text, logprobs: choice.logprobs ?? [] });
      emit('response.content_part.done', { ...at, part: textPart(choice.text, choice.logprobs) });
      emit('response.output_item.done', {
        output_index: 0,
        item: messageItem(meta, statusOf(choice), choice.text, choice.logprobs),
      });
    },
    end(usage) {
      const status = statusOf(finished);
      const output = [messageItem(meta, status, finished?.text ?? '', finished?.logprobs)];
      const response = responseObject(meta, echo, status, output, usage, undefined);
      emit(status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response });
    },
    fail(error, usage) {
      emit('error', { code: error.error.code, message: error.error.message, param: error.error.param });
      emit('response.failed', { response: responseObject(meta, echo, 'failed', [], usage, error) });
    },
    trailer: '',
  };
}

/** The Responses API format of one request (its response object repeats some request fields). */
export function responsesFormat(echo: ResponseEcho): OutputFormat {
  return {
    endpoint: 'responses',
    route: '/v1/responses',
    idPrefix: 'resp',
    body: (meta, choices, usage) => {
      const choice = choices[0];
      const status = statusOf(choice);
      return responseObject(
        meta,
        echo,
        status,
        [messageItem(meta, status, choice?.text ?? '', choice?.logprobs)],
        usage,
        undefined,
      );
    },
    stream: (meta, send) => responsesStream(meta, echo, send),
  };
}
