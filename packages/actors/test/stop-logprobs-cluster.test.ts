/**
 * Stop strings and the target's log-probabilities on a real cluster (in-process actors over a real nats-server, emulated models), on
 * every kind of host: edge sessions in every mode, fused sessions on a verifier that drafts, and
 * target-only sessions on a verifier while no drafter is alive. Greedy output with stop strings is
 * the target's own greedy text cut before the first stop, whatever the mode, and a chunk never
 * carries text that the stop removes. Log-probabilities are the target's own at each committed
 * position, accepted drafts included, greedy or sampled.
 */
import { emulatedPair } from '@specmesh/models';
import type { BodyOf, Mode, TokenChunk } from '@specmesh/protocol';
import { sampleBodies } from '@specmesh/protocol/internal';
import { Actor, startupDeadlineMs } from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Batcher } from '../src/batcher/batcher.js';
import { generate } from '../src/client/generate-client.js';
import { Drafter } from '../src/drafter/drafter.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { cutAtFirstStop } from '../src/session/stop-matcher.js';
import { Verifier } from '../src/verifier/verifier.js';
import { useNatsServer } from './harness.js';

const nats = useNatsServer();
const { target, drafter } = emulatedPair({
  agreement: 0.8,
  seed: 5,
  latency: { ttftMs: 2, tpotMs: 1, perTokenMs: 0.1 },
  drafterLatency: { ttftMs: 0.3, tpotMs: 0.1 },
});

type Host = 'edge' | 'fused' | 'target-only';
const clients = new Map<Host, Actor>();
/** The target-only cluster's verifier (its tasks show the requests running) and how to add a drafter. */
let targetOnly: { verifier: Verifier; startDrafter: (id: string) => Promise<void> } | undefined;
/** The edge cluster's drafter: its sessions must be gone once their requests end. */
let edgeDrafter: Drafter | undefined;
const stoppers: Array<() => Promise<void>> = [];

/** A scheduler, a batcher and the hosts of one kind, under their own subject prefix. */
async function startCluster(host: Host) {
  const common = { servers: nats.url, subjects: { prefix: `stop-${host}` }, heartbeatIntervalMs: 50 };
  const sched = await Scheduler.start({ ...common, placement: host === 'fused' ? 'fused' : 'edge' });
  const batcher = await Batcher.start({ ...common, pool: 'p', windowMs: 0.3, maxJobs: 12 });
  const v0 = await Verifier.start({
    ...common,
    id: 'v0',
    pool: 'p',
    model: target,
    ...(host === 'fused' ? { draftModel: drafter } : {}),
  });
  const roles: Array<{ stop(): Promise<void> }> = [v0];
  if (host === 'edge') {
    roles.push(await Verifier.start({ ...common, id: 'v1', pool: 'p', model: target }));
    edgeDrafter = await Drafter.start({ ...common, id: 'd0', model: drafter, maxSessions: 32 });
    roles.push(edgeDrafter);
  }
  const client = await Actor.start({ ...common, role: 'gateway', heartbeatIntervalMs: 0 });
  stoppers.push(async () => {
    await client.stop();
    for (const r of roles.reverse()) await r.stop();
    await batcher.stop();
    await sched.stop();
  });
  await sched.membership.waitFor((ms) => ms.length >= roles.length + 1, startupDeadlineMs(roles.length + 2));
  clients.set(host, client);
  if (host === 'target-only') {
    targetOnly = {
      verifier: v0,
      startDrafter: async (id) => {
        roles.push(await Drafter.start({ ...common, id, model: drafter, maxSessions: 32 }));
      },
    };
  }
}

beforeAll(async () => {
  for (const host of ['edge', 'fused', 'target-only'] as const) await startCluster(host);
  // DSI sizes its tasks in flight from the drafter's own view of the pool.
  await new Promise((r) => setTimeout(r, 150));
});

afterAll(async () => {
  for (const s of stoppers) await s();
});

/** The target's own greedy output after `prompt`: token ids and each token's text. */
function reference(prompt: string, n: number) {
  const ctx = [target.info.bosId, ...target.tokenize(prompt)];
  const tokens: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = target.targetArgmax(ctx);
    tokens.push(t);
    ctx.push(t);
  }
  return { tokens, pieces: tokens.map((t) => target.detokenize([t])) };
}

