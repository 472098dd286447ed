/** Every actor answers `metrics.get` with its registry; `requestMany` gathers the answers of a window. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Actor } from '../src/actor.js';
import { RuntimeMetrics, toWireFamilies } from '../src/metrics.js';
import { type NatsServerHandle, startNatsServer } from '../src/nats-server.js';

let server: NatsServerHandle;
const actors: Actor[] = [];
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  for (const a of actors) await a.stop();
  await server.stop();
});

const start = async (role: 'echo' | 'gateway', id: string) => {
  const a = await Actor.start({ role, id, servers: server.url, heartbeatIntervalMs: 0 });
  actors.push(a);
  return a;
};

describe('metrics.get scatter-gather', () => {
  it('every actor answers with its registry, labelled with its role and instance', async () => {
    const a = await start('echo', 'echo-a');
    const b = await start('echo', 'echo-b');
    const gw = await start('gateway', 'gw-1');
    await Promise.all([a.flush(), b.flush()]);
    a.metrics.countSent('ping', 10);
    a.metrics.countSent('ping', 10);
    const t0 = performance.now();
    const replies = await gw.requestMany(
      gw.subjects.metricsGet(),
      'metrics.get',
      {},
      {
        expect: 'metrics',
        windowMs: 2000,
        maxReplies: 10,
        enough: (r) => r.filter((e) => e.body.id !== gw.id).length >= 2,
      },
    );
    // Stopped as soon as both answered, not at the end of the window.
    expect(performance.now() - t0).toBeLessThan(1500);
    const byId = new Map(replies.map((r) => [r.body.id, r.body]));
    expect(byId.get('echo-a')?.role).toBe('echo');
    const sent = byId.get('echo-a')!.families.find((f) => f.name === 'specmesh_messages_sent_total')!;
    expect(sent.type).toBe('counter');
    expect(sent.values).toContainEqual({
      value: 2,
      labels: { kind: 'ping', role: 'echo', instance: 'echo-a' },
    });
    const hist = byId.get('echo-b')!.families.find((f) => f.name === 'specmesh_request_seconds')!;
    expect(hist.values.some((v) => v.labels['le'] === '+Inf' && v.metricName?.endsWith('_bucket'))).toBe(
      true,
    );
  });

  it('gathers nothing, without throwing, when nobody listens', async () => {
    const gw = await start('gateway', 'gw-2');
    const replies = await gw.requestMany(
      `${gw.subjects.metricsGet()}x`,
      'metrics.get',
      {},
      {
        expect: 'metrics',
        windowMs: 200,
        maxReplies: 10,
      },
    );
    expect(replies).toEqual([]);
  });

  it('stops at maxReplies', async () => {
    const gw = await start('gateway', 'gw-3');
    const replies = await gw.requestMany(
      gw.subjects.metricsGet(),
      'metrics.get',
      {},
      {
        expect: 'metrics',
        windowMs: 1000,
        maxReplies: 1,
      },
    );
    expect(replies).toHaveLength(1);
  });

  it('sends non-finite values as Prometheus spells them', () => {
    const wire = toWireFamilies([
      // The JSON form as getMetricsAsJSON() gives it (the typings ask for more than it holds).
      {
        name: 'g',
        help: 'h',
        type: 'gauge' as never,
        aggregator: 'sum',
        values: [
          { value: Number.NaN, labels: {} },
          { value: Number.POSITIVE_INFINITY, labels: { a: 'x' } },
          { value: Number.NEGATIVE_INFINITY, labels: {} },
        ],
      },
    ] as unknown as Parameters<typeof toWireFamilies>[0]);
    expect(wire[0]!.values.map((v) => v.value)).toEqual(['NaN', '+Inf', '-Inf']);
  });
});

describe('RuntimeMetrics.sentByKind', () => {
  it('reads messages and bytes sent per kind from the counters', async () => {
    const m = new RuntimeMetrics({ role: 'echo', instance: 'x' });
    m.countSent('ping', 10);
    m.countSent('ping', 12);
    m.countSent('pong', 5);
    const sent = await m.sentByKind();
    expect(sent.get('ping')).toEqual({ messages: 2, bytes: 22 });
    expect(sent.get('pong')).toEqual({ messages: 1, bytes: 5 });
    expect(sent.has('error')).toBe(false);
  });
});
