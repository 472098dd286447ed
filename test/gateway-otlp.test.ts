/**
 * OTLP export of speculation spans: a local HTTP server plays the OpenTelemetry collector, a request
 * goes through the gateway of a real cluster (emulated models, real nats-server) with the caller's
 * `traceparent`, and the spans the gateway posts (OTLP/HTTP JSON, flushed on shutdown) are the
 * request span in the caller's trace and one span per draft call and verification task under it,
 * whose accepted counts add up to what the request reports.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { Gateway, type RequestTimeline, resolveGatewayOptions } from '@specmesh/gateway';
import { emulatedPair } from '@specmesh/models';
import { type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './helpers/cli.js';
import { waitGatewayReady } from './helpers/gateway.js';
import { startRoles } from './helpers/roles.js';
import { within } from './helpers/within.js';

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes: Array<{ key: string; value: OtlpValue }>;
  status?: { code?: number };
}
interface OtlpBody {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: OtlpValue }> };
    scopeSpans: Array<{ spans: OtlpSpan[] }>;
  }>;
}

let nats: NatsServerHandle;
let collector: Server;
let collectorUrl = '';
const posts: Array<{ path: string; contentType: string; body: OtlpBody }> = [];
const stops: Array<() => Promise<void>> = [];
let common: { servers: string; heartbeatIntervalMs: number };
const { target, drafter } = emulatedPair({
  agreement: 0.7,
  seed: 9,
  latency: { ttftMs: 2, tpotMs: 1 },
  drafterLatency: { ttftMs: 0.5, tpotMs: 0.2 },
});

beforeAll(async () => {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      posts.push({
        path: req.url ?? '',
        contentType: String(req.headers['content-type']),
        body: JSON.parse(raw.toString('utf8')) as OtlpBody,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  nats = await startNatsServer();
  common = { servers: nats.url, heartbeatIntervalMs: 100 };
  stops.push(await startRoles(common, { target, drafter, verifierIds: ['ov0', 'ov1'], drafterId: 'od0' }));
}, within(20_000));

afterAll(async () => {
  for (const s of stops) await s();
  await nats.stop();
  await new Promise((r) => collector.close(r));
});

const attrs = (s: { attributes: Array<{ key: string; value: OtlpValue }> }) =>
  Object.fromEntries(
    s.attributes.map((a) => [
      a.key,
      a.value.stringValue ??
        (a.value.intValue !== undefined ? Number(a.value.intValue) : a.value.doubleValue),
    ]),
  );

describe('OTLP export of speculation spans', () => {
  it('is off by default and takes the standard OpenTelemetry variables', () => {
    expect(resolveGatewayOptions({ servers: 'x' }, {}).otlpTracesUrl).toBeUndefined();
    expect(resolveGatewayOptions({ servers: 'x', otlpEndpoint: 'http://c:4318' }, {}).otlpTracesUrl).toBe(
      'http://c:4318/v1/traces',
    );
    expect(
      resolveGatewayOptions({ servers: 'x', otlpEndpoint: 'http://c:4318/custom' }, {}).otlpTracesUrl,
    ).toBe('http://c:4318/custom');
    expect(
      resolveGatewayOptions({ servers: 'x' }, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' })
        .otlpTracesUrl,
    ).toBe('http://c:4318/v1/traces');
    expect(
      resolveGatewayOptions(
        { servers: 'x' },
        { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/x' },
      ).otlpTracesUrl,
    ).toBe('http://t/x');
    expect(
      resolveGatewayOptions(
        { servers: 'x' },
        { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' },
      ).otlpTracesUrl,
    ).toBeUndefined();
    expect(() => resolveGatewayOptions({ servers: 'x', otlpEndpoint: 'grpc://c:4317' }, {})).toThrow(
      /otlpEndpoint/,
    );
  });

  it(
    'exports the request span in the caller’s trace with one span per draft and verify round',
    async () => {
      const gw = await Gateway.start({
        ...common,
        port: 0,
        heartbeatIntervalMs: 0,
        otlpEndpoint: collectorUrl,
      });
      let stopped = false;
      try {
        await waitGatewayReady(gw.url);
        const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
        const callerSpan = '00f067aa0ba902b7';
        const res = await fetch(`${gw.url}/v1/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', traceparent: `00-${callerTrace}-${callerSpan}-01` },
          body: JSON.stringify({
            model: 'specmesh',
            prompt: 'trace me',
            max_tokens: 24,
            temperature: 0,
            specmesh: { mode: 'si', k: 4, include_sources: true },
          }),
        });
        expect(res.status).toBe(200);
        const header = res.headers.get('traceparent')!;
        const [, traceId, requestSpan] = header.split('-');
        expect(traceId).toBe(callerTrace);
        const out = (await res.json()) as {
          id: string;
          choices: Array<{ specmesh?: { sources: number[] } }>;
        };
        const kept = out.choices[0]!.specmesh!.sources.reduce((a, b) => a + b, 0);
        const timeline = (await (
          await fetch(`${gw.url}/specmesh/requests/${out.id}`)
        ).json()) as RequestTimeline;
        const verified = timeline.trace!.spans.filter((s) => s.kind === 'verify');
        const reportedAccepted = verified.reduce((a, s) => a + (s.accepted ?? 0), 0);

        // Nothing is sent before the batch processor's delay (5 s) ...
        expect(posts).toHaveLength(0);
        // ... and everything on shutdown.
        await gw.stop();
        stopped = true;
        expect(posts.length).toBeGreaterThan(0);
        expect(posts[0]!.path).toBe('/v1/traces');
        expect(posts[0]!.contentType).toMatch(/application\/json/);
        const resource = attrs(posts[0]!.body.resourceSpans[0]!.resource);
        expect(resource['service.name']).toBe('specmesh-gateway');
        expect(resource['service.instance.id']).toBe(gw.actor.id);
        const spans = posts.flatMap((p) =>
          p.body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)),
        );

        // The request span: the caller's trace, parented on the caller's span, the id the response named.
        const roots = spans.filter((s) => s.name === 'POST /v1/completions');
        expect(roots).toHaveLength(1);
        const root = roots[0]!;
        expect(root.traceId).toBe(callerTrace);
        expect(root.spanId).toBe(requestSpan);
        expect(root.parentSpanId).toBe(callerSpan);
        expect(root.kind).toBe(2); // SERVER
        const ra = attrs(root);
        expect(ra['specmesh.request_id']).toBe(out.id);
        expect(ra['http.response.status_code']).toBe(200);
        expect(ra['specmesh.mode']).toBe('si');
        expect(ra['specmesh.completion_tokens']).toBe(24);
        expect(ra['specmesh.drafted_tokens']).toBe(kept);
        expect(ra['specmesh.speculation.accepted']).toBe(reportedAccepted);

        // One child per timeline span, all in the trace and under the request span.
        const children = spans.filter((s) => s !== root);
        expect(children).toHaveLength(timeline.trace!.spans.length);
        for (const c of children) {
          expect(c.traceId).toBe(callerTrace);
          expect(c.parentSpanId).toBe(root.spanId);
        }
        const verifySpans = children.filter((s) => s.name === 'specmesh.verify');
        expect(verifySpans).toHaveLength(verified.length);
        expect(children.filter((s) => s.name === 'specmesh.draft').length).toBeGreaterThan(0);
        let accepted = 0;
        for (const v of verifySpans) {
          const a = attrs(v);
          expect(['ov0', 'ov1']).toContain(a['specmesh.verifier_id']);
          expect(['accepted', 'rejected']).toContain(a['specmesh.outcome']);
          // The very span the timeline reports for the task: same target, drafts, verdict.
          const same = verified.find((t) => t.taskId === a['specmesh.task_id'])!;
          expect(a['specmesh.verifier_id']).toBe(same.verifierId);
          expect(a['specmesh.drafts']).toBe(same.n);
          expect(a['specmesh.accepted']).toBe(same.accepted);
          expect(a['specmesh.outcome']).toBe(same.outcome);
          expect(a['specmesh.drafts']).toBeLessThanOrEqual(4);
          expect(a['specmesh.drafter_id']).toBe('od0');
          accepted += a['specmesh.accepted'] as number;
        }
        // Accepted counts sum to what the request reports: every kept draft, plus at most what the last
        // round accepted past max_tokens.
        expect(accepted).toBe(reportedAccepted);
        expect(accepted).toBeGreaterThanOrEqual(kept);
        expect(accepted).toBeLessThanOrEqual(kept + 4);

        // Times: children within the request (one clock here), in nanoseconds since the epoch.
        const ns = (x: string | number) => BigInt(x);
        const rootStart = ns(root.startTimeUnixNano);
        const rootEnd = ns(root.endTimeUnixNano);
        expect(rootStart).toBeGreaterThan(BigInt(Date.now() - 60_000) * 1_000_000n);
        expect(rootEnd).toBeGreaterThan(rootStart);
        for (const c of children) {
          expect(ns(c.startTimeUnixNano)).toBeGreaterThanOrEqual(rootStart - 2_000_000n);
          expect(ns(c.endTimeUnixNano)).toBeLessThanOrEqual(rootEnd + 2_000_000n);
          expect(ns(c.endTimeUnixNano)).toBeGreaterThanOrEqual(ns(c.startTimeUnixNano));
        }
      } finally {
        if (!stopped) await gw.stop();
      }
    },
    within(30_000),
  );

  it(
    'starts a trace of its own when the caller sends none',
    async () => {
      posts.length = 0;
      const gw = await Gateway.start({
        ...common,
        port: 0,
        heartbeatIntervalMs: 0,
        otlpEndpoint: collectorUrl,
      });
      await waitGatewayReady(gw.url);
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'specmesh',
          messages: [{ role: 'user', content: 'hi' }],
          max_tokens: 8,
          temperature: 0,
        }),
      });
      expect(res.status).toBe(200);
      const [, traceId, spanId] = res.headers.get('traceparent')!.split('-');
      await gw.flushSpans();
      const spans = posts.flatMap((p) =>
        p.body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)),
      );
      const root = spans.find((s) => s.name === 'POST /v1/chat/completions')!;
      expect(root.traceId).toBe(traceId);
      expect(root.spanId).toBe(spanId);
      expect(root.parentSpanId ?? '').toBe('');
      expect(spans.every((s) => s.traceId === traceId)).toBe(true);
      await gw.stop();
    },
    within(20_000),
  );

  it(
    'is switched on from the command line: specmesh node --role gateway --otlp-endpoint (with --served-model-name)',
    async () => {
      posts.length = 0;
      const child = spawn(
        process.execPath,
        [
          CLI,
          'node',
          '--role',
          'gateway',
          '--port',
          '0',
          '--json',
          '--nats',
          nats.url,
          '--heartbeat-ms',
          '100',
          '--otlp-endpoint',
          collectorUrl,
          // Riding along (a gateway process costs seconds): the served names come from the flag too.
          '--served-model-name',
          'specmesh',
          '--served-model-name',
          'specmesh-large',
          '--log-level',
          'warn',
        ],
        {
          env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' },
        },
      );
      try {
        const ready = await new Promise<{ url: string }>((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            const line = out.split('\n').find((l) => l.includes('"ready"'));
            if (line) resolve(JSON.parse(line) as { url: string });
          });
          child.on('exit', (code) => reject(new Error(`gateway exited ${code}`)));
        });
        await waitGatewayReady(ready.url);
        const models = (await (await fetch(`${ready.url}/v1/models`)).json()) as {
          data: Array<{ id: string }>;
        };
        expect(models.data.map((m) => m.id)).toEqual(['specmesh', 'specmesh-large']);
        const res = await fetch(`${ready.url}/v1/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'specmesh', prompt: 'from the cli', max_tokens: 6, temperature: 0 }),
        });
        expect(res.status).toBe(200);
        const [, traceId] = res.headers.get('traceparent')!.split('-');
        // A drain on SIGTERM flushes the batch processor.
        const exited = new Promise((r) => child.on('exit', r));
        child.kill('SIGTERM');
        await exited;
        const spans = posts.flatMap((p) =>
          p.body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((x) => x.spans)),
        );
        expect(spans.find((x) => x.name === 'POST /v1/completions')?.traceId).toBe(traceId);
      } finally {
        child.kill('SIGKILL');
      }
    },
    within(30_000),
  );
});
