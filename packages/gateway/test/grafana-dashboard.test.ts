/** The Grafana dashboard in infra/grafana queries only metrics the gateway really exports. */
import { readFileSync } from 'node:fs';
import { type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Gateway } from '../src/gateway.js';
import { scrape } from './prometheus.js';

let server: NatsServerHandle;
let gw: Gateway;
beforeAll(async () => {
  server = await startNatsServer();
  gw = await Gateway.start({ servers: server.url, port: 0, heartbeatIntervalMs: 0 });
});
afterAll(async () => {
  await gw.stop();
  await server.stop();
});

it('every metric a panel queries is exported by the gateway', async () => {
  const path = new URL('../../../infra/grafana/specmesh-dashboard.json', import.meta.url);
  const dash = JSON.parse(readFileSync(path, 'utf8')) as {
    panels: Array<{ targets: Array<{ expr: string }> }>;
  };
  const queried = new Set<string>();
  for (const p of dash.panels)
    for (const t of p.targets)
      for (const m of t.expr.match(/specmesh_[a-z_]+/g) ?? [])
        queried.add(m.replace(/_(bucket|sum|count)$/, ''));
  const exported = new Set((await scrape(gw.url)).map((f) => f.name));
  expect(queried.size).toBeGreaterThan(10);
  expect([...queried].filter((m) => !exported.has(m))).toEqual([]);
});
