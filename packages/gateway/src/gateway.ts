/**
 * The gateway: an OpenAI-compatible HTTP server (fastify) in front of the cluster. It is an actor too
 * (role `gateway`): it submits requests to the schedulers and reads token streams over NATS.
 */
import { type VerifiedOutputOptions, VerifierKeys } from '@specmesh/actors';
import { SpecmeshError } from '@specmesh/protocol';
import { Actor, MembershipView } from '@specmesh/runtime';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { GatewayMetrics } from './gateway-metrics.js';
import { type GatewayConfig, type GatewayOptions, resolveGatewayOptions } from './gateway-options.js';
import { ClusterMetrics } from './observability/cluster-metrics.js';
import { LiveStats } from './observability/live-stats.js';
import type { RequestSpanSink } from './observability/request-spans.js';
import { SpeculationMetrics } from './observability/speculation-metrics.js';
import { TimelineStore } from './observability/timeline-store.js';
import { Topology } from './observability/topology.js';
import { invalidRequest, toOpenAIError } from './openai-errors.js';
import { requireApiKey } from './routes/api-key-guard.js';
import { registerCompletionRoutes } from './routes/completions.js';
import { registerDashboardRoutes } from './routes/dashboard.js';
import { registerNotFound } from './routes/not-found.js';
import { registerObservabilityRoutes } from './routes/observability.js';
import { registerResponsesRoutes } from './routes/responses.js';
import { registerServiceRoutes } from './routes/service.js';
import { type ValidationIssue, validationParam } from './validation-param.js';

export class Gateway {
  readonly actor: Actor;
  readonly config: GatewayConfig;
  readonly app: FastifyInstance;
  readonly metrics: GatewayMetrics;
  /** Speculation figures per drafter-target pair, with the health flag. */
  readonly speculation: SpeculationMetrics;
  /** The last finished requests with their speculation timelines. */
  readonly timelines: TimelineStore;
  /** Every instance's metrics for `/metrics`; undefined when configured off. */
  readonly clusterMetrics: ClusterMetrics | undefined;
  private readonly view: MembershipView;
  private readonly topology: Topology;
  private readonly spans: RequestSpanSink | undefined;
  private verifierKeys: VerifierKeys | undefined;
  /** Base URL once listening, e.g. `http://127.0.0.1:8080`. */
  url = '';

  private constructor(actor: Actor, config: GatewayConfig, spans: RequestSpanSink | undefined) {
    this.actor = actor;
    this.config = config;
    this.spans = spans;
    const registry = new Registry();
    this.metrics = new GatewayMetrics(registry);
    this.speculation = new SpeculationMetrics(registry, config.speculationHealth, actor.logger);
    this.timelines = new TimelineStore(config.timelineCapacity);
    const live = new LiveStats();
    this.view = new MembershipView().start(actor, 250);
    this.topology = new Topology(this.view);
    const local = [registry, actor.metrics.registry];
    this.clusterMetrics = config.clusterMetrics
      ? new ClusterMetrics(actor, this.view, local, config.clusterMetrics, registry)
      : undefined;
    const cluster = this.clusterMetrics;
    // No type coercion: ajv would otherwise turn `max_tokens: 0` into null and accept it.
    this.app = Fastify({
      bodyLimit: config.bodyLimitBytes,
      logger: false,
      ajv: { customOptions: { coerceTypes: false } },
    });
    this.app.setErrorHandler((err, _req, reply) => {
      if (err instanceof SpecmeshError) {
        const e = toOpenAIError(err);
        return reply.code(e.status).send(e.body);
      }
      const e = err as {
        validation?: ValidationIssue[];
        statusCode?: number;
        message: string;
        validationContext?: string;
      };
      if (e.validation)
        return reply
          .code(400)
          .send(invalidRequest(e.message, validationParam(e.validation) ?? e.validationContext ?? null));
      const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
      return reply.code(status).send({
        error: {
          message: e.message,
          type: status < 500 ? 'invalid_request_error' : 'server_error',
          param: null,
          code: null,
        },
      });
    });
    // First, so no route (and no body parsing) runs for a request without a valid key.
    if (config.apiKeys) requireApiKey(this.app, config.apiKeys);
    const generation = {
      actor,
      config,
      metrics: this.metrics,
      speculation: this.speculation,
      timelines: this.timelines,
      live,
      spans,
      verifiedOutput: this.verifiedOutputOptions(config),
      schedulers: () => this.view.alive({ role: 'scheduler' }),
    };
    registerCompletionRoutes(this.app, generation);
    registerObservabilityRoutes(this.app, {
      topology: this.topology,
      live,
      health: this.speculation.health,
      timelines: this.timelines,
    });
    registerResponsesRoutes(this.app, generation);
    registerDashboardRoutes(this.app);
    registerNotFound(this.app);
    registerServiceRoutes(this.app, {
      modelNames: config.servedModelNames,
      created: Math.floor(Date.now() / 1000),
      view: this.view,
      metricsText: cluster
        ? () => cluster.text()
        : async () => (await Promise.all(local.map((r) => r.metrics()))).join('\n'),
      connected: () => actor.status === 'running',
    });
  }

