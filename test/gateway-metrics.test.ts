/**
 * The gateway's `/metrics` shows the whole cluster: every actor answers the gateway's `metrics.get`
 * scatter-gather over a real nats-server, and the page (valid Prometheus text, read with a real
 * parser) holds the series of the drafter, verifiers, batcher and scheduler, each under its own
 * `role` and `instance`, with the values the requests of this test caused. An instance that does not
 * answer is simply missing and counted; gatherings are cached.
 */
import { connect } from '@nats-io/transport-node';
import { Gateway, type RequestTimeline } from '@specmesh/gateway';
import { emulatedPair } from '@specmesh/models';
import { Codec, createSubjects, type TraceSpan } from '@specmesh/protocol';
import { type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitGatewayReady } from './helpers/gateway.js';
import { startRoles } from './helpers/roles.js';
import { within } from './helpers/within.js';

type Families = ReturnType<typeof parsePrometheusTextFormat>;

let server: NatsServerHandle;
let gw: Gateway;
const stops: Array<() => Promise<void>> = [];
const { target, drafter } = emulatedPair({
  agreement: 0.75,
  seed: 5,
  latency: { ttftMs: 2, tpotMs: 1 },
  drafterLatency: { ttftMs: 0.5, tpotMs: 0.2 },
});

beforeAll(async () => {
  server = await startNatsServer();
  const common = { servers: server.url, heartbeatIntervalMs: 100 };
  const stopRoles = await startRoles(common, {
    target,
    drafter,
    verifierIds: ['mv0', 'mv1'],
    drafterId: 'md0',
    schedulerId: 'ms0',
    batcherId: 'mb0',
  });
  gw = await Gateway.start({
    ...common,
    id: 'mgw',
    port: 0,
    heartbeatIntervalMs: 0,
    clusterMetrics: { windowMs: 1000, cacheMs: 1500 },
  });
  stops.push(() => gw.stop(), stopRoles);
  await waitGatewayReady(gw.url);
  await gw.membership.waitFor((m) => m.length >= 5, within(5000));
}, within(20_000));

afterAll(async () => {
  for (const s of stops) await s();
  await server.stop();
});

