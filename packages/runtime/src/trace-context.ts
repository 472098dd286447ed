/**
 * Trace ids across every hop, in W3C trace-context form so that any tracing system reading NATS
 * headers or OTLP understands them: a trace id is 32 lowercase hex digits, and each message carries a
 * `traceparent` header `00-<trace id>-<span id>-01`. The envelope's `tr` field carries the trace id as
 * well, for receivers that never look at headers.
 *
 * @example
 *   const id = newTraceId();                 // 'a3f1…' (32 hex digits)
 *   traceparent(id, 'b7ad6b7169203331')     // '00-a3f1…-b7ad6b7169203331-01'
 *   traceIdOf('00-a3f1…-b7ad6b7169203331-01') // 'a3f1…'
 */
import { randomBytes } from 'node:crypto';

/** NATS header that carries the trace context. */
export const TRACEPARENT_HEADER = 'traceparent';

const TRACE_ID = /^[0-9a-f]{32}$/;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** A fresh random trace id (never all zeros, which W3C reserves). */
export function newTraceId(): string {
  for (;;) {
    const id = randomBytes(16).toString('hex');
    if (!/^0+$/.test(id)) return id;
  }
}

export function isTraceId(value: string): boolean {
  return TRACE_ID.test(value) && !/^0+$/.test(value);
}

export function traceparent(traceId: string, spanId: string): string {
  return `00-${traceId}-${spanId}-01`;
}

/** The trace id of a `traceparent` value, or undefined when it is not one. */
export function traceIdOf(header: string | undefined): string | undefined {
  const m = header ? TRACEPARENT.exec(header.trim()) : null;
  return m && isTraceId(m[1]!) ? m[1] : undefined;
}

/** Span ids for the messages one actor sends: a random prefix and a counter, 16 hex digits. */
export class SpanIds {
  private readonly prefix = randomBytes(4).toString('hex');
  private next = 1;

  take(): string {
    this.next = (this.next + 1) >>> 0 || 1;
    return this.prefix + this.next.toString(16).padStart(8, '0');
  }
}
