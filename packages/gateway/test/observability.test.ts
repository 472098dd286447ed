/**
 * What the gateway derives from the token streams it serves: Prometheus metrics that parse and whose
 * acceptance rate is the one the client measured from per-token sources, the speculation health flag
 * (gauge and log line), request timelines, topology and the dashboard page's assets.
 */
import { Writable } from 'node:stream';
import { machineLoadFactor, type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '../src/gateway.js';
import type { RequestSummary, RequestTimeline } from '../src/index.js';
import { type FakeCluster, startFakeCluster } from './fake-cluster.js';
import { sample, scrape } from './prometheus.js';

let server: NatsServerHandle;
let cluster: FakeCluster | undefined;
const gateways: Gateway[] = [];

beforeAll(async () => {
  server = await startNatsServer();
});
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
  for (const g of gateways.splice(0)) await g.stop();
});
afterAll(async () => {
  await server.stop();
});

async function complete(gw: Gateway, maxTokens: number) {
  const res = await fetch(`${gw.url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'specmesh',
      prompt: 'p',
      max_tokens: maxTokens,
      specmesh: { include_sources: true },
    }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { id: string; choices: Array<{ specmesh: { sources: number[] } }> };
}

describe('gateway observability', () => {
  it('exports parseable Prometheus metrics whose acceptance matches the measured sources', async () => {
    cluster = await startFakeCluster(server.url);
    const gw = await Gateway.start({ servers: server.url, port: 0, heartbeatIntervalMs: 0 });
    gateways.push(gw);
    let kept = 0;
    let total = 0;
    for (const n of [10, 7, 4]) {
      const sources = (await complete(gw, n)).choices[0]!.specmesh.sources;
      kept += sources.reduce((a, b) => a + b, 0);
      total += sources.length;
    }
    const fams = await scrape(gw.url);
    const pair = { drafter: 'fake-drafter', target: 'fake-verifier' };
    const accepted = sample(fams, 'specmesh_speculation_accepted_tokens_total', pair);
    const drafted = sample(fams, 'specmesh_speculation_drafted_tokens_total', pair);
    expect(drafted).toBe(total);
    expect(accepted).toBe(kept);
    expect(sample(fams, 'specmesh_speculation_acceptance_rate', pair)).toBeCloseTo(kept / total, 10);
    expect(sample(fams, 'specmesh_speculation_rounds_total', pair)).toBe(4 + 3 + 2);
    expect(sample(fams, 'specmesh_speculation_unhealthy', pair)).toBe(0);
    const lengths = fams.find((f) => f.name === 'specmesh_speculation_accepted_length');
    expect(lengths?.type).toBe('HISTOGRAM');
    expect(Number(lengths?.metrics[0]?.buckets?.['+Inf'])).toBe(9); // rounds observed
    expect(sample(fams, 'specmesh_gateway_requests_total', { endpoint: 'completions', status: '200' })).toBe(
      3,
    );
  });

  it('flags a drafter-target pair whose acceptance fell below the threshold, in metrics and logs', async () => {
    cluster = await startFakeCluster(server.url, { agreement: 'none' });
    const lines: Array<{ level: number; msg: string; drafter?: string; target?: string }> = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(JSON.parse(String(chunk)));
        cb();
      },
    });
    const gw = await Gateway.start({
      servers: server.url,
      port: 0,
      heartbeatIntervalMs: 0,
      logger: pino({ level: 'info' }, sink),
      speculationHealth: { minAcceptance: 0.2, window: 8, minRounds: 4 },
    });
    gateways.push(gw);
    await complete(gw, 10);
    const fams = await scrape(gw.url);
    const pair = { drafter: 'fake-drafter', target: 'fake-verifier' };
    expect(sample(fams, 'specmesh_speculation_acceptance_rate', pair)).toBe(0);
    expect(sample(fams, 'specmesh_speculation_unhealthy', pair)).toBe(1);
    const warn = lines.find((l) => l.msg === 'speculation no longer pays for this drafter-target pair');
    expect(warn).toMatchObject({ level: 40, drafter: 'fake-drafter', target: 'fake-verifier' });
  });

  it('keeps each finished request with its speculation timeline, and serves topology and the dashboard', async () => {
    cluster = await startFakeCluster(server.url);
    const gw = await Gateway.start({ servers: server.url, port: 0, heartbeatIntervalMs: 0 });
    gateways.push(gw);
    const { id } = await complete(gw, 10);
    const list = (await (await fetch(`${gw.url}/specmesh/requests`)).json()) as {
      requests: RequestSummary[];
    };
    expect(list.requests[0]).toMatchObject({
      requestId: id,
      completionTokens: 10,
      drafterId: 'fake-drafter',
      spans: 8,
    });
    const t = (await (await fetch(`${gw.url}/specmesh/requests/${id}`)).json()) as RequestTimeline;
    expect(t.trace?.spans.filter((s) => s.kind === 'verify').map((s) => s.accepted)).toEqual([1, 2, 1, 1]);
    expect((await fetch(`${gw.url}/specmesh/requests/nope`)).status).toBe(404);
    const until = Date.now() + 3000 * machineLoadFactor();
    let roles: string[] = [];
    while (!roles.includes('scheduler') && Date.now() < until) {
      const c = (await (await fetch(`${gw.url}/specmesh/cluster`)).json()) as {
        instances: Array<{ role: string }>;
      };
      roles = c.instances.map((i) => i.role);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(roles).toContain('scheduler');
    const page = await fetch(`${gw.url}/dashboard`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('/dashboard/chart.umd.min.js');
    const chart = await (await fetch(`${gw.url}/dashboard/chart.umd.min.js`)).text();
    expect(chart).toMatch(/Chart\.js v4/);
  });
});