async function scrape(): Promise<{ text: string; families: Families }> {
  const res = await fetch(`${gw.url}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, families: parsePrometheusTextFormat(text) };
}

/** Sum of the samples of `name` whose labels include `labels`. */
function total(families: Families, name: string, labels: Record<string, string>): number {
  const fam = families.find((f) => f.name === name);
  let sum = 0;
  for (const m of fam?.metrics ?? []) {
    const s = m as { labels?: Record<string, string>; value?: string };
    if (Object.entries(labels).every(([k, v]) => s.labels?.[k] === v)) sum += Number(s.value ?? 0);
  }
  return sum;
}

describe('cluster metrics at the gateway', () => {
  it(
    'serves every role’s series with the values the requests caused',
    async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${gw.url}/v1/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'specmesh',
            prompt: `metrics ${i}`,
            max_tokens: 20,
            temperature: 0,
            specmesh: { mode: 'si', k: 4 },
          }),
        });
        expect(res.status).toBe(200);
        ids.push(((await res.json()) as { id: string }).id);
      }
      // What the test saw: every verification task of every request, and which verifier answered it.
      const spans: TraceSpan[] = [];
      for (const id of ids) {
        const t = (await (await fetch(`${gw.url}/specmesh/requests/${id}`)).json()) as RequestTimeline;
        spans.push(...t.trace!.spans.filter((s) => s.kind === 'verify'));
      }
      const tasks = spans.length;
      const verifiedBy = (v: string) => spans.filter((s) => s.verifierId === v).length;
      expect(tasks).toBeGreaterThan(0);

      const { text, families } = await scrape();
      const sent = 'specmesh_messages_sent_total';
      const received = 'specmesh_messages_received_total';
      // Drafter: one verify task per span, and the token chunks it streamed.
      expect(total(families, sent, { role: 'drafter', instance: 'md0', kind: 'verify.task' })).toBe(tasks);
      expect(total(families, sent, { role: 'drafter', instance: 'md0', kind: 'tokens' })).toBeGreaterThan(0);
      // Batcher: took each session's first task and sent it on in a batch; the verifier that answered it
      // took the session's later tasks straight from the drafter (direct verification).
      const viaBatcher = total(families, received, { role: 'batcher', instance: 'mb0', kind: 'verify.task' });
      const direct = ['mv0', 'mv1'].reduce(
        (n, v) => n + total(families, received, { role: 'verifier', instance: v, kind: 'verify.task' }),
        0,
      );
      expect(viaBatcher).toBeGreaterThanOrEqual(3);
      expect(direct).toBeGreaterThan(0);
      expect(viaBatcher + direct).toBe(tasks);
      expect(total(families, sent, { role: 'batcher', instance: 'mb0', kind: 'batch' })).toBeGreaterThan(0);
      // Verifiers: each published one result per task the timelines say it verified (SI preempts none).
      for (const v of ['mv0', 'mv1']) {
        expect(total(families, sent, { role: 'verifier', instance: v, kind: 'verify.result' })).toBe(
          verifiedBy(v),
        );
      }
      expect(verifiedBy('mv0') + verifiedBy('mv1')).toBe(tasks);
      // Scheduler: three submits admitted, three sessions started.
      expect(total(families, received, { role: 'scheduler', instance: 'ms0', kind: 'submit' })).toBe(3);
      expect(total(families, sent, { role: 'scheduler', instance: 'ms0', kind: 'session.start' })).toBe(3);
      // The gateway's own registries are there too, read locally.
      expect(total(families, sent, { role: 'gateway', instance: 'mgw', kind: 'submit' })).toBe(3);
      expect(
        total(families, 'specmesh_gateway_requests_total', { endpoint: 'completions', status: '200' }),
      ).toBe(3);
      expect(total(families, 'specmesh_gateway_cluster_metrics_instances', {})).toBe(5);
      // Histograms of other instances survive the trip: buckets, sum and count per instance. (Read
      // from the text: parse-prometheus-text-format 1.1.1 folds labelled histograms into one.)
      expect(families.find((f) => f.name === 'specmesh_handler_seconds')?.type).toBe('HISTOGRAM');
      const series = (suffix: string) =>
        text
          .split('\n')
          .filter(
            (l) =>
              l.startsWith(`specmesh_handler_seconds_${suffix}{`) &&
              l.includes('instance="mv0"') &&
              l.includes('kind="batch"'),
          );
      const batches = total(families, received, { role: 'verifier', instance: 'mv0', kind: 'batch' });
      expect(series('count')).toHaveLength(1);
      expect(Number(series('count')[0]!.split(' ').pop())).toBe(batches);
      expect(
        series('bucket')
          .find((l) => l.includes('le="+Inf"'))
          ?.endsWith(` ${batches}`),
      ).toBe(true);
    },
    within(30_000),
  );

  it('gathers once per cache interval, however often it is scraped', async () => {
    await new Promise((r) => setTimeout(r, 1600)); // past the cache
    const before = total((await scrape()).families, 'specmesh_gateway_cluster_metrics_gatherings_total', {});
    await Promise.all([scrape(), scrape(), scrape()]);
    const after = total((await scrape()).families, 'specmesh_gateway_cluster_metrics_gatherings_total', {});
    expect(after).toBe(before);
  });

  it(
    'leaves out an instance that does not answer, counts it, and still answers in about one window',
    async () => {
      // A member that heartbeats but never answers metrics.get (a hung process, an old build).
      const nc = await connect({ servers: server.url });
      const codec = new Codec({ from: 'mv-silent' });
      nc.publish(
        createSubjects().heartbeat('verifier', 'mv-silent'),
        codec.encode('heartbeat', {
          role: 'verifier',
          id: 'mv-silent',
          pool: 'p',
          version: '0.1.0',
          startedAt: Date.now(),
          seq: 0,
          intervalMs: 60_000,
          draining: false,
          load: { inflight: 0, queued: 0, capacity: 4 },
        }),
      );
      await nc.flush();
      await gw.membership.waitFor((m) => m.some((x) => x.id === 'mv-silent'), within(3000));
      const missingBefore = total(
        (await scrape()).families,
        'specmesh_gateway_cluster_metrics_missing_total',
        {
          role: 'verifier',
        },
      );
      await new Promise((r) => setTimeout(r, 1600));
      const t0 = performance.now();
      const { families } = await scrape();
      const took = performance.now() - t0;
      expect(took).toBeGreaterThanOrEqual(950);
      expect(took).toBeLessThan(4000);
      expect(total(families, 'specmesh_gateway_cluster_metrics_missing_total', { role: 'verifier' })).toBe(
        missingBefore + 1,
      );
      expect(total(families, 'specmesh_messages_sent_total', { instance: 'mv-silent' })).toBe(0);
      expect(total(families, 'specmesh_messages_sent_total', { instance: 'mv0' })).toBeGreaterThan(0);
      await nc.close();
    },
    within(15_000),
  );
});
