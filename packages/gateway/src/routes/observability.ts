/**
 * Read-only JSON for the dashboard and `specmesh trace`:
 * - `GET /specmesh/cluster`: instances by role, alive / draining / dead, with load;
 * - `GET /specmesh/stats`: live throughput, TTFT, TPOT, acceptance, and speculation health per pair;
 * - `GET /specmesh/requests`: the last finished requests (`?limit=`, newest first);
 * - `GET /specmesh/requests/:id`: one request with its speculation timeline (404 when not kept).
 */
import type { FastifyInstance } from 'fastify';
import type { LiveStats } from '../observability/live-stats.js';
import type { SpeculationHealth } from '../observability/speculation-health.js';
import type { TimelineStore } from '../observability/timeline-store.js';
import type { Topology } from '../observability/topology.js';

export interface ObservabilityRouteContext {
  readonly topology: Topology;
  readonly live: LiveStats;
  readonly health: SpeculationHealth;
  readonly timelines: TimelineStore;
}

export function registerObservabilityRoutes(app: FastifyInstance, ctx: ObservabilityRouteContext): void {
  app.get('/specmesh/cluster', async () => ({ instances: ctx.topology.instances() }));
  app.get('/specmesh/stats', async () => ({
    ...ctx.live.snapshot(),
    pairs: ctx.health.all(),
    thresholds: ctx.health.config,
  }));
  app.get<{ Querystring: { limit?: string } }>('/specmesh/requests', async (req) => {
    const limit = Number.parseInt(req.query.limit ?? '50', 10);
    return { requests: ctx.timelines.list(Number.isFinite(limit) ? Math.min(1000, Math.max(1, limit)) : 50) };
  });
  app.get<{ Params: { id: string } }>('/specmesh/requests/:id', async (req, reply) => {
    const t = ctx.timelines.get(req.params.id);
    if (!t) {
      return reply.code(404).send({
        error: {
          message: `no timeline kept for request ${req.params.id}`,
          type: 'invalid_request_error',
          param: 'id',
          code: null,
        },
      });
    }
    return t;
  });
}
