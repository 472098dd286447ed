/**
 * One generation over HTTP, shared by `/v1/completions`, `/v1/chat/completions` and `/v1/responses`:
 * checks the model name and `n`, maps the request onto one `submit` per choice (each choice is its
 * own session in the cluster), streams (in the endpoint's event format, the choices' chunks
 * interleaved) or collects the ordered token chunks, counts usage exactly (the prompt once), and
 * cancels the sessions in the cluster when the client goes away. A client that leaves before its
 * response is complete is counted with status 499, apart from server errors.
 */
import { performance } from 'node:perf_hooks';
import {
  type Generation,
  type GenerationRequest,
  generate,
  type LiveScheduler,
  type VerifiedOutputOptions,
} from '@specmesh/actors';
import {
  type FinishReason,
  modeFields,
  requestModeOf,
  type SpeculationTrace,
  type TokenChunk,
} from '@specmesh/protocol';
import { type Actor, newTraceId, traceparent } from '@specmesh/runtime';
import type { FastifyReply } from 'fastify';
import { chatPrompt } from './chat-template.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { GatewayConfig } from './gateway-options.js';
import { type ChoiceLogprobs, choiceLogprobsOf, withRequestExtras } from './logprobs-format.js';
import type { LiveStats } from './observability/live-stats.js';
import { parentOf, type RequestSpanSink } from './observability/request-spans.js';
import type { SpeculationMetrics } from './observability/speculation-metrics.js';
import type { RequestTimeline, TimelineStore } from './observability/timeline-store.js';
import {
  CLIENT_CLOSED_STATUS,
  invalidRequest,
  modelNotFound,
  type OpenAIErrorBody,
  toOpenAIError,
} from './openai-errors.js';
import type { ChatMessage, GenerationBody } from './openai-schemas.js';
import type {
  ChoiceOutput,
  OutputFormat,
  ResponseMeta,
  StreamRenderer,
  TokenUsage,
} from './output-format.js';
import { RandomPool } from './random-pool.js';
import { draftWindow, speculativeOf } from './speculative-window.js';
import { tokenPieces } from './token-pieces.js';

const randomPool = new RandomPool();

export interface GenerationContext {
  readonly actor: Actor;
  readonly config: GatewayConfig;
  readonly metrics: GatewayMetrics;
  readonly speculation: SpeculationMetrics;
  readonly timelines: TimelineStore;
  readonly live: LiveStats;
  /** Where finished requests become OpenTelemetry spans; undefined when export is off. */
  readonly spans: RequestSpanSink | undefined;
  /** How chunks are checked against the verifiers' signatures; undefined when checking is off. */
  readonly verifiedOutput: VerifiedOutputOptions | undefined;
  /** The schedulers alive by the gateway's heartbeats: a repeated submit names the one that beat last. */
  readonly schedulers: () => Iterable<LiveScheduler>;
}

/** What the cluster is asked to continue: a plain prompt, or chat messages for the chat template. */
export type GenerationInput =
  | { readonly kind: 'text'; readonly prompt: string }
  | { readonly kind: 'chat'; readonly messages: readonly ChatMessage[] };

/** Accepted and drafted tokens of a timeline's verified rounds. */
function acceptanceOf(trace: SpeculationTrace | undefined): { drafted: number; accepted: number } {
  let drafted = 0;
  let accepted = 0;
  for (const s of trace?.spans ?? []) {
    if (s.kind !== 'verify' || s.accepted === undefined) continue;
    drafted += s.n;
    accepted += s.accepted;
  }
  return { drafted, accepted };
}

function openAIFinish(reason: FinishReason | undefined): string | null {
  if (reason === 'stop' || reason === 'length') return reason;
  return reason === undefined ? null : 'stop';
}

function promptOf(input: GenerationInput): string {
  return input.kind === 'text' ? input.prompt : chatPrompt(input.messages);
}

