/**
 * One generation over HTTP, shared by `/v1/completions` and `/v1/chat/completions`: maps the OpenAI
 * request onto a `submit`, streams (SSE in OpenAI's chunk format) or collects the ordered token chunks,
 * counts usage exactly, and cancels the request in the cluster when the client goes away.
 */
import { performance } from 'node:perf_hooks';
import { generate } from '@specmesh/actors';
import {
  type FinishReason,
  modeFields,
  requestModeOf,
  type SpeculationTrace,
  type Submit,
} from '@specmesh/protocol';
import { type Actor, newTraceId, traceparent } from '@specmesh/runtime';
import type { FastifyReply } from 'fastify';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { GatewayConfig } from './gateway-options.js';
import type { LiveStats } from './observability/live-stats.js';
import { parentOf, type RequestSpanSink } from './observability/request-spans.js';
import type { SpeculationMetrics } from './observability/speculation-metrics.js';
import type { RequestTimeline, TimelineStore } from './observability/timeline-store.js';
import { toOpenAIError } from './openai-errors.js';
import type { ChatRequest, CompletionRequest } from './openai-schemas.js';
import { RandomPool } from './random-pool.js';
import { tokenPieces } from './token-pieces.js';

const randomPool = new RandomPool();

/** How one endpoint shapes its responses. */
export interface OutputFormat {
  readonly endpoint: 'completions' | 'chat';
  /** HTTP route, for exported spans. */
  readonly route: string;
  readonly idPrefix: string;
  readonly object: string;
  readonly chunkObject: string;
  fullChoice(text: string, finish: string | null, sources: number[] | undefined): Record<string, unknown>;
  deltaChoice(text: string, first: boolean, sources: number[] | undefined): Record<string, unknown>;
  finishChoice(finish: string | null): Record<string, unknown>;
}

export interface GenerationContext {
  readonly actor: Actor;
  readonly config: GatewayConfig;
  readonly metrics: GatewayMetrics;
  readonly speculation: SpeculationMetrics;
  readonly timelines: TimelineStore;
  readonly live: LiveStats;
  /** Where finished requests become OpenTelemetry spans; undefined when export is off. */
  readonly spans: RequestSpanSink | undefined;
}

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

function toSubmit(
  ctx: GenerationContext,
  requestId: string,
  body: CompletionRequest | ChatRequest,
  prompt: string,
  randomSeed: number,
): Submit {
  const ext = body.specmesh ?? {};
  const stop =
    body.stop === null || body.stop === undefined
      ? undefined
      : typeof body.stop === 'string'
        ? [body.stop]
        : body.stop;
  const submit: Submit = {
    requestId,
    prompt,
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? ctx.config.defaultMaxTokens,
    sampling: {
      temperature: body.temperature ?? 1,
      topK: 0,
      topP: body.top_p ?? 1,
      // An explicit seed makes sampling reproducible; otherwise each request gets its own.
      seed: body.seed === null || body.seed === undefined ? randomSeed : body.seed >>> 0,
    },
    ...modeFields(ext.mode ?? ctx.config.defaultMode),
    window: { policy: ext.window_policy ?? ctx.config.defaultWindowPolicy, k: ext.k ?? ctx.config.defaultK },
    deadlineAt: Date.now() + ctx.config.requestTimeoutMs,
  };
  if (stop && stop.length > 0) submit.stop = stop;
  return submit;
}

