import type { Heartbeat } from '@specmesh/protocol';
import { sampleBodies } from '@specmesh/protocol/internal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Actor } from '../src/actor.js';
import { type MembershipEvent, MembershipView } from '../src/membership.js';
import { type NatsServerHandle, startNatsServer } from '../src/nats-server.js';
import { startupDeadlineMs } from '../src/startup-deadline.js';
import { exitOf, spawnEchoActor } from './helpers.js';

const hb = (over: Partial<Heartbeat> = {}): Heartbeat => ({ ...sampleBodies().heartbeat, ...over });

describe('membership expiry (injected clock)', () => {
  it('joins on the first beat and expires after missedBeats intervals', () => {
    const view = new MembershipView({ missedBeats: 3 });
    const events: MembershipEvent['type'][] = [];
    view.on((e) => events.push(e.type));
    view.observe(hb({ id: 'v1', intervalMs: 100 }), 1000);
    expect(view.alive().map((m) => m.id)).toEqual(['v1']);
    expect(view.expire(1300)).toEqual([]);
    expect(view.expire(1301).map((m) => m.id)).toEqual(['v1']);
    expect(view.alive()).toEqual([]);
    expect(events).toEqual(['join', 'leave']);
  });

  it('keeps an instance alive while it beats and reports a restart when startedAt changes', () => {
    const view = new MembershipView();
    const events: MembershipEvent['type'][] = [];
    view.on((e) => events.push(e.type));
    for (let t = 0; t < 2000; t += 100) view.observe(hb({ id: 'v1', intervalMs: 100 }), t);
    expect(view.expire(2000)).toEqual([]);
    view.observe(hb({ id: 'v1', intervalMs: 100, startedAt: 2_000_000_000_000 }), 2100);
    expect(events).toEqual(['join', 'restart']);
  });

  it('filters by role and pool and hides draining instances unless asked', () => {
    const view = new MembershipView();
    view.observe(hb({ id: 'v1', role: 'verifier', pool: 'a' }), 0);
    view.observe(hb({ id: 'v2', role: 'verifier', pool: 'b' }), 0);
    view.observe(hb({ id: 'd1', role: 'drafter', pool: undefined }), 0);
    view.observe(hb({ id: 'v3', role: 'verifier', pool: 'a', draining: true }), 0);
    expect(view.alive({ role: 'verifier', pool: 'a' }).map((m) => m.id)).toEqual(['v1']);
    expect(view.alive({ role: 'verifier', pool: 'a', includeDraining: true }).map((m) => m.id)).toEqual([
      'v1',
      'v3',
    ]);
    expect(view.alive({ role: 'drafter' }).map((m) => m.id)).toEqual(['d1']);
  });
});

describe('membership over NATS with real processes', () => {
  let server: NatsServerHandle;
  let observer: Actor;
  let view: MembershipView;
  beforeAll(async () => {
    server = await startNatsServer();
    observer = await Actor.start({ role: 'scheduler', servers: server.url, heartbeatIntervalMs: 0 });
    view = new MembershipView({ missedBeats: 3 }).start(observer, 25);
  });
  afterAll(async () => {
    view.stop();
    await observer.stop();
    await server.stop();
  });

  it("counts a heartbeat only on its own instance's subject", async () => {
    const sender = await Actor.start({
      role: 'drafter',
      id: 'hb-sender',
      servers: server.url,
      heartbeatIntervalMs: 0,
    });
    // One naming another instance, then one of its own: the second arriving means the first was seen.
    sender.publish(
      sender.subjects.heartbeat('drafter', 'hb-sender'),
      'heartbeat',
      hb({ role: 'drafter', id: 'hb-victim' }),
    );
    sender.publish(
      sender.subjects.heartbeat('drafter', 'hb-sender'),
      'heartbeat',
      hb({ role: 'drafter', id: 'hb-sender' }),
    );
    await view.waitFor((ms) => ms.some((m) => m.id === 'hb-sender'), startupDeadlineMs(1));
    expect(view.get('hb-victim')).toBeUndefined();
    await sender.stop();
  });

  it('sees a process join with its load, and drops it after SIGKILL once its beats stop', async () => {
    const child = await spawnEchoActor(server.url, 'echo-killed', 100);
    await view.waitFor((ms) => ms.some((m) => m.id === 'echo-killed'), startupDeadlineMs(1));
    const member = view.get('echo-killed')!;
    expect(member.role).toBe('echo');
    expect(member.heartbeat.load.capacity).toBe(1024);
    const left = new Promise<number>((resolve) => {
      const off = view.on((e) => {
        if (e.type === 'leave' && e.member.id === 'echo-killed') {
          off();
          resolve(Date.now());
        }
      });
    });
    const killedAt = Date.now();
    child.kill('SIGKILL');
    expect((await exitOf(child)).signal).toBe('SIGKILL');
    const leftAt = await left;
    // Three missed 100 ms beats, plus sweep granularity: well under a second, never immediate.
    expect(leftAt - killedAt).toBeGreaterThanOrEqual(150);
    expect(leftAt - killedAt).toBeLessThan(2000);
    expect(view.get('echo-killed')).toBeUndefined();
  });

  it('marks a process draining on SIGTERM and the process exits 0', async () => {
    const child = await spawnEchoActor(server.url, 'echo-termed', 100);
    await view.waitFor((ms) => ms.some((m) => m.id === 'echo-termed'), startupDeadlineMs(1));
    const sawDraining = view.waitFor(
      (ms) => ms.some((m) => m.id === 'echo-termed' && m.heartbeat.draining),
      5000,
    );
    child.kill('SIGTERM');
    await sawDraining;
    expect((await exitOf(child)).code).toBe(0);
    expect(view.alive().some((m) => m.id === 'echo-termed')).toBe(false);
  });
});
