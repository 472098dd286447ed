/**
 * A Prometheus scrape endpoint for one process: `GET /metrics` answers the text format of the given
 * registries, anything else 404. Role processes serve it on a port of their own (`specmesh node
 * --metrics-port`) so each one's counters (bad messages, refusals, handler times) can be scraped where
 * it runs; the gateway serves its metrics on its API port instead.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '@specmesh/protocol';
import type { Registry } from 'prom-client';

export interface MetricsEndpointOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Bind address. Defaults to `127.0.0.1`. */
  host?: string;
}

/** A listening metrics endpoint. */
export interface MetricsEndpoint {
  /** `http://host:port/metrics`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts serving `registries` (concatenated, in order) on `GET /metrics`.
 * @throws ConfigError for an invalid port or an address that cannot be bound.
 */
export async function serveMetrics(
  registries: readonly Registry[],
  options: MetricsEndpointOptions,
): Promise<MetricsEndpoint> {
  const host = options.host ?? '127.0.0.1';
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535) {
    throw new ConfigError(`metrics port must be 0-65535, got ${options.port}`, {
      context: { option: 'metrics-port' },
    });
  }
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    Promise.all(registries.map((r) => r.metrics())).then(
      (texts) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(texts.join('\n')),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) =>
      reject(
        new ConfigError(`cannot serve metrics on ${host}:${options.port}: ${cause.message}`, {
          cause,
          context: { option: 'metrics-port' },
        }),
      ),
    );
    server.listen(options.port, host, () => resolve());
  });
  // A scrape endpoint must not keep a draining process alive.
  server.unref();
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
