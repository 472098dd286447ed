/**
 * The `auto` mode and load-aware DSI over a real nats-server, on emulated targets that batch like an
 * accelerator (concurrent steps share a pass, cost rising past a knee): alone, a request speculates;
 * with many sessions past the knee the sessions decode plainly; DSI's parallel tasks are held back or
 * declined rather than queued on a busy pool. Greedy output is the target's in every case.
 */
import type { BatchCostProfile } from '@specmesh/core';
import { EmulatedModel } from '@specmesh/models';
import { type BodyOf, modeFields, type RequestMode } from '@specmesh/protocol';
import { sampleBodies } from '@specmesh/protocol/internal';
import { Actor, machineLoadFactor } from '@specmesh/runtime';
import { describe, expect, it } from 'vitest';
import { Batcher } from '../src/batcher/batcher.js';
import { collect, generate } from '../src/client/generate-client.js';
import { Drafter } from '../src/drafter/drafter.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { Verifier } from '../src/verifier/verifier.js';
import { useNatsServer } from './harness.js';

const nats = useNatsServer();

/** Each test runs crowds of sessions through 12 ms passes: a minute, scaled to the machine's load. */
const LIMIT_MS = 90_000 * machineLoadFactor();

/**
 * A small accelerator: 12 ms a pass, compute-bound past 4 positions. 20 sessions per verifier are then
 * five knees' worth of plain steps, past the knee whatever the hops add (at twice the knee, a few ms
 * of hops on a busy machine make one-draft rounds worth their compute, by `chooseRound`'s estimate).
 * At 6 ms a pass, hops stretched by a load that rose during the run (faster than the load average
 * follows) kept up to a quarter of the later tokens drafted; 12 ms keeps the regime with a margin.
 */
const PROFILE: BatchCostProfile = { baseMs: 12, perPositionMs: 0.2, kneePositions: 4 };

/**
 * The profile with its times stretched by `factor`: the auto mode weighs a pass against the hops it
 * measures, and a busy machine stretches the hops; a pass stretched alike keeps the test's regime.
 */
function slowerBy(factor: number, p: BatchCostProfile): BatchCostProfile {
  return { ...p, baseMs: p.baseMs * factor, perPositionMs: p.perPositionMs * factor };
}

async function cluster(prefix: string) {
  const shared = { seed: 11, vocabSize: 512 };
  // Stretched by the load when the cluster starts, not when the file loads: the suite's other
  // workers start after this file does, and the load average follows them with a lag.
  const batching = slowerBy(machineLoadFactor(), PROFILE);
  const target = new EmulatedModel({ ...shared, batching, name: 'emulated-target' });
  const draft = new EmulatedModel({ ...shared, agreement: 0.85, latency: { ttftMs: 0.3, tpotMs: 0.3 } });
  const common = { servers: nats.url, subjects: { prefix }, heartbeatIntervalMs: 50 };
  const sched = await Scheduler.start(common);
  // The batcher's and the client's waits stretch with the passes: at load 15 a crowd's first rounds
  // take longer than their defaults (10 s a batch, 30 s without a chunk).
  const batcher = await Batcher.start({
    ...common,
    pool: 'p',
    windowMs: 0,
    batchTimeoutMs: 10_000 * machineLoadFactor(),
  });
  const vs = await Promise.all(
    ['v0', 'v1'].map((id) => Verifier.start({ ...common, id, pool: 'p', model: target, hostSessions: 0 })),
  );
  const drafter = await Drafter.start({ ...common, id: 'd0', model: draft, maxSessions: 64 });
  const client = await Actor.start({ ...common, role: 'gateway', heartbeatIntervalMs: 0 });
  nats.defer(async () => {
    await client.stop();
    await drafter.stop();
    for (const v of vs) await v.stop();
    await batcher.stop();
    await sched.stop();
  });
  const until = Date.now() + 10_000 * machineLoadFactor();
  while (
    sched.membership.alive({ role: 'drafter' }).length < 1 ||
    sched.membership.alive({ role: 'verifier' }).length < 2 ||
    sched.membership.alive({ role: 'batcher' }).length < 1
  ) {
    if (Date.now() > until) throw new Error('cluster did not assemble');
    await new Promise((r) => setTimeout(r, 20));
  }
  // Sessions size DSI from the drafter's own view of the pool: wait until it sees both verifiers.
  await new Promise((r) => setTimeout(r, 150));
  const reference = (prompt: string, n: number) => {
    const ctx = [target.info.bosId, ...target.tokenize(prompt)];
    for (let i = 0; i < n; i++) ctx.push(target.targetArgmax(ctx));
    return ctx.slice(-n);
  };
  const run = async (id: string, prompt: string, mode: RequestMode, maxTokens: number) => {
    const submit: BodyOf<'submit'> = {
      ...sampleBodies().submit,
      requestId: id,
      prompt,
      ...modeFields(mode),
      maxTokens,
      sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
      window: { policy: 'static', k: 4 },
      deadlineAt: Date.now() + 60_000 * machineLoadFactor(),
      stop: undefined,
    };
    return collect(await generate(client, submit, { idleTimeoutMs: 30_000 * machineLoadFactor() }));
  };
  return { run, reference, batcher, verifiers: vs };
}

