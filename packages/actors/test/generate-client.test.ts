import { type BodyOf, CancelledError, OverloadedError } from '@specmesh/protocol';
import { sampleBodies } from '@specmesh/protocol/internal';
import { Actor, machineLoadFactor, type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, generate } from '../src/client/generate-client.js';

let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server.stop();
});

const submit = (requestId: string): BodyOf<'submit'> => ({
  ...sampleBodies().submit,
  requestId,
  deadlineAt: undefined,
});

/**
 * Scheduler + drafter stand-in: admits, then publishes the given chunks in the given order as host `d1`
 * (after a forger's chunk 0 on its own host subject, when asked).
 */
async function fakeCluster(order: number[], duplicate?: number, forger?: string) {
  const a = await Actor.start({ role: 'scheduler', servers: server.url, heartbeatIntervalMs: 0 });
  const cancels: string[] = [];
  a.handle(a.subjects.session('d1'), 'session.cancel', (m) => {
    cancels.push(m.body.sessionId);
    return undefined;
  });
  a.handle(a.subjects.submit(), 'submit', (m) => {
    const req = m.body.requestId;
    const client = m.body.client;
    setTimeout(() => {
      const texts = ['Hel', 'lo', ' wor', 'ld'];
      if (forger) {
        a.publish(a.subjects.tokens(client, forger, req), 'tokens', {
          requestId: req,
          sessionId: `${req}-s`,
          seq: 0,
          index: 0,
          tokens: Uint32Array.of(66, 66),
          text: 'Forged',
          done: false,
        });
      }
      const send = (seq: number) =>
        a.publish(a.subjects.tokens(client, 'd1', req), 'tokens', {
          requestId: req,
          seq,
          index: seq * 2,
          tokens: Uint32Array.of(seq * 2, seq * 2 + 1),
          text: texts[seq]!,
          done: seq === 3,
          ...(seq === 3 ? { finishReason: 'length' as const } : {}),
        });
      for (const s of order) send(s);
      if (duplicate !== undefined) send(duplicate);
    }, 20);
    return {
      kind: 'submit.ok',
      body: {
        requestId: req,
        sessionId: `${req}-s`,
        drafterId: 'd1',
        pool: 'p',
        tokenSubject: a.subjects.tokens(client, 'd1', req),
      },
    };
  });
  await a.flush();
  return { a, cancels };
}

