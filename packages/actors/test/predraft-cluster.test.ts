/**
 * Pre-drafting (SSD-DSI) in the cluster, over a real nats-server: a session's host has the
 * continuations of its likely rejections drafted on drafters that lend their model, and output stays
 * the target's. A drafter lends only while it hosts no session of its own.
 */
import { emulatedPair, type LanguageModel } from '@specmesh/models';
import { ErrorCode, hasErrorCode, type Mode } from '@specmesh/protocol';
import { Actor, machineLoadFactor } from '@specmesh/runtime';
import { describe, expect, it } from 'vitest';
import { Batcher } from '../src/batcher/batcher.js';
import { collect, generate } from '../src/client/generate-client.js';
import { Drafter } from '../src/drafter/drafter.js';
import { PredraftLender } from '../src/drafter/predraft-lender.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { draftsOf } from '../src/session/predraft-client.js';
import { Verifier } from '../src/verifier/verifier.js';
import { greedyReference, greedySubmit } from './greedy-reference.js';
import { useNatsServer } from './harness.js';

const nats = useNatsServer();

const RUNNER_UP_HITS = [0.5, 0.2];

/** A session host `d0`, `lenders` drafters that only lend (no session slots), a batcher, 3 verifiers. */
async function cluster(prefix: string, lenders: number) {
  const { target, drafter } = emulatedPair({
    agreement: 0.6,
    seed: 21,
    runnerUpHits: RUNNER_UP_HITS,
    latency: { ttftMs: 6, tpotMs: 6 },
    drafterLatency: { ttftMs: 2, tpotMs: 2 },
  });
  const common = { servers: nats.url, subjects: { prefix }, heartbeatIntervalMs: 50 };
  const sched = await Scheduler.start({ ...common });
  const batcher = await Batcher.start({ ...common, pool: 'p', windowMs: 0.3, maxJobs: 12 });
  const vs = await Promise.all(
    [0, 1, 2].map((i) => Verifier.start({ ...common, id: `v${i}`, pool: 'p', model: target })),
  );
  const host = await Drafter.start({ ...common, id: 'd0', model: drafter, maxSessions: 8, predraft: true });
  const ls = await Promise.all(
    Array.from({ length: lenders }, (_, i) =>
      Drafter.start({ ...common, id: `l${i}`, model: drafter, maxSessions: 0, lendSlots: 2 }),
    ),
  );
  const client = await Actor.start({ ...common, role: 'gateway', heartbeatIntervalMs: 0 });
  nats.defer(async () => {
    await client.stop();
    for (const d of [host, ...ls]) await d.stop();
    for (const v of vs) await v.stop();
    await batcher.stop();
    await sched.stop();
  });
  const until = Date.now() + 5000 * machineLoadFactor();
  while (
    sched.membership.alive({ role: 'verifier' }).length < 3 ||
    sched.membership.alive({ role: 'batcher' }).length < 1 ||
    sched.membership.alive({ role: 'drafter' }).length < 1 + lenders
  ) {
    if (Date.now() > until) throw new Error('cluster did not assemble');
    await new Promise((r) => setTimeout(r, 20));
  }
  // The host's own views of verifiers and lenders fill from the same heartbeats.
  await new Promise((r) => setTimeout(r, 200));
  return { client, target, host, lenders: ls };
}

const reference = greedyReference;
const submit = (requestId: string, prompt: string, mode: Mode, maxTokens: number) =>
  greedySubmit(requestId, prompt, mode, maxTokens, 3);

