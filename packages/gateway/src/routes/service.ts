/** `/v1/models`, `/health`, `/ready` and `/metrics`. */
import type { MembershipView } from '@specmesh/runtime';
import type { FastifyInstance } from 'fastify';

export interface ServiceRouteContext {
  readonly modelName: string;
  readonly created: number;
  readonly view: MembershipView;
  /** The Prometheus text `/metrics` serves. */
  metricsText(): Promise<string>;
  /** True while the gateway's NATS connection is up. */
  connected(): boolean;
}

export function registerServiceRoutes(app: FastifyInstance, ctx: ServiceRouteContext): void {
  app.get('/v1/models', async () => ({
    object: 'list',
    data: [{ id: ctx.modelName, object: 'model', created: ctx.created, owned_by: 'specmesh' }],
  }));
  // Liveness: the process answers.
  app.get('/health', async () => ({ status: 'ok' }));
  // Readiness: connected to NATS and a scheduler is alive to take requests.
  app.get('/ready', async (_req, reply) => {
    const schedulers = ctx.view.alive({ role: 'scheduler' }).length;
    const ready = ctx.connected() && schedulers > 0;
    return reply.code(ready ? 200 : 503).send({ ready, schedulers, connected: ctx.connected() });
  });
  app.get('/metrics', async (_req, reply) => {
    return reply.type('text/plain; version=0.0.4').send(await ctx.metricsText());
  });
}