/** What a client of a cluster with stop strings should get: the text cut at the first stop, and its tokens. */
function expected(prompt: string, n: number, stop: readonly string[]) {
  const { tokens, pieces } = reference(prompt, n);
  const full = pieces.join('');
  const cut = cutAtFirstStop(full, stop);
  if (cut < 0) return { text: full, tokens, finishReason: 'length' };
  let at = 0;
  let kept = 0;
  while (kept < pieces.length && at < cut) at += pieces[kept++]!.length;
  return { text: full.slice(0, cut), tokens: tokens.slice(0, kept), finishReason: 'stop' };
}

const submit = (
  requestId: string,
  prompt: string,
  mode: Mode,
  maxTokens: number,
  stop: string[],
  auto = false,
  extra: Partial<BodyOf<'submit'>> = {},
): BodyOf<'submit'> => ({
  ...sampleBodies().submit,
  requestId,
  prompt,
  mode,
  ...(auto ? { auto: true } : {}),
  maxTokens,
  sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
  ...extra,
  window: { policy: 'static', k: 4 },
  deadlineAt: Date.now() + 60_000,
  stop,
});

async function run(host: Host, body: BodyOf<'submit'>) {
  const gen = await generate(clients.get(host)!, body);
  const chunks: TokenChunk[] = [];
  for await (const c of gen.chunks) chunks.push(c);
  const tokens = chunks.flatMap((c) => Array.from(c.tokens));
  const text = chunks.map((c) => c.text).join('');
  // Each chunk's text is its tokens' pieces: the last textEnds entry is its length.
  for (const c of chunks) if (c.tokens.length > 0) expect(c.textEnds?.at(-1)).toBe(c.text.length);
  return {
    tokens,
    text,
    finishReason: chunks.at(-1)?.finishReason,
    chunks,
    sessionId: gen.accepted.sessionId,
  };
}

/**
 * Checks each output token's log-probabilities against the target model evaluated directly on the
 * same prefix: ln p(token) and the `n` most likely tokens with theirs.
 */
function expectTargetLogprobs(prompt: string, chunks: readonly TokenChunk[], n: number) {
  const ctx = [target.info.bosId, ...target.tokenize(prompt)];
  let checked = 0;
  for (const c of chunks) {
    if (c.tokens.length === 0) continue;
    expect(c.logprobs?.length).toBe(c.tokens.length);
    expect(c.topTokens?.length).toBe(c.tokens.length * n);
    c.tokens.forEach((t, i) => {
      const p = target.distribution(ctx);
      expect(c.logprobs![i]).toBe(Math.fround(Math.log(p[t]!)));
      const order = Array.from(p.keys()).sort((a, b) => p[b]! - p[a]! || a - b);
      expect(Array.from(c.topTokens!.subarray(i * n, (i + 1) * n))).toEqual(order.slice(0, n));
      expect(Array.from(c.topLogprobs!.subarray(i * n, (i + 1) * n))).toEqual(
        order.slice(0, n).map((x) => Math.fround(Math.log(p[x]!))),
      );
      ctx.push(t);
      checked++;
    });
  }
  return checked;
}

/** A stop string that crosses the boundary between output tokens `i` and `i + 1`. */
function stopAcross(prompt: string, i: number) {
  const { pieces } = reference(prompt, i + 2);
  return pieces[i]!.slice(-2) + pieces[i + 1]!.slice(0, 2);
}

