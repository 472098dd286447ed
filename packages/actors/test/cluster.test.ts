/**
 * The whole loop over a real nats-server: scheduler, batcher, verifiers and drafters (emulated models)
 * generating for many concurrent clients, in every mode. Greedy output must equal the target model's
 * own greedy output token for token, with no token duplicated, skipped or out of order.
 */

import { connect } from '@nats-io/transport-node';
import { emulatedPair } from '@specmesh/models';
import {
  type BodyOf,
  decodeMessage,
  MESSAGE_KIND_NAMES,
  type Mode,
  TokenOutOfRangeError,
} from '@specmesh/protocol';
import { Actor, createLogger, type Logger, machineLoadFactor } from '@specmesh/runtime';
import { describe, expect, it } from 'vitest';
import { Batcher } from '../src/batcher/batcher.js';
import { collect, generate } from '../src/client/generate-client.js';
import { Drafter } from '../src/drafter/drafter.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { Verifier } from '../src/verifier/verifier.js';
import { greedyReference, greedySubmit } from './greedy-reference.js';
import { useNatsServer } from './harness.js';

const nats = useNatsServer();

async function cluster(
  prefix: string,
  drafters: number,
  verifiers: number,
  agreement: number,
  drafterOptions: { leanContext?: boolean; logger?: Logger } = {},
) {
  const { target, drafter } = emulatedPair({
    agreement,
    seed: 11,
    latency: { ttftMs: 4, tpotMs: 2, perTokenMs: 0.2 },
    drafterLatency: { ttftMs: 0.5, tpotMs: 0.2 },
  });
  const common = { servers: nats.url, subjects: { prefix }, heartbeatIntervalMs: 50 };
  const sched = await Scheduler.start({ ...common });
  const batcher = await Batcher.start({ ...common, pool: 'p', windowMs: 0.3, maxJobs: 12 });
  const vs = await Promise.all(
    Array.from({ length: verifiers }, (_, i) =>
      Verifier.start({ ...common, id: `v${i}`, pool: 'p', model: target }),
    ),
  );
  const ds = await Promise.all(
    Array.from({ length: drafters }, (_, i) =>
      Drafter.start({ ...common, id: `d${i}`, model: drafter, maxSessions: 32, ...drafterOptions }),
    ),
  );
  const client = await Actor.start({ ...common, role: 'gateway', heartbeatIntervalMs: 0 });
  nats.defer(async () => {
    await client.stop();
    for (const d of ds) await d.stop();
    for (const v of vs) await v.stop();
    await batcher.stop();
    await sched.stop();
  });
  // Wait until the scheduler sees everyone.
  const until = Date.now() + 5000 * machineLoadFactor();
  while (
    sched.membership.alive({ role: 'drafter' }).length < drafters ||
    sched.membership.alive({ role: 'verifier' }).length < verifiers ||
    sched.membership.alive({ role: 'batcher' }).length < 1
  ) {
    if (Date.now() > until) throw new Error('cluster did not assemble');
    await new Promise((r) => setTimeout(r, 20));
  }
  // DSI sizes its tasks in flight from the drafter's own view of the pool.
  await new Promise((r) => setTimeout(r, 150));
  /** A verifier joining later, or coming back empty after a restart (stopped with the rest). */
  const startVerifier = async (id: string) => {
    const v = await Verifier.start({ ...common, id, pool: 'p', model: target });
    vs.push(v);
    return v;
  };
  /** A drafter joining later (stopped with the rest). */
  const startDrafter = async (id: string) => {
    const d = await Drafter.start({ ...common, id, model: drafter, maxSessions: 32 });
    ds.push(d);
    return d;
  };
  return { client, target, drafters: ds, verifiers: vs, batcher, sched, startDrafter, startVerifier };
}

const reference = greedyReference;
const submit = (requestId: string, prompt: string, mode: Mode, maxTokens: number) =>
  greedySubmit(requestId, prompt, mode, maxTokens);

