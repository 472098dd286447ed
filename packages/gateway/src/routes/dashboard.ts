/**
 * `GET /dashboard`: the cluster dashboard page, its script and Chart.js, all served from this package
 * and node_modules (no CDN: clusters often run without internet access).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MissingError } from '@specmesh/protocol';
import type { FastifyInstance } from 'fastify';

const here = dirname(fileURLToPath(import.meta.url));

function load(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new MissingError(`dashboard ${what} not found at ${path}`, { cause });
  }
}

/** Reads the page's files once, at registration, so a broken install fails at start, not per hit. */
export function registerDashboardRoutes(app: FastifyInstance): void {
  const assets = join(here, '..', '..', 'dashboard');
  const html = load(join(assets, 'index.html'), 'page');
  const script = load(join(assets, 'dashboard.js'), 'script');
  // chart.js exports only its entry points; the UMD build sits beside the CommonJS one.
  const chartEntry = createRequire(import.meta.url).resolve('chart.js');
  const chart = load(join(dirname(chartEntry), 'chart.umd.min.js'), 'charting library (chart.js)');
  app.get('/dashboard', async (_req, reply) => reply.type('text/html; charset=utf-8').send(html));
  app.get('/dashboard/dashboard.js', async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').send(script),
  );
  app.get('/dashboard/chart.umd.min.js', async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'max-age=3600').send(chart),
  );
}
