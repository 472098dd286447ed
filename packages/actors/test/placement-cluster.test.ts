/**
 * Adaptive placement with real messages: an edge drafter reaches NATS through a delay proxy, and one
 * cloud verifier also holds a draft model (it can run requests fused). While the link is fast,
 * requests run at the edge; when it turns slow mid-run they move to the cloud at a step boundary;
 * a request admitted while the link is slow starts fused. Under AWC, the adaptive window controller
 * moves them: to the cloud when it settles on fused mode (γ = 1), back to the edge when it would run
 * distributed rounds there again. Greedy output stays the target's.
 */
import type { AwcWeights } from '@specmesh/core';
import { emulatedPair, type LatencyProfileMs } from '@specmesh/models';
import type { BodyOf } from '@specmesh/protocol';
import { sampleBodies } from '@specmesh/protocol/internal';
import { Actor, DelayProxy, machineLoadFactor, startupDeadlineMs } from '@specmesh/runtime';
import { describe, expect, it } from 'vitest';
import { Batcher } from '../src/batcher/batcher.js';
import { collect, generate } from '../src/client/generate-client.js';
import { Drafter } from '../src/drafter/drafter.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { Verifier } from '../src/verifier/verifier.js';
import { useNatsServer } from './harness.js';
import { rttOnlyAwcWeights } from './rtt-awc-weights.js';

/**
 * `idle` ms as this machine runs now. Every round trip the tests compare is measured on it (event
 * loops, the proxy), so "fast" and "slow" links and the thresholds between them are the idle figures
 * times its load factor, read when a test sets them (not when the file loads: a suite's other files
 * start after it), so the decisions under test keep their margins on a busy machine.
 */
const slower = (idle: number) => idle * machineLoadFactor();

const nats = useNatsServer();

const submit = (
  requestId: string,
  prompt: string,
  maxTokens: number,
  window: BodyOf<'submit'>['window'] = { policy: 'static', k: 4 },
): BodyOf<'submit'> => ({
  ...sampleBodies().submit,
  requestId,
  prompt,
  mode: 'si',
  maxTokens,
  sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
  window,
  deadlineAt: Date.now() + 60_000,
  stop: undefined,
});

/**
 * The topology of these tests: a scheduler, a batcher, a verifier v0 and a verifier v1 that also
 * drafts (fused host) in the cloud; an edge drafter d0 behind a delay proxy (`proxy.oneWayMs`).
 */
async function edgeAndCloud(o: {
  prefix: string;
  seed: number;
  latency: LatencyProfileMs;
  drafterLatency: LatencyProfileMs;
  fusedRttMs?: number;
  awcWeights?: AwcWeights;
}) {
  const { target, drafter } = emulatedPair({
    agreement: 0.8,
    seed: o.seed,
    latency: o.latency,
    drafterLatency: o.drafterLatency,
  });
  const awc = o.awcWeights ? { awcWeights: o.awcWeights } : {};
  const proxy = await DelayProxy.start({ targetPort: Number(new URL(nats.url).port) });
  const cloud = { servers: nats.url, subjects: { prefix: o.prefix }, heartbeatIntervalMs: 50 };
  const edge = { ...cloud, servers: proxy.url };
  const sched = await Scheduler.start({
    ...cloud,
    placement: 'adaptive',
    ...(o.fusedRttMs !== undefined ? { fusedRttMs: o.fusedRttMs, busyLoad: 0.75 } : {}),
    ...awc,
  });
  const batcher = await Batcher.start({ ...cloud, pool: 'p' });
  const v0 = await Verifier.start({ ...cloud, id: 'v0', pool: 'p', model: target });
  // Few hosted sessions at once: placements beyond them wait for v1's heartbeats to free them.
  const v1 = await Verifier.start({
    ...cloud,
    id: 'v1',
    pool: 'p',
    model: target,
    draftModel: drafter,
    hostSessions: 4,
    ...awc,
  });
  const d0 = await Drafter.start({ ...edge, id: 'd0', model: drafter, ...awc });
  const client = await Actor.start({ ...cloud, role: 'gateway', heartbeatIntervalMs: 0 });
  nats.defer(async () => {
    await client.stop();
    await d0.stop();
    await v1.stop();
    await v0.stop();
    await batcher.stop();
    await sched.stop();
    await proxy.stop();
  });
  await sched.membership.waitFor((ms) => ms.length >= 4, startupDeadlineMs(4));
  // The link is fast until a test slows it: wait until the edge drafter's reported round trip says so
  // (its first pings, while everything starts on a busy machine, can be slow).
  await sched.membership.waitFor((ms) => {
    const rtt = ms.find((m) => m.id === 'd0')?.heartbeat.meta?.['rttMs'];
    return typeof rtt === 'number' && rtt < slower(4);
  }, startupDeadlineMs(4));
  /** The target's own greedy continuation of `prompt`. */
  const reference = (prompt: string, n: number) => {
    const ctx = [target.info.bosId, ...target.tokenize(prompt)];
    for (let i = 0; i < n; i++) ctx.push(target.targetArgmax(ctx));
    return ctx.slice(-n);
  };
  return { proxy, sched, batcher, v0, v1, client, reference };
}