/** Share of output tokens that came from accepted drafts. */
const draftedShare = (outs: ReadonlyArray<{ sources: number[] }>) => {
  let drafted = 0;
  let all = 0;
  for (const o of outs) {
    for (const s of o.sources) drafted += s;
    all += o.sources.length;
  }
  return drafted / all;
};

describe('auto mode on batching targets (real nats-server)', () => {
  it(
    'speculates alone and decodes plainly past the knee, with the target’s greedy output either way',
    async () => {
      const c = await cluster('auto');
      const alone = await c.run('alone', 'a request on an idle pool', 'auto', 48);
      expect(alone.tokens).toEqual(c.reference('a request on an idle pool', 48));
      const idleShare = draftedShare([alone]);
      expect(idleShare).toBeGreaterThan(0.4);

      // 40 sessions over two verifiers whose knee is 4 positions: plain steps already fill the passes.
      const prompts = Array.from({ length: 40 }, (_, i) => `busy request ${i}`);
      const outs = await Promise.all(prompts.map((p, i) => c.run(`busy-${i}`, p, 'auto', 80)));
      for (const [i, o] of outs.entries()) expect(o.tokens).toEqual(c.reference(prompts[i]!, 80));
      // The first rounds start before heartbeats show the crowd; the second half of each output is
      // decoded once every session sees it.
      const later = outs.map((o) => ({ sources: o.sources.slice(40) }));
      expect(draftedShare(later)).toBeLessThan(idleShare / 3);
    },
    LIMIT_MS,
  );

  it(
    'load-aware DSI: on a busy pool no parallel task is queued, and output stays exact',
    async () => {
      // The same crowd in SI and in DSI, each on its own cluster. On a busy pool a DSI session holds its
      // parallel tasks back when the verifiers' reports show no room, and the batcher declines those
      // sent anyway (the reports lag a fast round); either way DSI sends the verifiers little more than
      // SI does. Queued parallel tasks would add one per extra SP degree to every round: twice SI's
      // tasks with these two verifiers. A parallel task sent where a report showed room runs at once
      // and is speculation, not queueing; how many find room follows the machine's timing (1.0-1.33x
      // SI's tasks measured on this machine, idle to busy), so the bound sits between that and 2x.
      const prompts = Array.from({ length: 24 }, (_, i) => `dsi under load ${i}`);
      const sent: Record<string, number> = {};
      for (const mode of ['si', 'dsi'] as const) {
        const c = await cluster(`busy-${mode}`);
        const outs = await Promise.all(prompts.map((p, i) => c.run(`${mode}-${i}`, p, mode, 40)));
        for (const [i, o] of outs.entries()) expect(o.tokens).toEqual(c.reference(prompts[i]!, 40));
        // Through the batcher, or straight to a verifier (direct verification).
        sent[mode] = c.batcher.stats.tasks + c.verifiers.reduce((n, v) => n + v.stats.direct, 0);
        if (mode === 'dsi') console.log(JSON.stringify({ sent, declined: c.batcher.stats.declined }));
      }
      expect(sent['dsi']!).toBeLessThan(sent['si']! * 1.6);
    },
    LIMIT_MS,
  );
});
