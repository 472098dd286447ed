import { emulatedPair } from '@specmesh/models';
import { type BodyOf, ErrorCode, type Mode, SpecmeshError, type TokenChunk } from '@specmesh/protocol';
import { sampleBodies } from '@specmesh/protocol/internal';
import { Actor, startupDeadlineMs } from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Batcher } from '../src/batcher/batcher.js';
import { collect, generate } from '../src/client/generate-client.js';
import type { UnverifiedTokens, VerifiedOutputMode } from '../src/client/verified-output.js';
import { VerifierKeys } from '../src/client/verifier-keys.js';
import { Drafter } from '../src/drafter/drafter.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { Verifier } from '../src/verifier/verifier.js';
import { useNatsServer } from './harness.js';
import { ATTACKS, KEPT_WHEN_DROPPED, startMaliciousDrafter } from './malicious-drafter.js';

const nats = useNatsServer();
const { target, drafter } = emulatedPair({
  agreement: 0.8,
  seed: 9,
  latency: { ttftMs: 2, tpotMs: 1, perTokenMs: 0.1 },
  drafterLatency: { ttftMs: 0.3, tpotMs: 0.1 },
});

type Host = 'edge' | 'fused' | 'target-only' | 'evil';
const clients = new Map<Host, { actor: Actor; keys: VerifierKeys }>();
const stoppers: Array<() => Promise<void>> = [];

/** A scheduler, a batcher and hosts of one kind, under their own subject prefix. */
async function startCluster(host: Host) {
  const common = { servers: nats.url, subjects: { prefix: `vo-${host}` }, heartbeatIntervalMs: 50 };
  const sched = await Scheduler.start({ ...common, placement: host === 'fused' ? 'fused' : 'edge' });
  const batcher = await Batcher.start({ ...common, pool: 'p', windowMs: 0.3, maxJobs: 12 });
  const roles: Array<{ stop(): Promise<void> }> = [];
  roles.push(
    await Verifier.start({
      ...common,
      id: 'v0',
      pool: 'p',
      model: target,
      ...(host === 'fused' ? { draftModel: drafter } : {}),
      ...(host === 'evil' ? { hostSessions: 0 } : {}),
    }),
  );
  if (host === 'edge') {
    roles.push(await Verifier.start({ ...common, id: 'v1', pool: 'p', model: target }));
    roles.push(await Drafter.start({ ...common, id: 'd0', model: drafter, maxSessions: 32 }));
  }
  if (host === 'evil') {
    const evil = await startMaliciousDrafter(common, target);
    roles.push({ stop: () => evil.stop() });
  }
  const actor = await Actor.start({ ...common, role: 'gateway', heartbeatIntervalMs: 0 });
  const keys = VerifierKeys.start(actor);
  stoppers.push(async () => {
    keys.stop();
    await actor.stop();
    for (const r of roles.reverse()) await r.stop();
    await batcher.stop();
    await sched.stop();
  });
  await sched.membership.waitFor((ms) => ms.length >= roles.length + 1, startupDeadlineMs(roles.length + 2));
  clients.set(host, { actor, keys });
}

beforeAll(async () => {
  for (const host of ['edge', 'fused', 'target-only', 'evil'] as const) await startCluster(host);
});

afterAll(async () => {
  for (const s of stoppers) await s();
});

const submit = (
  requestId: string,
  prompt: string,
  mode: Mode,
  extra: Partial<BodyOf<'submit'>> = {},
): BodyOf<'submit'> => ({
  ...sampleBodies().submit,
  requestId,
  prompt,
  mode,
  maxTokens: 40,
  sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
  window: { policy: 'static', k: 4 },
  deadlineAt: Date.now() + 60_000,
  ...extra,
});

async function run(host: Host, body: BodyOf<'submit'>, mode: VerifiedOutputMode | undefined) {
  const { actor, keys } = clients.get(host)!;
  const refused: UnverifiedTokens[] = [];
  const gen = await generate(actor, body, {
    // A key never announced is waited for briefly (a client that just started), not the default 3 s.
    ...(mode ? { verifiedOutput: { keys, mode, keyWaitMs: 300, onUnverified: (u) => refused.push(u) } } : {}),
  });
  const chunks: TokenChunk[] = [];
  for await (const c of gen.chunks) chunks.push(c);
  return {
    chunks,
    tokens: chunks.flatMap((c) => Array.from(c.tokens)),
    text: chunks.map((c) => c.text).join(''),
    refused,
  };
}