describe('pre-drafting on lending drafters (real nats-server)', () => {
  it("DSI and SI with two lenders: output is the target's, and rejections find pre-drafted branches", async () => {
    const c = await cluster('pd', 2);
    const prompts = ['the quick brown fox', 'pre-draft the likely rejections', 'a third prompt'];
    for (const [i, p] of prompts.entries()) {
      const mode: Mode = i === 1 ? 'si' : 'dsi';
      const out = await collect(await generate(c.client, submit(`pd-${i}`, p, mode, 60)));
      expect(out.tokens, `${mode} "${p}"`).toEqual(reference(c.target, p, 60));
    }
    const t = c.host.predraftTotals!;
    expect(t.sessions).toBe(3);
    expect(t.requests).toBeGreaterThan(10);
    const rejections = t.rejectionsBySlot.reduce((a, b) => a + b, 0);
    const hits = t.hitsBySlot.reduce((a, b) => a + b, 0);
    expect(rejections).toBeGreaterThan(5);
    // The drafter's first runner-up holds the target's token in half of its wrong drafts: branches hit.
    expect(hits).toBeGreaterThan(0);
    expect(t.usedTokens).toBeGreaterThan(0);
    expect(t.lenderMs).toBeGreaterThan(0);
    // Every request sent and not failed reached a lender, which served it or found it expired. The
    // last ones, stopped as their session ended, may still be on their way: wait for them.
    const reached = () =>
      c.lenders.reduce((n, l) => n + l.lender!.stats.requests + l.lender!.stats.expired, 0);
    const until = Date.now() + 2000 * machineLoadFactor();
    while (reached() < t.requests - t.failed && Date.now() < until)
      await new Promise((r) => setTimeout(r, 10));
    expect(reached()).toBeGreaterThanOrEqual(t.requests - t.failed);
  });

  it('sampled DSI with lenders completes with valid tokens (pre-drafts carry their distributions)', async () => {
    const c = await cluster('pds', 1);
    const body = {
      ...submit('pds-1', 'sample with branches', 'dsi', 40),
      sampling: { temperature: 0.8, topK: 0, topP: 1, seed: 5 },
    };
    const out = await collect(await generate(c.client, body));
    expect(out.tokens).toHaveLength(40);
    expect(out.tokens.every((t) => t >= 259 && t < c.target.info.vocabSize)).toBe(true);
    const t = c.host.predraftTotals!;
    expect(t.requests).toBeGreaterThan(0);
    // Every answer arrived, whole distributions included (no top-p cut: every word in the support).
    expect(t.failed).toBe(0);
  });
});

