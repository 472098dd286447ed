/** `/v1/models`, `/v1/models/{id}`, `/health`, `/ready` and `/metrics`. */
import type { MembershipView } from '@specmesh/runtime';
import type { FastifyInstance } from 'fastify';
import { modelNotFound } from '../openai-errors.js';

export interface ServiceRouteContext {
  /** The model names served, in order. */
  readonly modelNames: readonly string[];
  readonly created: number;
  readonly view: MembershipView;
  /** The Prometheus text `/metrics` serves. */
  metricsText(): Promise<string>;
  /** True while the gateway's NATS connection is up. */
  connected(): boolean;
}

export function registerServiceRoutes(app: FastifyInstance, ctx: ServiceRouteContext): void {
  const model = (id: string) => ({ id, object: 'model', created: ctx.created, owned_by: 'specmesh' });
  app.get('/v1/models', async () => ({ object: 'list', data: ctx.modelNames.map(model) }));
  app.get<{ Params: { id: string } }>('/v1/models/:id', async (req, reply) => {
    const id = req.params.id;
    if (!ctx.modelNames.includes(id)) return reply.code(404).send(modelNotFound(id));
    return model(id);
  });
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
