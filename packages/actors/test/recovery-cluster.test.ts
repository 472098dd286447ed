/**
 * Recovery at a deployment's default timeouts (verify and batch timeouts 10 s, submit 30 s), over a
 * real nats-server: a hung verifier costs a new session's first round a few round trips, not the
 * verify timeout; a request sent while no scheduler can be reached, or while the client's own
 * connection is down, succeeds once they are back; a repeated submit starts one session; a client
 * that gives up frees its drafter slot at once.
 */
import { emulatedPair } from '@specmesh/models';
import { Actor, machineLoadFactor, type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import { describe, expect, it } from 'vitest';
import { Batcher } from '../src/batcher/batcher.js';
import { collect, type Generation, type GenerationRequest, generate } from '../src/client/generate-client.js';
import { Drafter } from '../src/drafter/drafter.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { Verifier } from '../src/verifier/verifier.js';
import { useNatsServer } from './harness.js';

const nats = useNatsServer();
const load = machineLoadFactor();

/** Waits until `ready` holds, polling; fails after `ms` (scaled to the machine's load). */
async function until(ready: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms * load;
  while (!ready()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const submit = (requestId: string, maxTokens = 12): GenerationRequest => ({
  requestId,
  prompt: `recovery ${requestId}`,
  maxTokens,
  sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
  mode: 'si',
  window: { policy: 'static', k: 4 },
  deadlineAt: Date.now() + 120_000,
});

/** The roles at their default timeouts (heartbeats every `heartbeatMs`). */
async function cluster(
  prefix: string,
  o: {
    servers?: string;
    verifiers?: number;
    tpotMs?: number;
    heartbeatMs?: number;
    directVerify?: boolean;
  } = {},
) {
  const { target, drafter } = emulatedPair({
    agreement: 0.8,
    seed: 5,
    latency: { ttftMs: 2, tpotMs: o.tpotMs ?? 2, perTokenMs: 0.1 },
    drafterLatency: { ttftMs: 0.5, tpotMs: 0.2 },
  });
  const common = {
    servers: o.servers ?? nats.url,
    subjects: { prefix },
    heartbeatIntervalMs: o.heartbeatMs ?? 200,
  };
  let sched: Scheduler | undefined = await Scheduler.start(common);
  let batcher = await Batcher.start({ ...common, pool: 'p' });
  let verifiers = await Promise.all(
    Array.from({ length: o.verifiers ?? 1 }, (_, i) =>
      Verifier.start({ ...common, id: `${prefix}-v${i}`, pool: 'p', model: target }),
    ),
  );
  const d = await Drafter.start({
    ...common,
    id: `${prefix}-d0`,
    model: drafter,
    maxSessions: 8,
    ...(o.directVerify === false ? { directVerify: false } : {}),
  });
  const client = await Actor.start({ ...common, role: 'gateway', heartbeatIntervalMs: 0 });
  nats.defer(async () => {
    await client.stop();
    await d.stop();
    for (const v of verifiers) await v.stop();
    await batcher.stop();
    await sched?.stop();
  });
  await until(
    () =>
      sched!.membership.alive({ role: 'drafter' }).length === 1 &&
      sched!.membership.alive({ role: 'verifier' }).length === (o.verifiers ?? 1) &&
      sched!.membership.alive({ role: 'batcher' }).length === 1,
    5000,
    'the cluster to assemble',
  );
  return {
    client,
    drafter: d,
    verifiers,
    batcher: () => batcher,
    common,
    stopScheduler: async () => {
      await sched?.stop();
      sched = undefined;
    },
    startScheduler: async () => {
      sched = await Scheduler.start(common);
    },
    /** Stops the pool's only batcher (its queued tasks are lost) and starts a new one `downMs` later. */
    restartBatcher: async (downMs: number) => {
      await batcher.stop();
      await new Promise((r) => setTimeout(r, downMs));
      batcher = await Batcher.start({ ...common, pool: 'p' });
    },
    stopBatcher: () => batcher.stop(),
    /** Stops the pool's first verifier (its tasks are lost) and starts it again `downMs` later. */
    restartVerifier: async (downMs: number) => {
      const [first, ...rest] = verifiers;
      await first!.stop();
      await new Promise((r) => setTimeout(r, downMs));
      const again = await Verifier.start({ ...common, id: `${prefix}-v0`, pool: 'p', model: target });
      verifiers = [again, ...rest];
    },
  };
}

/** Reads `gen` to its end, running `fault` once past its 20th token; the longest wait between chunks, ms. */
async function longestGapAcross(gen: Generation, fault: () => Promise<void>): Promise<number> {
  let longest = 0;
  let last = Date.now();
  let done: Promise<void> | undefined;
  for await (const chunk of gen.chunks) {
    const now = Date.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (!done && chunk.index > 20) done = fault();
  }
  await done;
  return longest;
}

describe('recovery at default timeouts', () => {
  it("a hung verifier costs a new session's first round a few round trips, not the 10 s verify timeout", async () => {
    const c = await cluster('rec-hung', { verifiers: 1, heartbeatMs: 1000 });
    // A verifier of the pool that takes batches and never answers (a process stopped mid-work).
    const hung = await Actor.start({
      ...c.common,
      id: 'rec-hung-vz',
      role: 'verifier',
      pool: 'p',
      load: () => ({ inflight: 0, queued: 0, capacity: 16 }),
    });
    let swallowed = 0;
    hung.handle(hung.subjects.batch(hung.id), 'batch', () => {
      swallowed++;
      return new Promise<never>(() => undefined);
    });
    nats.defer(() => hung.stop());
    // The drafter's figures the timeout is seeded from: a round trip to the pool (pings).
    await until(() => c.drafter.rttMs() !== undefined, 5000, "the drafter's first round-trip figure");

    const firstChunkMs: number[] = [];
    const outputs = await Promise.all(
      Array.from({ length: 4 }, async (_, i) => {
        const began = Date.now();
        const gen = await generate(c.client, submit(`hung-${i}`));
        let first = true;
        const tokens: number[] = [];
        for await (const chunk of gen.chunks) {
          if (first && chunk.tokens.length > 0) {
            firstChunkMs.push(Date.now() - began);
            first = false;
          }
          tokens.push(...chunk.tokens);
        }
        return tokens.length;
      }),
    );
    expect(outputs).toEqual([12, 12, 12, 12]);
    // The batcher's join-shortest-queue sent first tasks to the hung verifier too.
    expect(swallowed).toBeGreaterThan(0);
    // Seeded from a few-ms round trip, the first re-issue comes after the 500 ms floor (then 1 s).
    expect(Math.max(...firstChunkMs)).toBeLessThan(Math.min(2500 * load, 7000));
  });

  it('a request sent while no scheduler is up (a supervised restart) succeeds once one is back', async () => {
    const c = await cluster('rec-sched');
    await c.stopScheduler();
    const began = Date.now();
    const pending = generate(c.client, submit('sched-restart'));
    // systemd restarts a failed unit after about 2 s.
    await new Promise((r) => setTimeout(r, 2000));
    await c.startScheduler();
    const out = await collect(await pending);
    expect(out.tokens).toHaveLength(12);
    expect(Date.now() - began).toBeGreaterThanOrEqual(2000);
  });

  it("a request sent while the client's NATS connection is down succeeds once it is back, without waiting out the submit timeout", async () => {
    const server = await startNatsServer();
    let back: NatsServerHandle | undefined;
    // Registered first, run last: the cluster stops while its server is up.
    nats.defer(async () => {
      await back?.stop();
      await server.stop();
    });
    const c = await cluster('rec-outage', { servers: server.url });
    const port = server.port;
    await server.stop();
    const began = Date.now();
    const pending = generate(c.client, submit('outage'));
    await new Promise((r) => setTimeout(r, 1000));
    back = await startNatsServer({ port });
    const out = await collect(await pending);
    expect(out.tokens).toHaveLength(12);
    // Well under the 30 s submit timeout: the submit goes out again when the connection is back.
    expect(Date.now() - began).toBeLessThan(Math.min(10_000 * load, 25_000));
  });

  it('a restarted batcher, every task through it: sessions re-issue the tasks lost while it was gone as soon as it is back, not after backed-off timeouts', async () => {
    const c = await cluster('rec-batcher', { tpotMs: 5, directVerify: false });
    const gap = await longestGapAcross(await generate(c.client, submit('batcher-restart', 400)), () =>
      c.restartBatcher(2000),
    );
    // Timeouts alone would re-issue at 0.5, 1.5 and 3.5 s after the loss (doubling from the floor).
    expect(gap).toBeGreaterThan(1900);
    expect(gap).toBeLessThan(2000 + Math.min(900 * load, 1400));
  });

  it('a restarted verifier, the only one: sessions re-issue the tasks lost with it as soon as it is back, not after backed-off timeouts', async () => {
    const c = await cluster('rec-verifier', { tpotMs: 5 });
    const gap = await longestGapAcross(await generate(c.client, submit('verifier-restart', 400)), () =>
      c.restartVerifier(2000),
    );
    // Timeouts alone would re-issue at 0.5, 1.5 and 3.5 s after the loss (doubling from the floor).
    expect(gap).toBeGreaterThan(1900);
    expect(gap).toBeLessThan(2000 + Math.min(900 * load, 1400));
  });

  it("with direct verification a session holding a lease does not notice the only batcher's restart, and a session started while it is down is verified by a verifier of its choosing", async () => {
    const c = await cluster('rec-direct', { tpotMs: 5 });
    const gen = await generate(c.client, submit('direct-restart', 400));
    const gaps: number[] = [];
    let last = Date.now();
    let restarted: Promise<void> | undefined;
    let during: Promise<{ firstMs: number; tokens: number }> | undefined;
    for await (const chunk of gen.chunks) {
      const now = Date.now();
      gaps.push(now - last);
      last = now;
      if (!restarted && chunk.index > 20) {
        restarted = c.restartBatcher(3000);
        // A new request while no batcher is up: its first task goes to the batcher and is lost.
        during = (async () => {
          await until(() => c.batcher().actor.status === 'closed', 2000, 'the batcher to stop');
          const began = Date.now();
          const g = await generate(c.client, submit('direct-during', 12));
          let firstMs = -1;
          let tokens = 0;
          for await (const ch of g.chunks) {
            if (firstMs < 0 && ch.tokens.length > 0) firstMs = Date.now() - began;
            tokens += ch.tokens.length;
          }
          return { firstMs, tokens };
        })();
      }
    }
    await restarted;
    const d = await during!;
    // The running session kept its verifier: no gap of the outage's size (3 s).
    expect(Math.max(...gaps)).toBeLessThan(Math.min(1000 * load, 2500));
    // The new one lost its first task to the missing batcher, then went straight to the verifier:
    // one timeout seeded from the cluster's round trips (500 ms floor, 3x a few ms), not the outage.
    expect(d.tokens).toBe(12);
    expect(d.firstMs).toBeLessThan(Math.min(2000 * load, 2900));
    expect(c.verifiers[0]!.stats.direct).toBeGreaterThan(0);
  });

  it('sessions send their sequential tasks straight to the verifier holding their context: the batcher places only first tasks, and the output is the same', async () => {
    const c = await cluster('rec-route', { verifiers: 2 });
    // The drafter knows the verifiers (it pings them) once their heartbeats reached it.
    await until(() => c.drafter.rttMs() !== undefined, 5000, "the drafter's view of the verifiers");
    const direct = await collect(await generate(c.client, submit('route-direct', 80)));
    const batched = c.batcher().stats.tasks;
    const directTasks = c.verifiers.reduce((n, v) => n + v.stats.direct, 0);
    expect(directTasks).toBeGreaterThan(5);
    expect(batched).toBeLessThan(directTasks);
    const plain = await cluster('rec-route-off', { verifiers: 2, directVerify: false });
    const through = await collect(await generate(plain.client, submit('route-direct', 80)));
    expect(plain.verifiers.reduce((n, v) => n + v.stats.direct, 0)).toBe(0);
    expect(direct.tokens).toEqual(through.tokens);
  });

  it('a direct task naming another host is refused: nothing is verified or published for that host', async () => {
    const c = await cluster('rec-forge');
    const v = c.verifiers[0]!;
    const forger = await Actor.start({ ...c.common, id: 'rec-forge-x', role: 'drafter' });
    nats.defer(() => forger.stop());
    let seen = 0;
    const spy = await Actor.start({
      ...c.common,
      id: 'rec-forge-spy',
      role: 'gateway',
      heartbeatIntervalMs: 0,
    });
    nats.defer(() => spy.stop());
    spy.handle(spy.subjects.result('rec-forge-d0', 'victim'), ['verify.result', 'error'], () => {
      seen++;
      return undefined;
    });
    await spy.flush();
    const task = {
      taskId: 'victim:t1',
      sessionId: 'victim',
      host: 'rec-forge-d0',
      pool: 'p',
      epoch: 0,
      basePos: 0,
      context: Uint32Array.of(1, 2, 3),
      drafts: Uint32Array.of(4),
      sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
      attempt: 1,
    };
    forger.publish(forger.subjects.direct(v.actor.id, forger.id), 'verify.task', task);
    // The same task from the host it names is verified: the check is the only difference.
    const host = await Actor.start({
      ...c.common,
      id: 'rec-forge-d0',
      role: 'drafter',
      heartbeatIntervalMs: 0,
    });
    nats.defer(() => host.stop());
    await forger.flush();
    await until(() => v.stats.forged === 1, 3000, 'the forged task to be refused');
    host.publish(host.subjects.direct(v.actor.id, host.id), 'verify.task', { ...task, taskId: 'victim:t2' });
    await until(() => seen === 1, 3000, "the host's own task to be answered");
    expect(v.stats.forged).toBe(1);
    expect(v.stats.direct).toBe(1);
  });

  it('a repeated submit starts one session: a scheduler answers every attempt of a request as one', async () => {
    const c = await cluster('rec-dedup');
    const body = { ...submit('dedup', 200), client: c.client.id };
    const ask = () =>
      c.client.request(c.client.subjects.submit(), 'submit', body, { expect: 'submit.ok', timeoutMs: 5000 });
    const [a, b] = await Promise.all([ask(), ask()]);
    const again = await ask();
    expect(b.body.sessionId).toBe(a.body.sessionId);
    expect(again.body.sessionId).toBe(a.body.sessionId);
    expect(c.drafter.active).toBe(1);
    c.client.publish(c.client.subjects.session(a.body.drafterId), 'session.cancel', {
      sessionId: a.body.sessionId,
      reason: 'test over',
    });
    await until(() => c.drafter.active === 0, 3000, 'the session to end');
  });

  it("a client that gives up (abort signal, or a reader that stops reading) frees its session's drafter slot at once", async () => {
    const c = await cluster('rec-cancel', { tpotMs: 20 });
    const abort = new AbortController();
    const aborted = await generate(c.client, submit('cancel-abort', 2000), { signal: abort.signal });
    const left = await generate(c.client, submit('cancel-left', 2000));
    await until(() => c.drafter.active === 2, 3000, 'both sessions to run');
    for await (const chunk of left.chunks) if (chunk.tokens.length > 0) break; // stops reading
    abort.abort();
    await expect(collect(aborted)).rejects.toMatchObject({ code: 'E_CANCELLED' });
    // The deadline is 120 s away: only the client's cancel ends the sessions this soon.
    await until(() => c.drafter.active === 0, 3000, 'the drafter slots to be freed');
  });
});