export async function serveGeneration(
  ctx: GenerationContext,
  reply: FastifyReply,
  body: CompletionRequest | ChatRequest,
  prompt: string,
  fmt: OutputFormat,
): Promise<void> {
  const started = performance.now();
  const startedAt = Date.now();
  // One draw of randomness per request: 9 bytes of request id, 8 of span id, 4 of sampling seed.
  const random = randomPool.take(21);
  const requestId = `${fmt.idPrefix}-${random.toString('base64url', 0, 9).replace(/[^A-Za-z0-9]/g, 'x')}`;
  const created = Math.floor(Date.now() / 1000);
  const model = body.model;
  const includeSources = body.specmesh?.include_sources === true;
  const perToken = body.specmesh?.per_token_chunks ?? ctx.config.perTokenChunks;
  const abort = new AbortController();
  // The client went away before we finished: cancel the session in the cluster.
  reply.raw.on('close', () => {
    if (!reply.raw.writableEnded) abort.abort();
  });

  // The caller's trace (W3C traceparent) if it sent one, else a new one: every hop in the cluster
  // carries it, and the response names it so the caller can find the request in its traces.
  const incoming = reply.request.headers.traceparent;
  const parent = parentOf(typeof incoming === 'string' ? incoming : undefined);
  const traceId = parent?.traceId ?? newTraceId();
  // The request's own span: its id is what the response names, and what exported spans use.
  const spanId = random.toString('hex', 9, 17);
  const traceHeader = traceparent(traceId, spanId);
  reply.header('traceparent', traceHeader);
  const exportSpans = (timeline: RequestTimeline, end: number) =>
    ctx.spans?.record({
      traceId,
      spanId,
      parentSpanId: parent?.spanId,
      sampled: parent?.sampled ?? true,
      route: fmt.route,
      startMs: performance.timeOrigin + started,
      endMs: performance.timeOrigin + end,
      timeline,
    });

  let gen: Awaited<ReturnType<typeof generate>>;
  const submit = toSubmit(ctx, requestId, body, prompt, random.readUInt32LE(17));
  try {
    gen = await generate(ctx.actor, submit, {
      signal: abort.signal,
      idleTimeoutMs: ctx.config.requestTimeoutMs,
      traceId,
    });
  } catch (err) {
    const e = toOpenAIError(err);
    ctx.metrics.requests.inc({ endpoint: fmt.endpoint, status: String(e.status) });
    if (ctx.spans) {
      const end = performance.now();
      exportSpans(
        {
          requestId,
          endpoint: fmt.endpoint,
          status: e.status,
          mode: requestModeOf(submit),
          k: submit.window.k,
          drafterId: undefined,
          pool: undefined,
          startedAt,
          ttftMs: undefined,
          durationMs: end - started,
          promptTokens: 0,
          completionTokens: 0,
          draftedTokens: 0,
          finishReason: null,
          trace: undefined,
        },
        end,
      );
    }
    await reply.code(e.status).send(e.body);
    return;
  }

  let promptTokens = 0;
  let completionTokens = 0;
  let drafted = 0;
  let firstAt: number | undefined;
  let finish: string | null = null;
  let trace: SpeculationTrace | undefined;
  const sourcesOf = (s: Uint8Array | undefined) => (includeSources && s ? Array.from(s) : undefined);
  const usage = () => ({
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  });
  const account = (c: {
    tokens: Uint32Array;
    promptTokens?: number;
    sources?: Uint8Array;
    trace?: SpeculationTrace;
  }) => {
    if (c.promptTokens !== undefined) promptTokens = c.promptTokens;
    if (c.trace) trace = c.trace;
    if (c.tokens.length > 0 && firstAt === undefined) {
      firstAt = performance.now();
      ctx.metrics.ttft.observe({ endpoint: fmt.endpoint }, (firstAt - started) / 1000);
    }
    completionTokens += c.tokens.length;
    if (c.sources) for (const s of c.sources) drafted += s;
  };
  /**
   * Books a finished request (metrics, live stats, timeline, spans). Called once the response is
   * written, so the client does not wait for the bookkeeping; `end` is when the response was ready.
   */
  const done = (status: number, end: number) => {
    ctx.metrics.requests.inc({ endpoint: fmt.endpoint, status: String(status) });
    ctx.metrics.e2e.observe({ endpoint: fmt.endpoint }, (end - started) / 1000);
    if (firstAt !== undefined && completionTokens > 1) {
      ctx.metrics.tpot.observe({ endpoint: fmt.endpoint }, (end - firstAt) / 1000 / (completionTokens - 1));
    }
    ctx.metrics.tokens.inc({ kind: 'prompt' }, promptTokens);
    ctx.metrics.tokens.inc({ kind: 'completion' }, completionTokens);
    ctx.metrics.tokens.inc({ kind: 'drafted' }, drafted);
    const ttftMs = firstAt === undefined ? undefined : firstAt - started;
    if (trace) ctx.speculation.record(trace);
    ctx.live.add({
      at: Date.now(),
      tokens: completionTokens,
      ttftMs,
      tpotMs:
        firstAt !== undefined && completionTokens > 1 ? (end - firstAt) / (completionTokens - 1) : undefined,
      ...acceptanceOf(trace),
    });
    const timeline: RequestTimeline = {
      requestId,
      endpoint: fmt.endpoint,
      status,
      mode: requestModeOf(submit),
      k: submit.window.k,
      drafterId: gen.accepted.drafterId,
      pool: gen.accepted.pool,
      startedAt,
      ttftMs,
      durationMs: end - started,
      promptTokens,
      completionTokens,
      draftedTokens: drafted,
      finishReason: finish,
      trace,
    };
    ctx.timelines.add(timeline);
    if (ctx.spans) exportSpans(timeline, end);
  };

  if (!body.stream) {
    let text = '';
    const sources: number[] = [];
    try {
      for await (const c of gen.chunks) {
        account(c);
        text += c.text;
        if (includeSources && c.sources) sources.push(...c.sources);
        if (c.done) finish = openAIFinish(c.finishReason);
      }
    } catch (err) {
      const e = toOpenAIError(err);
      const end = performance.now();
      const sent = reply.raw.destroyed ? undefined : reply.code(e.status).send(e.body);
      done(e.status, end);
      await sent;
      return;
    }
    const end = performance.now();
    const sent = reply.send({
      id: requestId,
      object: fmt.object,
      created,
      model,
      choices: [fmt.fullChoice(text, finish, includeSources ? sources : undefined)],
      usage: usage(),
    });
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
  const send = (obj: unknown) => raw.write(`data: ${JSON.stringify(obj)}\n\n`);
  const chunkOf = (choices: unknown[]) => ({
    id: requestId,
    object: fmt.chunkObject,
    created,
    model,
    choices,
  });
  let first = true;
  let status = 200;
  try {
    for await (const c of gen.chunks) {
      account(c);
      if (perToken && c.tokens.length > 0) {
        // One event per token: even cadence for clients that measure tokens/s by events.
        for (const piece of tokenPieces(c)) {
          send(chunkOf([fmt.deltaChoice(piece.text, first, includeSources ? piece.sources : undefined)]));
          first = false;
        }
      } else if (c.text.length > 0 || first) {
        send(chunkOf([fmt.deltaChoice(c.text, first, sourcesOf(c.sources))]));
        first = false;
      }
      if (c.done) finish = openAIFinish(c.finishReason);
    }
    send(chunkOf([fmt.finishChoice(finish)]));
    if (body.stream_options?.include_usage) send({ ...chunkOf([]), usage: usage() });
  } catch (err) {
    const e = toOpenAIError(err);
    status = e.status;
    if (!raw.destroyed) send(e.body);
  }
  const end = performance.now();
  if (!raw.destroyed) raw.end('data: [DONE]\n\n');
  done(status, end);
}
