import { ErrorCode } from '@specmesh/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuntimeMetrics } from '../src/metrics.js';
import { type MetricsEndpoint, serveMetrics } from '../src/metrics-endpoint.js';

describe('metrics endpoint of a process', () => {
  const metrics = new RuntimeMetrics({ role: 'verifier', instance: 'v-1' });
  let endpoint: MetricsEndpoint;
  beforeAll(async () => {
    endpoint = await serveMetrics([metrics.registry], { port: 0 });
  });
  afterAll(async () => {
    await endpoint.close();
  });

  it('serves the registry in Prometheus text format, counters as they are now', async () => {
    metrics.badMessages.inc({ code: ErrorCode.Schema }, 3);
    const r = await fetch(endpoint.url);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await r.text()).toContain(
      'specmesh_bad_messages_total{code="E_SCHEMA",role="verifier",instance="v-1"} 3',
    );
  });

  it('answers 404 elsewhere', async () => {
    expect((await fetch(endpoint.url.replace('/metrics', '/other'))).status).toBe(404);
  });

  it('refuses a port out of range, and one already taken, as configuration errors', async () => {
    await expect(serveMetrics([], { port: 70_000 })).rejects.toMatchObject({ code: ErrorCode.Config });
    const port = Number(new URL(endpoint.url).port);
    await expect(serveMetrics([], { port })).rejects.toMatchObject({
      code: ErrorCode.Config,
      message: expect.stringMatching(/cannot serve metrics on 127\.0\.0\.1:\d+/),
    });
  });
});