  /** Connects to NATS and starts listening for HTTP. */
  static async start(options: GatewayOptions): Promise<Gateway> {
    const config = resolveGatewayOptions(options);
    const actor = await Actor.start({ ...options, role: 'gateway' });
    let spans: RequestSpanSink | undefined;
    if (config.otlpTracesUrl) {
      // Loaded only when configured: an unconfigured gateway never pays for the SDK.
      const { OtlpSpanExporter } = await import('./observability/otlp-exporter.js');
      spans = new OtlpSpanExporter({
        url: config.otlpTracesUrl,
        serviceName: config.otlpServiceName,
        serviceVersion: actor.config.version,
        instanceId: actor.id,
      });
      actor.logger.info({ url: config.otlpTracesUrl }, 'exporting request spans over OTLP');
    }
    const gw = new Gateway(actor, config, spans);
    const address = await gw.app.listen({ port: config.port, host: config.host });
    gw.url = address;
    actor.logger.info({ url: address }, 'gateway listening');
    return gw;
  }

  /** Live membership as the gateway sees it. */
  get membership(): MembershipView {
    return this.view;
  }

  /** Sends the request spans queued so far (no-op when OTLP export is off). */
  async flushSpans(): Promise<void> {
    await this.spans?.flush();
  }

  /** Sends the spans still queued and stops exporting; never fails the shutdown. */
  private async shutdownSpans(): Promise<void> {
    try {
      await this.spans?.shutdown();
    } catch (err) {
      this.actor.logger.warn({ err }, 'request spans could not be flushed');
    }
  }

  /** Stops taking HTTP requests, lets running ones finish, flushes spans, then drains the actor. */
  async drain(): Promise<void> {
    await this.app.close();
    await this.shutdownSpans();
    this.topology.stop();
    this.view.stop();
    await this.actor.drain();
  }

  /** Chunk checking against the keys of the verifiers' heartbeats; counted and logged per refusal. */
  private verifiedOutputOptions(config: GatewayConfig): VerifiedOutputOptions | undefined {
    if (config.verifiedOutput === 'off') return undefined;
    this.verifierKeys = VerifierKeys.start(this.actor);
    return {
      keys: this.verifierKeys,
      mode: config.verifiedOutput,
      onUnverified: (u) => {
        this.metrics.unverified.inc({ drafter: u.host ?? 'unknown' }, u.tokens);
        this.actor.logger.warn(
          {
            drafter: u.host,
            requestId: u.requestId,
            sessionId: u.sessionId,
            seq: u.seq,
            tokens: u.tokens,
            reason: u.reason,
          },
          `output tokens no target verified, from drafter ${u.host ?? 'unknown'}: ${config.verifiedOutput === 'reject' ? 'request failed' : 'tokens dropped'}`,
        );
      },
    };
  }

  async stop(): Promise<void> {
    this.verifierKeys?.stop();
    await this.app.close();
    await this.shutdownSpans();
    this.topology.stop();
    this.view.stop();
    await this.actor.stop();
  }
}
