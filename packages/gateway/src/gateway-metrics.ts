/**
 * Metrics of the gateway: requests, latency to first token, time per output token (per choice), end
 * to end.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class GatewayMetrics {
  readonly requests: Counter<'endpoint' | 'status'>;
  readonly ttft: Histogram<'endpoint'>;
  readonly tpot: Histogram<'endpoint'>;
  readonly e2e: Histogram<'endpoint'>;
  readonly tokens: Counter<'kind'>;
  readonly unverified: Counter<'drafter'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'specmesh_gateway_requests_total',
      // A client that leaves before its response is complete is counted as 499 (nginx's "client
      // closed request"), so server errors (5xx) stay the gateway's and the cluster's own.
      help: 'HTTP generation requests by endpoint and status (499: the client closed the request first)',
      labelNames: ['endpoint', 'status'],
      registers,
    });
    this.ttft = new Histogram({
      name: 'specmesh_gateway_ttft_seconds',
      help: 'Time to first token',
      labelNames: ['endpoint'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.tpot = new Histogram({
      name: 'specmesh_gateway_tpot_seconds',
      help: 'Time per output token after the first',
      labelNames: ['endpoint'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.e2e = new Histogram({
      name: 'specmesh_gateway_request_seconds',
      help: 'End-to-end request latency',
      labelNames: ['endpoint'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.tokens = new Counter({
      name: 'specmesh_gateway_tokens_total',
      help: 'Tokens by kind (prompt, completion, drafted = from an accepted draft)',
      labelNames: ['kind'],
      registers,
    });
    this.unverified = new Counter({
      name: 'specmesh_gateway_unverified_tokens_total',
      help: 'Output tokens refused because no target verified them, by the drafter whose session sent them',
      labelNames: ['drafter'],
      registers,
    });
  }
}