/** The submit of one choice; `window` is the request's draft window, already checked. */
function toSubmit(
  ctx: GenerationContext,
  requestId: string,
  body: GenerationBody,
  prompt: string,
  window: { k: number; mode?: 'nonsi' },
  seed: number,
): GenerationRequest {
  const ext = body.specmesh ?? {};
  const stop =
    body.stop === null || body.stop === undefined
      ? undefined
      : typeof body.stop === 'string'
        ? [body.stop]
        : body.stop;
  const submit: GenerationRequest = {
    requestId,
    prompt,
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? ctx.config.defaultMaxTokens,
    sampling: { temperature: body.temperature ?? 1, topK: 0, topP: body.top_p ?? 1, seed },
    ...modeFields(ext.mode ?? window.mode ?? ctx.config.defaultMode),
    window: { policy: ext.window_policy ?? ctx.config.defaultWindowPolicy, k: window.k },
    deadlineAt: Date.now() + ctx.config.requestTimeoutMs,
  };
  if (stop && stop.length > 0) submit.stop = stop;
  return submit;
}

/** Reads a cancelled generation to its end, so that it lets go of its token subscription. */
async function drain(gen: Generation): Promise<void> {
  try {
    for await (const _ of gen.chunks) {
      // discarded: the request already failed
    }
  } catch {
    // the cancellation itself
  }
}

/** One choice: its session in the cluster and what it produced so far. */
interface Choice {
  readonly index: number;
  readonly requestId: string;
  readonly submit: GenerationRequest;
  /** The request span's id for this choice (choice 0's is the one the response names). */
  readonly spanId: string;
  gen: Generation | undefined;
  text: string;
  readonly sources: number[];
  finish: string | null;
  promptTokens: number | undefined;
  completionTokens: number;
  drafted: number;
  firstAt: number | undefined;
  trace: SpeculationTrace | undefined;
  /** The tokens' log-probabilities, when the request asked for them. */
  readonly logprobs: ChoiceLogprobs | undefined;
}

const outputOf = (c: Choice, includeSources: boolean): ChoiceOutput => ({
  index: c.index,
  text: c.text,
  finish: c.finish,
  sources: includeSources ? c.sources : undefined,
  ...(c.logprobs ? { logprobs: c.logprobs.whole() } : {}),
});

function usageOf(choices: readonly Choice[]): TokenUsage {
  let completionTokens = 0;
  for (const c of choices) completionTokens += c.completionTokens;
  // Every choice continues the same prompt: it is counted once.
  const promptTokens = choices.find((c) => c.promptTokens !== undefined)?.promptTokens ?? 0;
  return { promptTokens, completionTokens };
}

