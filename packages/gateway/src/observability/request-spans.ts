/**
 * What the gateway hands its span exporter for each finished request, and reading the caller's W3C
 * `traceparent`. Free of the OpenTelemetry SDK: the SDK is loaded only when export is configured
 * (see otlp-exporter.ts), so an unconfigured gateway pays nothing for it.
 */
import type { RequestTimeline } from './timeline-store.js';

/** One finished request, as its spans are built from it. */
export interface RequestSpanRecord {
  /** W3C trace id: the caller's, or the one the gateway started. */
  readonly traceId: string;
  /** The request span's id: the one the response's `traceparent` names. */
  readonly spanId: string;
  /** The caller's span (from its `traceparent`), the request span's parent; absent for a new trace. */
  readonly parentSpanId: string | undefined;
  /** The caller's sampled flag (true for a new trace). */
  readonly sampled: boolean;
  /** HTTP route, e.g. `/v1/chat/completions`. */
  readonly route: string;
  /** Start and end of the request at the gateway, ms since the Unix epoch (fractional). */
  readonly startMs: number;
  readonly endMs: number;
  readonly timeline: RequestTimeline;
}

/** Where finished requests go to become spans. */
export interface RequestSpanSink {
  /** Queues the spans of one request (never blocks, never throws). */
  record(r: RequestSpanRecord): void;
  /** Sends everything queued. */
  flush(): Promise<void>;
  /** Sends everything queued and stops. */
  shutdown(): Promise<void>;
}

/** The caller's trace context. */
export interface ParentContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly sampled: boolean;
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The trace id, parent span id and sampled flag of a `traceparent` header; undefined when it is
 * absent or malformed (all-zero ids, version `ff`), as W3C trace-context says to ignore those.
 *
 * @example parentOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')
 *   // → { traceId: '4bf9…4736', spanId: '00f067aa0ba902b7', sampled: true }
 */
export function parentOf(header: string | undefined): ParentContext | undefined {
  const m = header ? TRACEPARENT.exec(header.trim()) : null;
  if (!m || header!.trim().startsWith('ff')) return undefined;
  const [, traceId, spanId, flags] = m as unknown as [string, string, string, string];
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}
