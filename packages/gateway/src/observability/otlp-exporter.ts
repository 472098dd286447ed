/**
 * OTLP export of each request's speculation timeline (OpenTelemetry JS SDK, OTLP/HTTP JSON, batch
 * processor). Loaded with a dynamic `import()` only when an endpoint is configured.
 *
 * Per request: one SERVER span `POST <route>` in the caller's trace (its `traceparent`'s trace id,
 * parented on its span) whose id is the one the response's `traceparent` names, and below it one
 * span per draft call (`specmesh.draft`) and per verification task (`specmesh.verify`: on which
 * target, drafts sent, accepted, outcome) from the timeline the drafter sent on the last token chunk.
 *
 * Times: the request span uses the gateway's clock; the draft and verify spans the drafter's
 * (`trace.startedAt` wall clock + span offsets), as each process reports its own time. Both are
 * converted to `[seconds, nanoseconds]` explicitly: the SDK would read a bare millisecond number
 * smaller than this process's start as a `performance.now()` offset, which a drafter's timestamp
 * from a slightly earlier clock would be.
 */
import {
  type Attributes,
  type HrTime,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type IdGenerator,
  RandomIdGenerator,
} from '@opentelemetry/sdk-trace-base';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from '@opentelemetry/semantic-conventions';
import type { TraceSpan } from '@specmesh/protocol';
import type { RequestSpanRecord, RequestSpanSink } from './request-spans.js';

/** Epoch milliseconds (fractional) → OpenTelemetry's `[seconds, nanoseconds]`. */
export function epochMsToHrTime(ms: number): HrTime {
  let seconds = Math.floor(ms / 1000);
  let nanos = Math.round((ms - seconds * 1000) * 1e6);
  if (nanos >= 1e9) {
    seconds += 1;
    nanos -= 1e9;
  }
  return [seconds, nanos];
}

/**
 * Random ids, except that the next span or trace id can be chosen: the request span must carry the id
 * the response already named, and a new trace the id the cluster already carries.
 */
class ChosenIds implements IdGenerator {
  private readonly random = new RandomIdGenerator();
  nextTraceId: string | undefined;
  nextSpanId: string | undefined;

  generateTraceId(): string {
    const id = this.nextTraceId ?? this.random.generateTraceId();
    this.nextTraceId = undefined;
    return id;
  }

  generateSpanId(): string {
    const id = this.nextSpanId ?? this.random.generateSpanId();
    this.nextSpanId = undefined;
    return id;
  }
}

export interface OtlpExporterSettings {
  /** OTLP/HTTP traces URL, e.g. `http://collector:4318/v1/traces`. */
  readonly url: string;
  readonly serviceName: string;
  readonly serviceVersion: string;
  readonly instanceId: string;
}

function spanAttributes(s: TraceSpan, drafterId: string): Attributes {
  const a: Attributes = {
    'specmesh.epoch': s.epoch,
    'specmesh.pos': s.pos,
    'specmesh.drafter_id': drafterId,
  };
  if (s.kind === 'draft') {
    a['specmesh.drafted'] = s.n;
    return a;
  }
  a['specmesh.drafts'] = s.n;
  if (s.taskId !== undefined) a['specmesh.task_id'] = s.taskId;
  if (s.verifierId !== undefined) a['specmesh.verifier_id'] = s.verifierId;
  if (s.accepted !== undefined) a['specmesh.accepted'] = s.accepted;
  if (s.outcome !== undefined) a['specmesh.outcome'] = s.outcome;
  return a;
}

/** Builds and batches the spans of finished requests; flushed on {@link shutdown}. */
export class OtlpSpanExporter implements RequestSpanSink {
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;
  private readonly ids = new ChosenIds();

  constructor(settings: OtlpExporterSettings) {
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({
        [ATTR_SERVICE_NAME]: settings.serviceName,
        [ATTR_SERVICE_VERSION]: settings.serviceVersion,
        [ATTR_SERVICE_INSTANCE_ID]: settings.instanceId,
      }),
      idGenerator: this.ids,
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.url }))],
    });
    this.tracer = this.provider.getTracer('@specmesh/gateway', settings.serviceVersion);
  }

  record(r: RequestSpanRecord): void {
    try {
      this.build(r);
    } catch {
      // Telemetry must never fail a request; a span that cannot be built is simply not sent.
    }
  }

  private build(r: RequestSpanRecord): void {
    const t = r.timeline;
    const parent = r.parentSpanId
      ? trace.setSpanContext(ROOT_CONTEXT, {
          traceId: r.traceId,
          spanId: r.parentSpanId,
          traceFlags: r.sampled ? 1 : 0,
          isRemote: true,
        })
      : ROOT_CONTEXT;
    this.ids.nextSpanId = r.spanId;
    if (!r.parentSpanId) this.ids.nextTraceId = r.traceId;
    const spans = t.trace?.spans ?? [];
    let accepted = 0;
    let drafted = 0;
    for (const s of spans)
      if (s.kind === 'verify' && s.accepted !== undefined) {
        accepted += s.accepted;
        drafted += s.n;
      }
    const attributes: Attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: 'POST',
      [ATTR_HTTP_ROUTE]: r.route,
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: t.status,
      'specmesh.request_id': t.requestId,
      'specmesh.mode': t.mode,
      'specmesh.k': t.k,
      'specmesh.prompt_tokens': t.promptTokens,
      'specmesh.completion_tokens': t.completionTokens,
      'specmesh.drafted_tokens': t.draftedTokens,
      'specmesh.speculation.drafted': drafted,
      'specmesh.speculation.accepted': accepted,
    };
    if (t.drafterId) attributes['specmesh.drafter_id'] = t.drafterId;
    if (t.pool) attributes['specmesh.pool'] = t.pool;
    if (t.ttftMs !== undefined) attributes['specmesh.ttft_ms'] = t.ttftMs;
    if (t.finishReason) attributes['specmesh.finish_reason'] = t.finishReason;
    if (t.trace?.dropped) attributes['specmesh.trace.dropped_spans'] = t.trace.dropped;
    const root = this.tracer.startSpan(
      `POST ${r.route}`,
      { kind: SpanKind.SERVER, startTime: epochMsToHrTime(r.startMs), attributes },
      parent,
    );
    if (t.status >= 500) root.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${t.status}` });
    if (root.isRecording() && t.trace) {
      const under = trace.setSpan(ROOT_CONTEXT, root);
      const base = t.trace.startedAt;
      for (const s of spans) {
        const child = this.tracer.startSpan(
          s.kind === 'draft' ? 'specmesh.draft' : 'specmesh.verify',
          {
            kind: SpanKind.INTERNAL,
            startTime: epochMsToHrTime(base + s.start),
            attributes: spanAttributes(s, t.trace.drafterId),
          },
          under,
        );
        if (s.outcome === 'failed' || s.outcome === 'timeout')
          child.setStatus({ code: SpanStatusCode.ERROR, message: s.outcome });
        child.end(epochMsToHrTime(base + Math.max(s.start, s.end)));
      }
    }
    root.end(epochMsToHrTime(r.endMs));
  }

  async flush(): Promise<void> {
    await this.provider.forceFlush();
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }
}
