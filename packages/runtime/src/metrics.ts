/**
 * The metrics of the actor runtime (prom-client). Each actor owns a registry, so several actors in
 * one process (tests, `specmesh up`) keep separate figures; the gateway aggregates them later.
 */
import type { MetricFamily, MetricValue } from '@specmesh/protocol';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

type CounterChild = ReturnType<Counter<string>['labels']>;
type HistogramChild = ReturnType<Histogram<string>['labels']>;

/** Metrics every actor exports, labelled with its role and instance id. */
export class RuntimeMetrics {
  // Label lookups cost about half a microsecond each; per-kind children are cached for the hot path.
  private readonly receivedChildren = new Map<string, CounterChild>();
  private readonly sentChildren = new Map<string, CounterChild>();
  private readonly sentBytesChildren = new Map<string, CounterChild>();
  private readonly handlerChildren = new Map<string, HistogramChild>();
  private okRequests: CounterChild | undefined;

  readonly registry: Registry;
  /** Messages received, by message kind. */
  readonly received: Counter<'kind'>;
  /** Messages sent (published, requests, replies), by message kind. */
  readonly sent: Counter<'kind'>;
  /** Encoded bytes sent, by kind: what each kind costs on the wire. */
  readonly sentBytes: Counter<'kind'>;
  /** Messages that failed to decode or validate, by error code. */
  readonly badMessages: Counter<'code'>;
  /** Handlers that threw, by error code. */
  readonly handlerErrors: Counter<'code'>;
  /** Messages refused because the actor was saturated or draining, by error code. */
  readonly refused: Counter<'code'>;
  /** Outgoing requests by outcome (`ok` or an error code). */
  readonly requests: Counter<'outcome'>;
  /** Round-trip time of outgoing requests, seconds. */
  readonly requestSeconds: Histogram;
  /** Handler execution time, seconds, by message kind. */
  readonly handlerSeconds: Histogram<'kind'>;
  /** Messages being handled now. */
  readonly inflight: Gauge;

  /**
   * @param inflightNow read at scrape time, so the hot path pays nothing for the in-flight gauge.
   */
  constructor(labels: { role: string; instance: string }, inflightNow: () => number = () => 0) {
    this.registry = new Registry();
    this.registry.setDefaultLabels(labels);
    const registers = [this.registry];
    this.received = new Counter({
      name: 'specmesh_messages_received_total',
      help: 'Messages received',
      labelNames: ['kind'],
      registers,
    });
    this.sent = new Counter({
      name: 'specmesh_messages_sent_total',
      help: 'Messages sent',
      labelNames: ['kind'],
      registers,
    });
    this.sentBytes = new Counter({
      name: 'specmesh_message_bytes_sent_total',
      help: 'Encoded message bytes sent (envelope included)',
      labelNames: ['kind'],
      registers,
    });
    this.badMessages = new Counter({
      name: 'specmesh_bad_messages_total',
      help: 'Messages that failed to decode or validate',
      labelNames: ['code'],
      registers,
    });
    this.handlerErrors = new Counter({
      name: 'specmesh_handler_errors_total',
      help: 'Handler failures',
      labelNames: ['code'],
      registers,
    });
    this.refused = new Counter({
      name: 'specmesh_refused_total',
      help: 'Messages refused (saturated or draining)',
      labelNames: ['code'],
      registers,
    });
    this.requests = new Counter({
      name: 'specmesh_requests_total',
      help: 'Outgoing requests by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'specmesh_request_seconds',
      help: 'Round trip of outgoing requests',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers,
    });
    this.handlerSeconds = new Histogram({
      name: 'specmesh_handler_seconds',
      help: 'Handler execution time',
      labelNames: ['kind'],
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.inflight = new Gauge({
      name: 'specmesh_inflight',
      help: 'Messages being handled now',
      registers,
      collect() {
        this.set(inflightNow());
      },
    });
  }

  /** Counts one received message of `kind`. */
  countReceived(kind: string): void {
    let c = this.receivedChildren.get(kind);
    if (!c) {
      c = this.received.labels(kind);
      this.receivedChildren.set(kind, c);
    }
    c.inc();
  }

  /** Counts one sent message of `kind`. */
  countSent(kind: string, bytes: number): void {
    let c = this.sentChildren.get(kind);
    let b = this.sentBytesChildren.get(kind);
    if (!c || !b) {
      c = this.sent.labels(kind);
      b = this.sentBytes.labels(kind);
      this.sentChildren.set(kind, c);
      this.sentBytesChildren.set(kind, b);
    }
    c.inc();
    b.inc(bytes);
  }

  /** Messages and encoded bytes sent so far, by kind (read from the counters; for reports and tests). */
  async sentByKind(): Promise<Map<string, { messages: number; bytes: number }>> {
    const out = new Map<string, { messages: number; bytes: number }>();
    const entry = (kind: string) => {
      let e = out.get(kind);
      if (!e) {
        e = { messages: 0, bytes: 0 };
        out.set(kind, e);
      }
      return e;
    };
    for (const v of (await this.sent.get()).values) entry(String(v.labels['kind'])).messages += v.value;
    for (const v of (await this.sentBytes.get()).values) entry(String(v.labels['kind'])).bytes += v.value;
    return out;
  }

  /** Records the run time of a handler for `kind`, seconds. */
  observeHandler(kind: string, seconds: number): void {
    let h = this.handlerChildren.get(kind);
    if (!h) {
      h = this.handlerSeconds.labels(kind);
      this.handlerChildren.set(kind, h);
    }
    h.observe(seconds);
  }

  /**
   * The registry in the wire form of a `metrics` reply (its JSON form, every series labelled with this
   * actor's role and instance): what the gateway merges into the cluster's `/metrics`.
   */
  async wireFamilies(): Promise<MetricFamily[]> {
    return toWireFamilies(await this.registry.getMetricsAsJSON());
  }

  /** Counts one successful outgoing request. */
  countRequestOk(): void {
    this.okRequests ??= this.requests.labels('ok');
    this.okRequests.inc();
  }
}

/** A sample value as it travels: finite numbers as they are, the others as Prometheus spells them. */
function wireValue(v: number): MetricValue {
  if (Number.isFinite(v)) return v;
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? '+Inf' : '-Inf';
}

type RegistryJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** prom-client's JSON form → `metrics` families (labels without a value left out). */
export function toWireFamilies(json: RegistryJson): MetricFamily[] {
  return json.map((m) => ({
    name: m.name,
    help: m.help,
    type: String(m.type),
    values: m.values.map((v) => {
      const labels: Record<string, string | number> = {};
      for (const [k, l] of Object.entries(v.labels)) if (l !== undefined) labels[k] = l;
      const metricName = (v as { metricName?: string }).metricName;
      return { value: wireValue(v.value), labels, ...(metricName ? { metricName } : {}) };
    }),
  }));
}