/** Runs one request end to end and writes its response. */
export async function serveGeneration(
  ctx: GenerationContext,
  reply: FastifyReply,
  body: GenerationBody,
  input: GenerationInput,
  fmt: OutputFormat,
): Promise<void> {
  const started = performance.now();
  const startedAt = Date.now();
  const count = (status: number) =>
    ctx.metrics.requests.inc({ endpoint: fmt.endpoint, status: String(status) });
  const refuse = async (status: number, error: OpenAIErrorBody) => {
    count(status);
    await reply.code(status).send(error);
  };
  if (!ctx.config.servedModelNames.includes(body.model)) return refuse(404, modelNotFound(body.model));
  const n = body.n ?? 1;
  if (n > ctx.config.maxChoices) {
    return refuse(400, invalidRequest(`n must be at most ${ctx.config.maxChoices}, got ${n}`, 'n'));
  }
  const window = draftWindow(body.specmesh ?? {}, speculativeOf(body), ctx.config.defaultK);
  if ('error' in window) return refuse(400, window.error);

  // One draw of randomness per request: 9 bytes of request id, then per choice 8 of span id and
  // 4 of sampling seed.
  const random = randomPool.take(9 + 12 * n);
  const id = `${fmt.idPrefix}-${random.toString('base64url', 0, 9).replace(/[^A-Za-z0-9]/g, 'x')}`;
  const meta: ResponseMeta = { id, created: Math.floor(Date.now() / 1000), model: body.model };
  const includeSources = body.specmesh?.include_sources === true;
  const perToken = body.specmesh?.per_token_chunks ?? ctx.config.perTokenChunks;
  const abort = new AbortController();
  let clientGone = false;
  // The client went away before we finished: cancel the sessions in the cluster.
  reply.raw.on('close', () => {
    if (reply.raw.writableEnded) return;
    clientGone = true;
    abort.abort();
  });

  // The caller's trace (W3C traceparent) if it sent one, else a new one: every hop in the cluster
  // carries it, and the response names it so the caller can find the request in its traces.
  const incoming = reply.request.headers.traceparent;
  const parent = parentOf(typeof incoming === 'string' ? incoming : undefined);
  const traceId = parent?.traceId ?? newTraceId();
  const prompt = promptOf(input);
  const choices: Choice[] = Array.from({ length: n }, (_, index) => {
    const at = 9 + 12 * index;
    // An explicit seed makes sampling reproducible, and distinct per choice.
    const seed =
      body.seed === null || body.seed === undefined ? random.readUInt32LE(at + 8) : (body.seed + index) >>> 0;
    // A single choice keeps the response id as its request id; several are told apart by index.
    const requestId = n === 1 ? id : `${id}-${index}`;
    const submit = withRequestExtras(
      toSubmit(ctx, requestId, body, prompt, window, seed),
      body,
      fmt.endpoint,
      input.kind === 'chat' ? input.messages : undefined,
    );
    return {
      index,
      requestId,
      submit,
      logprobs: choiceLogprobsOf(submit, fmt.endpoint),
      spanId: random.toString('hex', at, at + 8),
      gen: undefined,
      text: '',
      sources: [],
      finish: null,
      promptTokens: undefined,
      completionTokens: 0,
      drafted: 0,
      firstAt: undefined,
      trace: undefined,
    };
  });
  const traceHeader = traceparent(traceId, choices[0]!.spanId);
  reply.header('traceparent', traceHeader);

  /**
   * Books a finished request (metrics, live stats, timelines, spans). Called once the response is
   * written, so the client does not wait for the bookkeeping; `end` is when the response was ready.
   */
  const done = (status: number, end: number) => {
    const counted = clientGone && status !== 200 ? CLIENT_CLOSED_STATUS : status;
    count(counted);
    ctx.metrics.e2e.observe({ endpoint: fmt.endpoint }, (end - started) / 1000);
    const usage = usageOf(choices);
    ctx.metrics.tokens.inc({ kind: 'prompt' }, usage.promptTokens);
    ctx.metrics.tokens.inc({ kind: 'completion' }, usage.completionTokens);
    for (const c of choices) {
      ctx.metrics.tokens.inc({ kind: 'drafted' }, c.drafted);
      const ttftMs = c.firstAt === undefined ? undefined : c.firstAt - started;
      const tpotMs =
        c.firstAt !== undefined && c.completionTokens > 1
          ? (end - c.firstAt) / (c.completionTokens - 1)
          : undefined;
      if (tpotMs !== undefined) ctx.metrics.tpot.observe({ endpoint: fmt.endpoint }, tpotMs / 1000);
      if (c.trace) ctx.speculation.record(c.trace);
      if (c.gen) {
        ctx.live.add({
          at: Date.now(),
          tokens: c.completionTokens,
          ttftMs,
          tpotMs,
          ...acceptanceOf(c.trace),
        });
      }
      const timeline: RequestTimeline = {
        requestId: c.requestId,
        endpoint: fmt.endpoint,
        status: counted,
        mode: requestModeOf(c.submit),
        k: c.submit.window.k,
        drafterId: c.gen?.accepted.drafterId,
        pool: c.gen?.accepted.pool,
        startedAt,
        ttftMs,
        durationMs: end - started,
        promptTokens: c.promptTokens ?? 0,
        completionTokens: c.completionTokens,
        draftedTokens: c.drafted,
        finishReason: c.finish,
        trace: c.trace,
      };
      if (c.gen) ctx.timelines.add(timeline);
      ctx.spans?.record({
        traceId,
        spanId: c.spanId,
        parentSpanId: parent?.spanId,
        sampled: parent?.sampled ?? true,
        route: fmt.route,
        startMs: performance.timeOrigin + started,
        endMs: performance.timeOrigin + end,
        timeline,
      });
    }
  };

  // Admission: every choice is submitted at once; one refusal fails the request and cancels the rest.
  const admitted = await Promise.allSettled(
    choices.map(async (c) => {
      c.gen = await generate(ctx.actor, c.submit, {
        signal: abort.signal,
        idleTimeoutMs: ctx.config.requestTimeoutMs,
        retryWindowMs: ctx.config.submitRetryWindowMs,
        schedulers: ctx.schedulers,
        traceId,
        ...(ctx.verifiedOutput ? { verifiedOutput: ctx.verifiedOutput } : {}),
      });
    }),
  );
  const refused = admitted.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (refused) {
    abort.abort();
    // The admitted choices' streams end at once (cancelled); reading them out releases their
    // subscriptions.
    await Promise.all(choices.map((c) => (c.gen ? drain(c.gen) : undefined)));
    const e = toOpenAIError(refused.reason);
    const end = performance.now();
    const sent = reply.raw.destroyed ? undefined : reply.code(e.status).send(e.body);
    done(e.status, end);
    await sent;
    return;
  }

  let firstToken = true;
  const account = (c: Choice, chunk: TokenChunk) => {
    if (chunk.promptTokens !== undefined) c.promptTokens = chunk.promptTokens;
    if (chunk.trace) c.trace = chunk.trace;
    if (chunk.tokens.length > 0 && c.firstAt === undefined) {
      c.firstAt = performance.now();
      if (firstToken) ctx.metrics.ttft.observe({ endpoint: fmt.endpoint }, (c.firstAt - started) / 1000);
      firstToken = false;
    }
    c.completionTokens += chunk.tokens.length;
    if (chunk.sources) for (const s of chunk.sources) c.drafted += s;
    c.text += chunk.text;
    c.logprobs?.add(chunk);
    if (includeSources && chunk.sources) c.sources.push(...chunk.sources);
    if (chunk.done) c.finish = openAIFinish(chunk.finishReason);
  };

  /**
   * Reads every choice's chunks side by side, calling `onChunk` in arrival order; the first failure
   * cancels the other choices and is thrown once all have stopped.
   */
  const pumpAll = async (onChunk: (c: Choice, chunk: TokenChunk) => void) => {
    let failure: { err: unknown } | undefined;
    await Promise.all(
      choices.map(async (c) => {
        try {
          for await (const chunk of c.gen!.chunks) onChunk(c, chunk);
        } catch (err) {
          if (!failure) {
            failure = { err };
            abort.abort();
          }
        }
      }),
    );
    if (failure) throw failure.err;
  };

  if (!body.stream) {
    try {
      await pumpAll(account);
    } catch (err) {
      const e = toOpenAIError(err);
      const end = performance.now();
      const sent = reply.raw.destroyed ? undefined : reply.code(e.status).send(e.body);
      done(e.status, end);
      await sent;
      return;
    }
    const end = performance.now();
    const sent = reply.send(
      fmt.body(
        meta,
        choices.map((c) => outputOf(c, includeSources)),
        usageOf(choices),
      ),
    );
    done(200, end);
    await sent;
    return;
  }

  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    traceparent: traceHeader,
  });
  const renderer: StreamRenderer = fmt.stream(
    meta,
    (data, event) => {
      if (raw.destroyed) return;
      raw.write(`${event === undefined ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`);
    },
    { includeUsage: body.stream_options?.include_usage === true },
  );
  renderer.start();
  let status = 200;
  try {
    await pumpAll((c, chunk) => {
      account(c, chunk);
      if (perToken && chunk.tokens.length > 0) {
        // One event per token: even cadence for clients that measure tokens/s by events.
        tokenPieces(chunk).forEach((piece, i) => {
          const lp = c.logprobs?.render(c.logprobs.latest.slice(i, i + 1));
          renderer.delta(c.index, piece.text, includeSources ? piece.sources : undefined, lp);
        });
      } else {
        renderer.delta(
          c.index,
          chunk.text,
          includeSources && chunk.sources ? Array.from(chunk.sources) : undefined,
          c.logprobs && chunk.tokens.length > 0 ? c.logprobs.render(c.logprobs.latest) : undefined,
        );
      }
      if (chunk.done) renderer.finish(outputOf(c, includeSources));
    });
    renderer.end(usageOf(choices));
  } catch (err) {
    const e = toOpenAIError(err);
    status = e.status;
    renderer.fail(e.body, usageOf(choices));
  }
  const end = performance.now();
  if (!raw.destroyed) raw.end(renderer.trailer);
  done(status, end);
}