describe('cluster end to end (in-process actors, real nats-server)', () => {
  for (const [drafters, verifiers] of [
    [1, 1],
    [3, 4],
  ] as const) {
    it(`${drafters} drafter(s) + ${verifiers} verifier(s), 20 concurrent requests, every mode: output is the target's greedy output`, async () => {
      const c = await cluster(`e${drafters}x${verifiers}`, drafters, verifiers, 0.8);
      for (const mode of ['nonsi', 'si', 'dsi'] as const) {
        const prompts = Array.from({ length: 20 }, (_, i) => `request ${i} about ${mode}`);
        const outs = await Promise.all(
          prompts.map(async (p, i) => {
            const gen = await generate(c.client, submit(`r-${mode}-${i}`, p, mode, 24));
            return collect(gen);
          }),
        );
        outs.forEach((o, i) => {
          expect(o.tokens).toEqual(reference(c.target, prompts[i]!, 24));
          expect(o.text).toBe(c.target.detokenize(o.tokens));
        });
      }
      const verified = c.verifiers.reduce((s, v) => s + v.stats.tasks, 0);
      expect(verified).toBeGreaterThan(0);
      if (verifiers > 1) expect(c.verifiers.filter((v) => v.stats.tasks > 0).length).toBeGreaterThan(1);
    });
  }

  it('sampling mode (rejection sampling on the verifiers) completes with valid tokens', async () => {
    const c = await cluster('samp', 1, 3, 0.6);
    const body = {
      ...submit('s-1', 'sample me', 'dsi', 30),
      sampling: { temperature: 0.8, topK: 0, topP: 0.95, seed: 5 },
    };
    const out = await collect(await generate(c.client, body));
    expect(out.tokens).toHaveLength(30);
    // Every token is one the target can emit (word tokens), and the text is their detokenization.
    expect(out.tokens.every((t) => t >= 259 && t < c.target.info.vocabSize)).toBe(true);
    expect(out.text).toBe(c.target.detokenize(out.tokens));
  });

  it('preemption stops verifiers working on a rejected branch, and output stays exact', async () => {
    // Low agreement: DSI's speculative tasks are often built on rejected drafts.
    const c = await cluster('pre', 1, 4, 0.3);
    const prompts = ['preempt one', 'preempt two', 'preempt three'];
    const outs = await Promise.all(
      prompts.map(async (p, i) => collect(await generate(c.client, submit(`p-${i}`, p, 'dsi', 40)))),
    );
    for (const [i, o] of outs.entries()) expect(o.tokens).toEqual(reference(c.target, prompts[i]!, 40));
    const dropped = c.verifiers.reduce((s, v) => s + v.stats.preempted, 0) + c.batcher.stats.preempted;
    const aborted = c.verifiers.reduce((s, v) => s + v.stats.aborted, 0);
    // Work on dead branches was stopped: dropped before it ran or aborted while running.
    expect(dropped + aborted).toBeGreaterThan(0);
  });

  it('ends a session whose verification cannot succeed (token ids outside the vocabulary) with that typed error', async () => {
    const c = await cluster('badtok', 1, 1, 0.8);
    const body = { ...submit('bad-1', 'x', 'si', 8), prompt: Uint32Array.of(1, 999_999) };
    // Refused at admission (the drafter checks the prompt) or, failing that, by the verifier.
    const err = await generate(c.client, body, { idleTimeoutMs: 10_000 })
      .then((g) => collect(g))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenOutOfRangeError);
  });

  it('with no drafter alive, requests are served target-only on verifiers, then handed to a drafter that joins', async () => {
    const c = await cluster('degrade', 0, 2, 0.8);
    const prompts = ['no drafter here', 'still none', 'and one more'];
    const moves: string[] = [];
    const running = prompts.map(async (p, i) =>
      collect(
        await generate(c.client, submit(`t-${i}`, p, 'si', 160), {
          onMove: (m) => moves.push(`${m.reason}:${m.fromHost}->${m.toHost}`),
        }),
      ),
    );
    // Let the target-only sessions commit some tokens, then bring a drafter back.
    while (c.verifiers.reduce((n, v) => n + v.stats.tasks, 0) < 30)
      await new Promise((r) => setTimeout(r, 5));
    await c.startDrafter('late');
    const outs = await Promise.all(running);
    for (const [i, o] of outs.entries()) expect(o.tokens).toEqual(reference(c.target, prompts[i]!, 160));
    expect(c.sched.stats.targetOnly).toBeGreaterThanOrEqual(prompts.length);
    // Each request moved from a verifier to the drafter once it was there, and finished with speculation.
    expect(moves.filter((m) => m.startsWith('handover:v') && m.endsWith('->late'))).toHaveLength(
      prompts.length,
    );
    expect(outs.every((o) => o.sources.some((s) => s === 1))).toBe(true);
  });

  /** Encoded bytes of the verify tasks the drafters sent, and how many tasks. */
  async function verifyTaskBytes(ds: readonly Drafter[]): Promise<{ bytes: number; tasks: number }> {
    let bytes = 0;
    let tasks = 0;
    for (const d of ds) {
      const sent = (await d.actor.metrics.sentByKind()).get('verify.task');
      bytes += sent?.bytes ?? 0;
      tasks += sent?.messages ?? 0;
    }
    return { bytes, tasks };
  }

  it('tasks carry only the context a verifier lacks: same output as full prefixes, fewer bytes', async () => {
    const prompts = Array.from(
      { length: 6 },
      (_, i) => `a longer prompt number ${i} that the verifier keeps`,
    );
    const run = async (lean: boolean, mode: Mode) => {
      const c = await cluster(`${lean ? 'lean' : 'full'}-${mode}`, 1, 2, 0.7, { leanContext: lean });
      const outs = await Promise.all(
        prompts.map(async (p, i) => collect(await generate(c.client, submit(`${lean}-${i}`, p, mode, 64)))),
      );
      for (const [i, o] of outs.entries()) expect(o.tokens).toEqual(reference(c.target, prompts[i]!, 64));
      return verifyTaskBytes(c.drafters);
    };
    // Per task: how many tasks a run sends follows the machine's timing (DSI's parallel tasks most).
    const perTask = async (lean: boolean, mode: Mode) => {
      const r = await run(lean, mode);
      return r.bytes / r.tasks;
    };
    expect(await perTask(true, 'si')).toBeLessThan((await perTask(false, 'si')) * 0.6);
    // DSI's parallel tasks carry their whole prefix (they go where there is room, seldom to the
    // verifier holding the session): fewer bytes still, by less.
    expect(await perTask(true, 'dsi')).toBeLessThan(await perTask(false, 'dsi'));
  });

  it('a verifier that lost its sessions (restarted) is sent the whole prefix again, and output stays exact', async () => {
    const c = await cluster('restart', 1, 1, 0.7);
    const prompts = ['restart me once', 'restart me twice'];
    const running = prompts.map(async (p, i) =>
      collect(await generate(c.client, submit(`rs-${i}`, p, 'si', 120))),
    );
    while (c.verifiers[0]!.stats.tasks < 10) await new Promise((r) => setTimeout(r, 2));
    // Same id, empty state: tasks built on what the old one held are refused and resent in full.
    await c.verifiers[0]!.stop();
    const fresh = await c.startVerifier('v0');
    const outs = await Promise.all(running);
    for (const [i, o] of outs.entries()) expect(o.tokens).toEqual(reference(c.target, prompts[i]!, 120));
    expect(fresh.stats.failed).toBeGreaterThan(0);
    expect(fresh.stats.tasks).toBeGreaterThan(0);
  });

  it("a request's trace id crosses every hop, in the traceparent header, verify tasks and logs", async () => {
    // The drafter's log lines, as JSON objects.
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger({
      level: 'debug',
      destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    const c = await cluster('trace', 1, 2, 0.6, { logger });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const seen = new Map<string, number>();
    const untraced: string[] = [];
    const nc = await connect({ servers: nats.url });
    nats.defer(() => nc.close());
    // Requests, publishes and replies (inboxes) alike.
    for (const subject of ['trace.>', '_INBOX.>']) {
      nc.subscribe(subject, {
        callback: (_err, m) => {
          const env = decodeMessage(m.data, MESSAGE_KIND_NAMES);
          // Cluster housekeeping, not the request's work.
          if (env.kind === 'heartbeat' || env.kind === 'ping' || env.kind === 'pong') return;
          const header = m.headers?.get('traceparent') ?? '';
          if (env.kind === 'batch') {
            // A batch mixes requests: each task names its trace, the batch (and its reply) none.
            for (const t of (env.body as BodyOf<'batch'>).tasks)
              if (t.traceId !== traceId) untraced.push('batch task');
          } else if (env.kind !== 'batch.result') {
            if (!header.startsWith(`00-${traceId}-`) || env.traceId !== traceId) untraced.push(env.kind);
          }
          seen.set(env.kind, (seen.get(env.kind) ?? 0) + 1);
        },
      });
    }
    await nc.flush();
    const out = await collect(
      await generate(c.client, submit('traced', 'follow me through the cluster', 'dsi', 24), { traceId }),
    );
    expect(out.tokens).toEqual(reference(c.target, 'follow me through the cluster', 24));
    await new Promise((r) => setTimeout(r, 100));
    expect(untraced).toEqual([]);
    for (const kind of [
      'submit',
      'submit.ok',
      'session.start',
      'session.ok',
      'verify.task',
      'batch',
      'batch.result',
      'verify.result',
      'tokens',
    ]) {
      expect(seen.get(kind) ?? 0, kind).toBeGreaterThan(0);
    }
    // The session's log lines name the request's trace, so logs and traces join.
    const session = lines.filter((l) => l['requestId'] === 'traced');
    expect(session.map((l) => l['msg'])).toEqual(
      expect.arrayContaining(['session started', 'session ended']),
    );
    for (const l of session) expect(l['traceId']).toBe(traceId);
  });
});