describe('stop strings, on every host and in every mode', () => {
  const cases: Array<[Host, Mode, boolean]> = [
    ['edge', 'nonsi', false],
    ['edge', 'si', false],
    ['edge', 'dsi', false],
    ['edge', 'dsi', true],
    ['fused', 'si', false],
    ['target-only', 'si', false],
  ];
  for (const [host, mode, auto] of cases) {
    it(`${host} ${auto ? 'auto' : mode}: output ends before the first stop string, across token boundaries`, async () => {
      const prompts = Array.from({ length: 4 }, (_, i) => `stop case ${i} on ${host} ${mode}`);
      const outs = await Promise.all(
        prompts.map(async (p, i) => {
          // Stops crossing a token boundary at different depths, one that never occurs, and none.
          const stop =
            i === 3 ? [] : i === 2 ? ['never appears ~'] : [stopAcross(p, 3 + 5 * i), 'never appears ~'];
          const got = await run(host, submit(`${host}-${mode}-${auto}-${i}`, p, mode, 30, stop, auto));
          return { got, want: expected(p, 30, stop) };
        }),
      );
      for (const { got, want } of outs) {
        expect(got.text).toBe(want.text);
        expect(got.tokens).toEqual(want.tokens);
        expect(got.finishReason).toBe(want.finishReason);
      }
      if (host === 'edge') {
        // A session that met its stop is gone from its host, its draft model's state released.
        expect(edgeDrafter!.active).toBe(0);
        for (const { got } of outs) expect(drafter.held(got.sessionId)).toBe(0);
      }
      expect(outs[0]!.got.finishReason).toBe('stop');
    });
  }

  it('a request handed over from a target-only host to a drafter that joins ends at its stop string', async () => {
    const prompts = ['hand over then stop', 'another hand over'];
    const moves: string[] = [];
    // The stop lies far enough past the drafter's start (about 10 tokens in) that the sessions see
    // the drafter join before they reach it, on a loaded machine too: a target-only token is ~1 ms.
    const wants = prompts.map((p) => {
      const stop = [stopAcross(p, 360), 'never appears ~'];
      return { p, stop, want: expected(p, 400, stop) };
    });
    const running = wants.map(async ({ p, stop }, i) => {
      const gen = await generate(clients.get('target-only')!, submit(`ho-${i}`, p, 'si', 400, stop), {
        onMove: (m) => moves.push(m.reason),
      });
      const chunks: TokenChunk[] = [];
      for await (const c of gen.chunks) chunks.push(c);
      return {
        text: chunks.map((c) => c.text).join(''),
        tokens: chunks.flatMap((c) => Array.from(c.tokens)),
        finishReason: chunks.at(-1)?.finishReason,
      };
    });
    while (targetOnly!.verifier.stats.tasks < 20) await new Promise((r) => setTimeout(r, 5));
    await targetOnly!.startDrafter('late');
    const outs = await Promise.all(running);
    outs.forEach((o, i) => {
      expect(o.text).toBe(wants[i]!.want.text);
      expect(o.tokens).toEqual(wants[i]!.want.tokens);
      expect(o.finishReason).toBe('stop');
    });
    expect(moves.filter((m) => m === 'handover').length).toBe(prompts.length);
  });

  it('a stop string in the first token ends the request with no output', async () => {
    const p = 'first token stop';
    const first = reference(p, 1).pieces[0]!;
    const got = await run('edge', submit('first-stop', p, 'si', 20, [first.slice(0, 2)]));
    expect(got).toMatchObject({ text: '', tokens: [], finishReason: 'stop' });
  });
});

describe("log-probabilities are the target's, on every host and in every mode", () => {
  const cases: Array<[Host, Mode, boolean, number]> = [
    ['edge', 'nonsi', false, 0],
    ['edge', 'si', false, 0],
    ['edge', 'dsi', false, 0],
    ['edge', 'dsi', true, 0],
    ['edge', 'si', false, 0.8],
    ['edge', 'dsi', false, 0.8],
    ['fused', 'si', false, 0],
    ['target-only', 'si', false, 0],
  ];
  for (const [host, mode, auto, temperature] of cases) {
    it(`${host} ${auto ? 'auto' : mode}, temperature ${temperature}: accepted drafts included`, async () => {
      const prompts = Array.from({ length: 3 }, (_, i) => `logprobs ${i} on ${host} ${mode} ${temperature}`);
      const outs = await Promise.all(
        prompts.map(async (p, i) =>
          run(
            host,
            submit(`lp-${host}-${mode}-${auto}-${temperature * 10}-${i}`, p, mode, 24, [], auto, {
              logprobs: 5,
              sampling: { temperature, topK: 0, topP: 1, seed: 3 + i },
            }),
          ),
        ),
      );
      outs.forEach((o, i) => {
        if (temperature === 0) expect(o.tokens).toEqual(reference(prompts[i]!, 24).tokens);
        expect(expectTargetLogprobs(prompts[i]!, o.chunks, 5)).toBe(o.tokens.length);
      });
      if (host !== 'target-only' && mode !== 'nonsi') {
        expect(outs.some((o) => o.chunks.some((c) => c.sources?.some((x) => x === 1)))).toBe(true);
      }
    });
  }

  it('with a stop string and no alternatives asked (logprobs 0): one figure per returned token', async () => {
    const p = 'logprobs and a stop';
    const stop = [stopAcross(p, 6)];
    const got = await run('edge', submit('lp-stop', p, 'dsi', 30, stop, false, { logprobs: 0 }));
    expect(got.text).toBe(expected(p, 30, stop).text);
    expect(got.chunks.reduce((n, c) => n + (c.logprobs?.length ?? 0), 0)).toBe(got.tokens.length);
    expect(got.chunks.every((c) => (c.topTokens?.length ?? 0) === 0)).toBe(true);
  });
});
