/**
 * The session's side of pre-drafting, without a cluster: which lender a request goes to, how many may
 * start, what a refusal does, and what dropping a request sends and counts.
 */
import { createSubjects, NoCapacityError } from '@specmesh/protocol';
import type { Actor, Member } from '@specmesh/runtime';
import { describe, expect, it } from 'vitest';
import { PredraftClient } from '../src/session/predraft-client.js';
import { combinePredraftTotals } from '../src/session/predraft-metrics.js';

function lender(id: string, lend: number, lastSeen: number): Member {
  return {
    id,
    role: 'drafter',
    pool: undefined,
    lastSeen,
    joinedAt: 0,
    heartbeat: {
      id,
      role: 'drafter',
      seq: 0,
      sentAt: 0,
      intervalMs: 100,
      draining: false,
      load: { inflight: 0, queued: 0, capacity: 0 },
      meta: { lend },
    },
  } as unknown as Member;
}

/** An actor whose requests stay pending until the test settles them. */
function fakeActor() {
  const requests: Array<{
    subject: string;
    body: { requestId: string };
    resolve: (v: unknown) => void;
    reject: (e: unknown) => void;
  }> = [];
  const published: Array<{ subject: string; kind: string; body: unknown }> = [];
  const bad: string[] = [];
  const actor = {
    id: 'host',
    subjects: createSubjects(),
    metrics: { badMessages: { inc: (l: { code: string }) => bad.push(l.code) } },
    request: (subject: string, _kind: string, body: { requestId: string }) =>
      new Promise((resolve, reject) => requests.push({ subject, body, resolve, reject })),
    publish: (subject: string, kind: string, body: unknown) => published.push({ subject, kind, body }),
  } as unknown as Actor;
  return { actor, requests, published, bad };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

/** A greedy session's client over `members`, its answers recorded as `[id, tokens]`. */
function clientOf(actor: Actor, members: Member[]) {
  const answers: Array<[string, number]> = [];
  const client = new PredraftClient({
    actor,
    sessionId: 's',
    sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
    alternatives: 2,
    lenders: () => members,
    timeoutMs: () => 1000,
    answer: (id, tokens) => answers.push([id, tokens.length]),
  });
  return { client, answers };
}

describe('PredraftClient', () => {
  it('starts as many requests as lenders have slots, preferring the lender that served it last', async () => {
    const { actor, requests } = fakeActor();
    const { client: c, answers } = clientOf(actor, [lender('a', 1, 10), lender('b', 2, 10)]);
    expect(c.free()).toBe(3);
    const prefix = Uint32Array.of(1, 2, 3);
    c.send({ id: 'p0', prefix, n: 2 });
    // The lender with the most slots first; then it again while it has one.
    expect(requests[0]!.subject).toBe(actor.subjects.predraft('b', 'host'));
    c.send({ id: 'p1', prefix, n: 2 });
    expect(requests[1]!.subject).toBe(actor.subjects.predraft('b', 'host'));
    c.send({ id: 'p2', prefix, n: 2 });
    expect(requests[2]!.subject).toBe(actor.subjects.predraft('a', 'host'));
    expect(c.free()).toBe(0);
    requests[0]!.resolve({
      body: { requestId: 'p0', tokens: Uint32Array.of(7, 8), width: 0, computeMs: 4 },
    });
    await flush();
    expect(answers).toEqual([['p0', 2]]);
    expect(c.free()).toBe(1);
    expect(c.use.modelMs).toBe(4);
  });

  it('takes a refusal as an empty answer and the lender as full until its next heartbeat', async () => {
    const { actor, requests } = fakeActor();
    const members = [lender('a', 1, 10)];
    const { client: c, answers } = clientOf(actor, members);
    c.send({ id: 'p0', prefix: Uint32Array.of(1), n: 1 });
    requests[0]!.reject(new NoCapacityError('busy'));
    await flush();
    expect(answers).toEqual([['p0', 0]]);
    expect(c.use.failed).toBe(1);
    expect(c.free()).toBe(0);
    // With no lender free, a request fails after the step that sent it, never inside it.
    c.send({ id: 'p1', prefix: Uint32Array.of(1), n: 1 });
    expect(answers).toHaveLength(1);
    await flush();
    expect(answers).toEqual([
      ['p0', 0],
      ['p1', 0],
    ]);
    members[0] = lender('a', 1, 20);
    expect(c.free()).toBe(1);
  });

  it('refuses a malformed answer (runner-ups short of its tokens, more tokens than asked): counted, the branch fails', async () => {
    const { actor, requests, bad } = fakeActor();
    const { client: c, answers } = clientOf(actor, [lender('a', 2, 10)]);
    c.send({ id: 'p0', prefix: Uint32Array.of(1), n: 2 });
    c.send({ id: 'p1', prefix: Uint32Array.of(1), n: 2 });
    requests[0]!.resolve({
      body: {
        requestId: 'p0',
        tokens: Uint32Array.of(5, 6),
        width: 2,
        alternatives: Uint32Array.of(7, 8),
        altProbs: Float32Array.of(0.1, 0.1),
        computeMs: 1,
      },
    });
    requests[1]!.resolve({ body: { requestId: 'p1', tokens: Uint32Array.of(5, 6, 7), computeMs: 1 } });
    await flush();
    expect(answers).toEqual([
      ['p0', 0],
      ['p1', 0],
    ]);
    expect(bad).toEqual(['E_SCHEMA', 'E_SCHEMA']);
    expect(c.use.failed).toBe(2);
  });

  it('drops a running request: aborts it, tells its lender, and counts its time as unused', async () => {
    const { actor, requests, published } = fakeActor();
    const { client: c, answers } = clientOf(actor, [lender('a', 2, 10)]);
    c.send({ id: 'p0', prefix: Uint32Array.of(1), n: 1 });
    c.send({ id: 'p1', prefix: Uint32Array.of(1), n: 1 });
    requests[1]!.resolve({ body: { requestId: 'p1', tokens: Uint32Array.of(5), computeMs: 3 } });
    await flush();
    c.drop(['p0', 'p1']);
    expect(published).toEqual([
      {
        subject: actor.subjects.predraft('a', 'host'),
        kind: 'predraft.drop',
        body: { sessionId: 's', requestIds: ['p0'] },
      },
    ]);
    // p1's model time came back and was never used; p0 ran until the drop.
    expect(c.use.unusedMs).toBeGreaterThanOrEqual(3);
    requests[0]!.resolve({ body: { requestId: 'p0', tokens: Uint32Array.of(5), computeMs: 1 } });
    await flush();
    expect(answers).toEqual([['p1', 1]]);
    expect(c.free()).toBe(2);
  });
});

describe('combinePredraftTotals', () => {
  const totals = (n: number, slots: number[]) => ({
    sessions: n,
    requests: 10 * n,
    failed: n,
    usedTokens: 3 * n,
    unusedTokens: 5 * n,
    rejectionsBySlot: slots,
    hitsBySlot: slots.map((s) => s - 1),
    lenderMs: 100 * n,
    unusedLenderMs: 70 * n,
  });

  it('sums two readings, and takes one from another, slot by slot over the longer list', () => {
    const a = totals(1, [4, 2]);
    const b = totals(2, [3, 3, 5]);
    const sum = combinePredraftTotals(a, b);
    expect(sum).toEqual({ ...totals(3, [7, 5, 5]), hitsBySlot: [5, 3, 4] });
    expect(combinePredraftTotals(sum, a, -1)).toEqual(b);
  });
});