describe('honest clusters pass with signatures', () => {
  const cases: Array<[Host, Mode, Partial<BodyOf<'submit'>>]> = [
    ['edge', 'nonsi', {}],
    ['edge', 'si', {}],
    ['edge', 'dsi', {}],
    ['edge', 'dsi', { auto: true }],
    ['edge', 'si', { sampling: { temperature: 0.8, topK: 0, topP: 1, seed: 3 } }],
    ['fused', 'si', {}],
    ['target-only', 'si', {}],
  ];
  for (const [host, mode, extra] of cases) {
    it(`${host} ${extra.auto ? 'auto' : mode}${extra.sampling ? ' sampled' : ''}: every token checks, with and without a stop string`, async () => {
      const prompt = `verified ${host} ${mode} ${extra.auto ? 'auto' : ''}`;
      const tag = `${host}-${mode}-${extra.auto ? 'a' : ''}${extra.sampling ? 's' : ''}`;
      const plain = await run(host, submit(`${tag}-plain`, prompt, mode, extra), undefined);
      expect(plain.tokens.length).toBeGreaterThan(0);
      for (const c of plain.chunks) if (c.tokens.length > 0) expect(c.proofs?.length).toBeGreaterThan(0);
      if (host === 'edge' && mode === 'si' && !extra.sampling) {
        // Statements cut short (the length limit, a later task deciding the rest) and statements
        // continued from an earlier chunk both occur, and both check below.
        expect(plain.chunks.some((c) => c.proofs?.some((p) => p.rest !== undefined))).toBe(true);
        expect(plain.chunks.some((c) => c.proofs?.some((p) => p.head > 0))).toBe(true);
      }
      const checked = await run(host, submit(`${tag}-checked`, prompt, mode, extra), 'reject');
      expect(checked.refused).toEqual([]);
      if (!extra.sampling) expect(checked.tokens).toEqual(plain.tokens);
      // A stop string that starts inside a token's text: that token is kept with its text cut, and
      // the cut prefix still checks (its run carries the signed text).
      const pieces = plain.chunks.flatMap((c) =>
        Array.from(c.textEnds ?? [], (end, i) => c.text.slice(i === 0 ? 0 : c.textEnds![i - 1], end)),
      );
      let i = 3;
      while (i < pieces.length - 1 && pieces[i]!.length < 2) i++;
      const stop = pieces[i]!.slice(1) + pieces[i + 1]!.slice(0, 1);
      const stopped = await run(
        host,
        submit(`${tag}-stop`, prompt, mode, { ...extra, stop: [stop] }),
        'reject',
      );
      expect(stopped.refused).toEqual([]);
      if (extra.sampling) return;
      expect(stopped.chunks.at(-1)?.finishReason).toBe('stop');
      const cutAt = plain.text.indexOf(stop);
      expect(stopped.text).toBe(plain.text.slice(0, cutAt));
      if (cutAt === pieces.slice(0, i).join('').length + 1) {
        expect(stopped.chunks.some((c) => c.proofs?.some((p) => p.cut !== undefined))).toBe(true);
      }
    });
  }
});

describe('a request that moves between hosts', () => {
  it('stays verified: target-only on a verifier, then handed over to a drafter that joins and resumed there', async () => {
    const common = { servers: nats.url, subjects: { prefix: 'vo-move' }, heartbeatIntervalMs: 50 };
    const sched = await Scheduler.start({ ...common, placement: 'edge' });
    const batcher = await Batcher.start({ ...common, pool: 'p', windowMs: 0.3, maxJobs: 12 });
    const v = await Verifier.start({ ...common, id: 'mv0', pool: 'p', model: target });
    const actor = await Actor.start({ ...common, role: 'gateway', heartbeatIntervalMs: 0 });
    const keys = VerifierKeys.start(actor);
    let late: Drafter | undefined;
    try {
      await sched.membership.waitFor((ms) => ms.length >= 2, startupDeadlineMs(3));
      const refused: UnverifiedTokens[] = [];
      const moves: string[] = [];
      const gen = await generate(
        actor,
        { ...submit('move-0', 'verified while moving', 'si'), maxTokens: 120 },
        {
          verifiedOutput: { keys, mode: 'reject', onUnverified: (u) => refused.push(u) },
          onMove: (m) => moves.push(`${m.reason}:${m.fromHost}->${m.toHost}`),
        },
      );
      const out = collect(gen);
      while (v.stats.tasks < 20) await new Promise((r) => setTimeout(r, 5));
      late = await Drafter.start({ ...common, id: 'late', model: drafter, maxSessions: 8 });
      const got = await out;
      expect(moves).toContain('handover:mv0->late');
      expect(refused).toEqual([]);
      expect(got.tokens.length).toBe(120);
      expect(got.sources.some((x) => x === 1)).toBe(true);
    } finally {
      keys.stop();
      await actor.stop();
      await late?.stop();
      await v.stop();
      await batcher.stop();
      await sched.stop();
    }
  });
});

describe('a drafter that injects tokens is refused every time', () => {
  it('the honest replay of a real statement passes (the attacks below differ from it only in what they forge)', async () => {
    const got = await run('evil', submit('evil-honest', 'honest please', 'si'), 'reject');
    expect(got.refused).toEqual([]);
    expect(got.tokens.length).toBe(1);
  });

  for (const how of ATTACKS) {
    it(`${how}: the request fails with E_UNVERIFIED naming the drafter; dropped instead when asked`, async () => {
      const err = await run('evil', submit(`evil-${how}-r`, `${how} please`, 'si'), 'reject').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SpecmeshError);
      expect((err as SpecmeshError).code).toBe(ErrorCode.Unverified);
      expect((err as SpecmeshError).context['host']).toBe('evil');
      const dropped = await run('evil', submit(`evil-${how}-d`, `${how} please`, 'si'), 'drop');
      expect(dropped.tokens.length).toBe(KEPT_WHEN_DROPPED[how] ?? 0);
      expect(dropped.refused.map((u) => u.host)).toEqual(['evil']);
      expect(dropped.refused[0]!.tokens).toBeGreaterThan(0);
    });
  }
});