describe('PredraftLender', () => {
  async function lenderAndClient(hosting: () => number) {
    const { drafter } = emulatedPair({
      agreement: 0.6,
      seed: 3,
      runnerUpHits: RUNNER_UP_HITS,
      drafterLatency: { tpotMs: 30 },
    });
    const common = { servers: nats.url, subjects: { prefix: 'lend' }, heartbeatIntervalMs: 0 };
    const actor = await Actor.start({ ...common, role: 'drafter', id: 'lender' });
    const asker = await Actor.start({ ...common, role: 'drafter', id: 'asker' });
    const lender = new PredraftLender({ actor, model: drafter, slots: 1, hosting });
    await actor.flush();
    nats.defer(async () => {
      lender.stop();
      await asker.stop();
      await actor.stop();
    });
    const ask = (requestId: string, context: Uint32Array<ArrayBuffer>, n: number, signal?: AbortSignal) =>
      asker.request(
        asker.subjects.predraft('lender', 'asker'),
        'predraft',
        {
          requestId,
          sessionId: 's1',
          context,
          n,
          alternatives: 2,
          sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
        },
        { expect: 'predraft.result', timeoutMs: 5000, ...(signal ? { signal } : {}) },
      );
    return { drafter, lender, asker, ask };
  }

  it("drafts the drafter's greedy tokens with its runner-ups after exactly the prefix sent", async () => {
    const { drafter, ask } = await lenderAndClient(() => 0);
    const ctx = Uint32Array.of(1, 300, 301, 302);
    const reply = await ask('r1', ctx, 3);
    const drafts = draftsOf(reply.body);
    const seq = [...ctx];
    for (const d of drafts) {
      expect(d.token).toBe(drafter.argmax(seq));
      expect(d.alternatives).toEqual(
        drafter.alternatives(seq, 2).map((a) => ({ token: a.token, prob: Math.fround(a.prob) })),
      );
      seq.push(d.token);
    }
    expect(drafts).toHaveLength(3);
  });

  it('answers a sampled request with its whole distributions, however wide (a large vocabulary)', async () => {
    // A model whose next-token distribution spans 8192 tokens: three drafts carry ~200 KB of them.
    const vocabSize = 8192;
    const { drafter } = emulatedPair({ agreement: 0.6, seed: 3 });
    const wide = {
      info: { ...drafter.info, vocabSize },
      evaluate: async () => [new Float32Array(vocabSize).fill(1 / vocabSize)],
      release: () => {},
    } as unknown as LanguageModel;
    const common = { servers: nats.url, subjects: { prefix: 'wide' }, heartbeatIntervalMs: 0 };
    const actor = await Actor.start({ ...common, role: 'drafter', id: 'lender' });
    const asker = await Actor.start({ ...common, role: 'drafter', id: 'asker' });
    const lender = new PredraftLender({ actor, model: wide, slots: 1, hosting: () => 0 });
    await actor.flush();
    nats.defer(async () => {
      lender.stop();
      await asker.stop();
      await actor.stop();
    });
    const reply = await asker.request(
      asker.subjects.predraft('lender', 'asker'),
      'predraft',
      {
        requestId: 'w1',
        sessionId: 's1',
        context: Uint32Array.of(1, 300),
        n: 3,
        alternatives: 0,
        sampling: { temperature: 1, topK: 0, topP: 1, seed: 9 },
      },
      { expect: 'predraft.result', timeoutMs: 5000 },
    );
    const drafts = draftsOf(reply.body);
    expect(drafts).toHaveLength(3);
    for (const d of drafts) expect(d.dist!.tokens).toHaveLength(vocabSize);
  });

  it('refuses while its drafter hosts a session of its own, or every slot is taken', async () => {
    let hosting = 1;
    const { ask, lender } = await lenderAndClient(() => hosting);
    const ctx = Uint32Array.of(1, 300);
    const refused = await ask('r1', ctx, 1).catch((e: unknown) => e);
    expect(hasErrorCode(refused, ErrorCode.NoCapacity)).toBe(true);
    expect(lender.free).toBe(0);
    hosting = 0;
    expect(lender.free).toBe(1);
    // One slot: a second request while the first runs (30 ms a token) is refused.
    const first = ask('r2', ctx, 4);
    await new Promise((r) => setTimeout(r, 20));
    const second = await ask('r3', ctx, 1).catch((e: unknown) => e);
    expect(hasErrorCode(second, ErrorCode.NoCapacity)).toBe(true);
    expect((await first).body.tokens).toHaveLength(4);
    expect(lender.stats.refused).toBe(2);
  });

  it('stops a request a predraft.drop names, freeing its slot at once, and answers nothing', async () => {
    const { ask, lender, asker } = await lenderAndClient(() => 0);
    // As a session drops a request: it stops waiting, and tells the lender.
    const stop = new AbortController();
    const running = ask('r1', Uint32Array.of(1, 300), 20, stop.signal).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 40));
    expect(lender.free).toBe(0);
    stop.abort();
    asker.publish(asker.subjects.predraft('lender', 'asker'), 'predraft.drop', {
      sessionId: 's1',
      requestIds: ['r1'],
    });
    expect(hasErrorCode(await running, ErrorCode.Cancelled)).toBe(true);
    const until = Date.now() + 5000 * machineLoadFactor();
    while (lender.stats.dropped === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(lender.stats.dropped).toBe(1);
    expect(lender.free).toBe(1);
    // 20 tokens at 30 ms would take 600 ms: the drop stopped it after about one.
    expect(lender.stats.modelMs).toBeLessThan(400 * machineLoadFactor());
  });
});