describe('generate client', () => {
  it('streams chunks in sequence order even when they arrive shuffled or twice', async () => {
    const { a } = await fakeCluster([2, 0, 3, 1], 1);
    const c = await Actor.start({ role: 'gateway', servers: server.url, heartbeatIntervalMs: 0 });
    const gen = await generate(c, submit('g1'));
    expect(gen.accepted.drafterId).toBe('d1');
    const out = await collect(gen);
    expect(out.text).toBe('Hello world');
    expect(out.tokens).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(out.chunks).toBe(4);
    await c.stop();
    await a.stop();
  });

  it('shows only chunks from the host the scheduler named, and stops a session streaming from another', async () => {
    const { a } = await fakeCluster([0, 1, 2, 3], undefined, 'forger');
    const forgerCancels: string[] = [];
    a.handle(a.subjects.session('forger'), 'session.cancel', (m) => {
      forgerCancels.push(m.body.sessionId);
      return undefined;
    });
    await a.flush();
    const c = await Actor.start({ role: 'gateway', servers: server.url, heartbeatIntervalMs: 0 });
    const out = await collect(await generate(c, submit('g-forged')));
    expect(out.text).toBe('Hello world');
    expect(out.tokens).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await c.flush();
    await a.flush();
    expect(forgerCancels).toEqual(['g-forged-s']);
    await c.stop();
    await a.stop();
  });

  it('surfaces the scheduler error as its typed class', async () => {
    const a = await Actor.start({ role: 'scheduler', servers: server.url, heartbeatIntervalMs: 0 });
    a.handle(a.subjects.submit(), 'submit', () => {
      throw new OverloadedError('full');
    });
    await a.flush();
    const c = await Actor.start({ role: 'gateway', servers: server.url, heartbeatIntervalMs: 0 });
    await expect(generate(c, submit('g2'))).rejects.toBeInstanceOf(OverloadedError);
    await c.stop();
    await a.stop();
  });

  it('tells the caller how each submit attempt ended: a verdict, then no scheduler, then accepted', async () => {
    const c = await Actor.start({ role: 'gateway', servers: server.url, heartbeatIntervalMs: 0 });
    const refused: string[] = [];
    const a = await Actor.start({ role: 'scheduler', servers: server.url, heartbeatIntervalMs: 0 });
    const stop = a.handle(a.subjects.submit(), 'submit', () => {
      throw new OverloadedError('full');
    });
    await a.flush();
    await expect(
      generate(c, submit('att1'), { onSubmitAttempt: (x) => refused.push(x.outcome) }),
    ).rejects.toBeInstanceOf(OverloadedError);
    expect(refused).toEqual(['refused']);
    stop();
    await a.stop();
    // No scheduler at first: unreachable attempts, then one comes up and accepts.
    const outcomes: string[] = [];
    const pending = generate(c, submit('att2'), {
      onSubmitAttempt: (x) => {
        expect(x.requestId).toBe('att2');
        expect(x.tookMs).toBeGreaterThanOrEqual(0);
        outcomes.push(x.outcome);
      },
    });
    const until = Date.now() + 5000 * machineLoadFactor();
    while (!outcomes.includes('unreachable') && Date.now() < until)
      await new Promise((r) => setTimeout(r, 10));
    const { a: b } = await fakeCluster([0, 1, 2, 3]);
    const out = await collect(await pending);
    expect(out.text).toBe('Hello world');
    expect(outcomes[0]).toBe('unreachable');
    expect(outcomes.at(-1)).toBe('accepted');
    await c.stop();
    await b.stop();
  });

  describe('a paused scheduler keeps its place in the queue group', () => {
    /**
     * Two schedulers in the group of prefix `prefix`: `held` takes submits and never answers (a paused
     * process keeps its subscription), `live` admits, through the group and by name. Its admissions
     * stream nothing: these tests look at admission only. `held` joins the group at once, or when
     * `pause()` is called.
     */
    async function pausedAndLive(prefix: string, heldLater = false) {
      const common = { servers: server.url, heartbeatIntervalMs: 0, subjects: { prefix } };
      const held = await Actor.start({ ...common, role: 'scheduler', id: 'held' });
      const live = await Actor.start({ ...common, role: 'scheduler', id: 'live' });
      const reached = { held: 0, liveByName: 0 };
      const pause = async () => {
        held.handle(
          held.subjects.submit(),
          'submit',
          () => {
            reached.held++;
            return new Promise<never>(() => {});
          },
          { queue: 'scheduler' },
        );
        await held.flush();
      };
      if (!heldLater) await pause();
      const admit = (m: { body: BodyOf<'submit'> }) => ({
        kind: 'submit.ok' as const,
        body: {
          requestId: m.body.requestId,
          sessionId: `${m.body.requestId}-s`,
          drafterId: 'd1',
          pool: 'p',
          tokenSubject: live.subjects.tokens(m.body.client, 'd1', m.body.requestId),
        },
      });
      live.handle(live.subjects.submit(), 'submit', admit, { queue: 'scheduler' });
      live.handle(live.subjects.submitTo('live'), 'submit', (m) => {
        reached.liveByName++;
        return admit(m);
      });
      await live.flush();
      const client = await Actor.start({ ...common, role: 'gateway' });
      const stop = async () => {
        await client.stop();
        await live.stop();
        await held.stop();
      };
      return { client, reached, pause, stop };
    }

    /**
     * Admits `n` requests one after the other (ids `paused-<from>` on); the attempts of each, as
     * `outcome[@scheduler]`.
     */
    async function admitAll(
      client: Actor,
      n: number,
      options: Parameters<typeof generate>[2] = {},
      from = 0,
    ) {
      const attemptMs = Math.round(400 * machineLoadFactor());
      const attempts: string[][] = [];
      for (let i = 0; i < n; i++) {
        const mine: string[] = [];
        attempts.push(mine);
        const ac = new AbortController();
        const gen = await generate(client, submit(`paused-${from + i}`), {
          ...options,
          submitAttemptMs: attemptMs,
          signal: ac.signal,
          onSubmitAttempt: (a) => mine.push(`${a.outcome}${a.scheduler ? `@${a.scheduler}` : ''}`),
        });
        expect(gen.accepted.requestId).toBe(`paused-${from + i}`);
        ac.abort();
      }
      return attempts;
    }

    it('a repeat after silence goes to the scheduler that beats, by name', async () => {
      const c = await pausedAndLive('paused-hb');
      // The gateway's heartbeat view: both still count as alive (a paused one until it misses
      // beats), the live one heard from last.
      const now = Date.now();
      const schedulers = () => [
        { id: 'held', lastSeen: now - 500 },
        { id: 'live', lastSeen: Date.now() },
      ];
      const attempts = await admitAll(c.client, 12, { schedulers });
      for (const a of attempts) {
        // Through the group first; after a silent attempt, by name to the live scheduler.
        expect(a.length, a.join(' ')).toBeLessThanOrEqual(2);
        if (a.length === 2) expect(a).toEqual(['silent', 'accepted@live']);
        else expect(a).toEqual(['accepted']);
      }
      // NATS spreads the first attempts over the group: the held scheduler took some of them.
      expect(c.reached.held).toBeGreaterThan(0);
      expect(c.reached.liveByName).toBe(c.reached.held);
      await c.stop();
    });

    it('a named scheduler with no responders is passed over at once for the next', async () => {
      const c = await pausedAndLive('paused-gone');
      // `gone` beat last but has since exited: its subject has no responders.
      const schedulers = () => [
        { id: 'live', lastSeen: Date.now() - 100 },
        { id: 'gone', lastSeen: Date.now() },
      ];
      const attempts = await admitAll(c.client, 12, { schedulers });
      for (const a of attempts) {
        if (a.length > 1) expect(a).toEqual(['silent', 'unreachable@gone', 'accepted@live']);
        else expect(a).toEqual(['accepted']);
      }
      expect(c.reached.held).toBeGreaterThan(0);
      await c.stop();
    });

    it('without a heartbeat view, a repeat names the scheduler that answered this client last', async () => {
      const c = await pausedAndLive('paused-answers', true);
      // `live` alone answers the first request; then `held` joins the group, paused.
      expect(await admitAll(c.client, 1)).toEqual([['accepted']]);
      await c.pause();
      for (const a of await admitAll(c.client, 12, {}, 1)) {
        expect(a.length, a.join(' ')).toBeLessThanOrEqual(2);
        if (a.length === 2) expect(a).toEqual(['silent', 'accepted@live']);
        else expect(a).toEqual(['accepted']);
      }
      expect(c.reached.held).toBeGreaterThan(0);
      await c.stop();
    });
  });

  it('cancelling tells the drafter and ends the stream with E_CANCELLED', async () => {
    const { a, cancels } = await fakeCluster([]);
    const c = await Actor.start({ role: 'gateway', servers: server.url, heartbeatIntervalMs: 0 });
    const ac = new AbortController();
    const gen = await generate(c, submit('g3'), { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(collect(gen)).rejects.toBeInstanceOf(CancelledError);
    await c.flush();
    const until = Date.now() + 2000 * machineLoadFactor();
    while (cancels.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(cancels).toEqual(['g3-s']);
    await c.stop();
    await a.stop();
  });

  it('fails with E_DEADLINE when the stream goes silent', async () => {
    const { a } = await fakeCluster([0, 1]);
    const c = await Actor.start({ role: 'gateway', servers: server.url, heartbeatIntervalMs: 0 });
    const gen = await generate(c, submit('g4'), { idleTimeoutMs: 200 });
    await expect(collect(gen)).rejects.toThrow(
      /no tokens for request g4 within 200 ms \(waiting for chunk 2\)/,
    );
    await c.stop();
    await a.stop();
  });

  describe('a request whose host fails moves, resuming from the committed output', () => {
    /** A host's chunk: tokens `[2·seq, 2·seq+1]` of a 4-chunk output, tagged with its session. */
    const chunk = (req: string, sessionId: string, seq: number, tokens?: Uint32Array<ArrayBuffer>) => ({
      requestId: req,
      sessionId,
      seq,
      index: seq * 2,
      tokens: tokens ?? Uint32Array.of(seq * 2, seq * 2 + 1),
      text: `<${seq}>`,
      done: false,
    });

    /** The rest of the 8-token output from token `held` on, two tokens a chunk, numbered on from `seq`. */
    const publishRest = (
      a: Actor,
      subject: string,
      req: string,
      sessionId: string,
      seq: number,
      held: number,
    ) => {
      for (let at = held; at < 8; at += 2, seq++) {
        a.publish(subject, 'tokens', {
          ...chunk(req, sessionId, seq, Uint32Array.of(at, at + 1)),
          index: at,
          done: at + 2 >= 8,
        });
      }
    };

    /**
     * A scheduler stand-in: the first admission goes to `firstHost`, which publishes chunks 0 and 1
     * (and `then` afterwards); a resubmit goes to `d2`, which publishes the rest.
     */
    async function movingCluster(firstHost: string, then?: 'handover') {
      const a = await Actor.start({ role: 'scheduler', servers: server.url, heartbeatIntervalMs: 0 });
      const resubmits: BodyOf<'submit'>[] = [];
      a.handle(a.subjects.submit(), 'submit', (m) => {
        const req = m.body.requestId;
        const tokens = a.subjects.tokens(m.body.client, firstHost, req);
        const movedTo = a.subjects.tokens(m.body.client, 'd2', req);
        if (!m.body.resume) {
          setTimeout(() => {
            a.publish(tokens, 'tokens', chunk(req, 's1', 0));
            a.publish(tokens, 'tokens', chunk(req, 's1', 1));
            if (then === 'handover') {
              a.publish(tokens, 'tokens', {
                requestId: req,
                sessionId: 's1',
                seq: 2,
                index: 4,
                tokens: new Uint32Array(0),
                text: '',
                done: false,
                handover: true,
              });
            }
          }, 20);
          return {
            kind: 'submit.ok',
            body: { requestId: req, sessionId: 's1', drafterId: firstHost, pool: 'p', tokenSubject: tokens },
          };
        }
        resubmits.push(m.body);
        const from = m.body.resume.nextSeq;
        setTimeout(() => {
          // The old session, waking up, must not get in: its chunks carry other tokens.
          a.publish(tokens, 'tokens', chunk(req, 's1', from, Uint32Array.of(99, 99)));
          publishRest(a, movedTo, req, 's2', from, m.body.resume!.committed.length);
        }, 5);
        return {
          kind: 'submit.ok',
          body: { requestId: req, sessionId: 's2', drafterId: 'd2', pool: 'p', tokenSubject: movedTo },
        };
      });
      await a.flush();
      return { a, resubmits };
    }

    it('a dead host (nobody answers the probe) is avoided and the rest comes from the new host', async () => {
      const { a, resubmits } = await movingCluster('ghost');
      const c = await Actor.start({ role: 'gateway', servers: server.url, heartbeatIntervalMs: 0 });
      const moves: string[] = [];
      const gen = await generate(c, submit('m1'), {
        probeAfterMs: 100,
        onMove: (m) => moves.push(`${m.reason}:${m.fromHost}->${m.toHost}@${m.committed}`),
      });
      const out = await collect(gen);
      expect(out.tokens).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(moves).toEqual(['dead:ghost->d2@4']);
      expect(gen.moves).toBe(1);
      expect(resubmits).toHaveLength(1);
      expect([...resubmits[0]!.resume!.committed]).toEqual([0, 1, 2, 3]);
      expect(resubmits[0]!.resume!.nextSeq).toBe(2);
      expect(resubmits[0]!.avoid).toEqual(['ghost']);
      await c.stop();
      await a.stop();
    });

    it('a hung host (probe unanswered) is cancelled and abandoned', async () => {
      const { a, resubmits } = await movingCluster('h1');
      const cancels: string[] = [];
      // Subscribed but silent, like a stopped process whose connection is still open.
      a.handle(a.subjects.session('h1'), ['session.probe', 'session.cancel'], (m) => {
        if (m.kind === 'session.cancel') cancels.push((m.body as BodyOf<'session.cancel'>).sessionId);
        return new Promise(() => {});
      });
      await a.flush();
      const c = await Actor.start({ role: 'gateway', servers: server.url, heartbeatIntervalMs: 0 });
      const reasons: string[] = [];
      const gen = await generate(c, submit('m2'), {
        probeAfterMs: 100,
        probeTimeoutMs: 200,
        onMove: (m) => reasons.push(m.reason),
      });
      expect((await collect(gen)).tokens).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(reasons).toEqual(['hung']);
      expect(resubmits[0]!.avoid).toEqual(['h1']);
      const until = Date.now() + 2000 * machineLoadFactor();
      while (cancels.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      expect(cancels).toEqual(['s1']);
      await c.stop();
      await a.stop();
    });

    it("never adopts a session it stopped, even when a scheduler's answer names it again", async () => {
      const a = await Actor.start({ role: 'scheduler', servers: server.url, heartbeatIntervalMs: 0 });
      const resubmits: BodyOf<'submit'>[] = [];
      a.handle(a.subjects.submit(), 'submit', (m) => {
        const req = m.body.requestId;
        const client = m.body.client;
        if (m.body.resume) resubmits.push(m.body);
        // The first move gets the hung session again (a scheduler's memory of an earlier start that
        // resumed from the same point); the next one a host that streams the output.
        const host = resubmits.length === 2 ? 'd2' : 'h1';
        const sessionId = host === 'd2' ? 's2' : 's1';
        if (host === 'd2') {
          const subject = a.subjects.tokens(client, 'd2', req);
          setTimeout(() => publishRest(a, subject, req, 's2', m.body.resume!.nextSeq, 0), 5);
        }
        return {
          kind: 'submit.ok',
          body: {
            requestId: req,
            sessionId,
            drafterId: host,
            pool: 'p',
            tokenSubject: a.subjects.tokens(client, host, req),
          },
        };
      });
      // h1 hangs; stopped, its session ends at once with an empty final chunk, as a drafter's does.
      a.handle(a.subjects.session('h1'), ['session.probe', 'session.cancel'], (m) => {
        if (m.kind === 'session.cancel') {
          a.publish(a.subjects.tokens(c.id, 'h1', 'm-stale'), 'tokens', {
            ...chunk('m-stale', 's1', 0, new Uint32Array(0)),
            done: true,
            finishReason: 'cancelled',
          });
          return undefined;
        }
        return new Promise(() => {});
      });
      await a.flush();
      const c = await Actor.start({ role: 'gateway', servers: server.url, heartbeatIntervalMs: 0 });
      const reasons: string[] = [];
      const gen = await generate(c, submit('m-stale'), {
        probeAfterMs: 100,
        probeTimeoutMs: 200,
        onMove: (m) => reasons.push(`${m.reason}:${m.fromHost}->${m.toHost}`),
      });
      expect((await collect(gen)).tokens).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(reasons).toEqual(['lost:h1->d2']);
      // Each move says which it is, so a scheduler tells a repeat from the next move.
      expect(resubmits.map((r) => r.resume!.move)).toEqual([1, 2]);
      await c.stop();
      await a.stop();
    });

    it('a handover is followed without avoiding the host that handed over', async () => {
      const { a, resubmits } = await movingCluster('v1', 'handover');
      const c = await Actor.start({ role: 'gateway', servers: server.url, heartbeatIntervalMs: 0 });
      const reasons: string[] = [];
      const gen = await generate(c, submit('m3'), { onMove: (m) => reasons.push(m.reason) });
      expect((await collect(gen)).tokens).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(reasons).toEqual(['handover']);
      expect(resubmits[0]!.resume!.nextSeq).toBe(3);
      expect(resubmits[0]!.avoid).toBeUndefined();
      await c.stop();
      await a.stop();
    });
  });
});