describe('adaptive placement between an edge drafter and a cloud verifier that drafts', () => {
  it("moves running requests to the cloud when the edge link turns slow, with the target's output", async () => {
    const { proxy, sched, batcher, v0, v1, client, reference } = await edgeAndCloud({
      prefix: 'place',
      seed: 5,
      latency: { ttftMs: 2, tpotMs: 2, perTokenMs: 0.1 },
      drafterLatency: { ttftMs: 0.3, tpotMs: 0.2 },
      // Well above what a fast link measures on a busy machine, well below the slow link's 40 ms.
      fusedRttMs: slower(15),
    });
    const moves: string[] = [];
    const prompts = ['edge first', 'then the cloud', 'and back never'];
    const running = prompts.map(async (p, i) =>
      collect(
        await generate(client, submit(`m-${i}`, p, 240), {
          onMove: (m) => moves.push(`${m.reason}:${m.fromHost}->${m.toHost}`),
        }),
      ),
    );
    // Awaited below; a check failing before then must not leave their later rejections unhandled.
    for (const r of running) r.catch(() => undefined);
    // Fast link: everything runs at the edge.
    const edgeBy = Date.now() + startupDeadlineMs(1);
    while (v0.stats.tasks + v1.stats.tasks < 20) {
      if (Date.now() > edgeBy) throw new Error(`only ${v0.stats.tasks + v1.stats.tasks} rounds at the edge`);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(sched.stats.fused).toBe(0);
    // The link turns slow: 40 ms round trips.
    proxy.oneWayMs = slower(20);
    const outs = await Promise.all(running);
    for (const [i, o] of outs.entries()) expect(o.tokens).toEqual(reference(prompts[i]!, 240));
    expect(moves.filter((m) => m === 'handover:d0->v1').length).toBeGreaterThan(0);
    expect(sched.stats.fused).toBeGreaterThan(0);

    // Admitted while the link is slow: fused from the start, never at the edge.
    const before = sched.stats.fused;
    const pooled = { batcher: batcher.stats.tasks, v0: v0.stats.tasks, v1: v1.stats.tasks };
    const late = await generate(client, submit('late', 'born in the cloud', 40));
    expect(late.accepted.drafterId).toBe('v1');
    expect((await collect(late)).tokens).toEqual(reference('born in the cloud', 40));
    expect(sched.stats.fused).toBe(before + 1);
    // Fused rounds never leave v1: its own target verifies them, with no batcher and no message.
    expect(batcher.stats.tasks).toBe(pooled.batcher);
    expect(v0.stats.tasks).toBe(pooled.v0);
    expect(v1.stats.tasks).toBeGreaterThanOrEqual(pooled.v1 + 40 / 5);
    // One after another, more requests than v1 hosts at once: each is placed fused again (the
    // scheduler's reservations on v1 end with its next heartbeat).
    for (let i = 0; i < 6; i++) {
      const next = await generate(client, submit(`later-${i}`, 'born in the cloud', 8));
      expect(next.accepted.drafterId).toBe('v1');
      await collect(next);
      await new Promise((r) => setTimeout(r, 120));
    }
  });
});

describe('AWC places sessions: fused mode runs at the target, distributed rounds at the edge', () => {
  it('moves running requests to the cloud and back as the edge link slows and recovers', async () => {
    // A network steered by the round trip alone (γ = 8 below a few ms, fused from about 20 ms).
    const { proxy, sched, v0, v1, client, reference } = await edgeAndCloud({
      prefix: 'awcplace',
      seed: 7,
      latency: { ttftMs: 2, tpotMs: 3, perTokenMs: 0.1 },
      drafterLatency: { ttftMs: 0.3, tpotMs: 0.3 },
      awcWeights: rttOnlyAwcWeights(slower(3)),
    });
    const moves: string[] = [];
    const until = async (what: string, ok: () => boolean) => {
      const end = Date.now() + startupDeadlineMs(1);
      while (!ok()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; moves: ${moves.join(', ')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const awc = { policy: 'awc', k: 4 };
    const prompts = ['awc at the edge', 'awc in the cloud'];
    const n = 1500;
    const running = prompts.map(async (p, i) =>
      collect(
        await generate(client, submit(`awc-${i}`, p, n, awc), {
          onMove: (m) => moves.push(`${m.reason}:${m.fromHost}->${m.toHost}`),
        }),
      ),
    );
    // Fast link: AWC picks long distributed windows, the requests stay at the edge.
    await until('rounds at the edge', () => v0.stats.tasks + v1.stats.tasks >= 20);
    expect(sched.stats.fused).toBe(0);
    // The link turns slow (40 ms round trips): AWC settles on fused mode and the requests move.
    proxy.oneWayMs = slower(20);
    await until('a move to the cloud', () => moves.includes('handover:d0->v1'));
    // It recovers: AWC at the edge would run distributed rounds again, so they come back.
    proxy.oneWayMs = 0;
    await until('a move back to the edge', () => moves.includes('handover:v1->d0'));
    const outs = await Promise.all(running);
    for (const [i, o] of outs.entries()) expect(o.tokens).toEqual(reference(prompts[i]!, n));
  });
});
