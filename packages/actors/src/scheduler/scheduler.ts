/**
 * The scheduler role: admits generation requests and hands each to a drafter.
 *
 * `submit` → pick a target pool (the request's, or the one with most live verifiers that also has a
 * batcher) → pick a drafter with a free session slot (heartbeats) → `session.start` on it → reply
 * `submit.ok` naming the drafter and the token subject. With no free slot the request waits in a
 * bounded queue; a full queue answers `E_OVERLOADED` at once, a wait longer than the admission timeout
 * or the request's deadline answers `E_DEADLINE`. Nothing is dropped silently.
 *
 * Several schedulers share `sched.submit` as a queue group; each keeps its own queue, and also answers
 * `sched.submit.<its id>`, where a client sends a repeat by name.
 *
 * A client sends a `submit` again when an attempt went unanswered (see the client's submit-retry.ts),
 * so a scheduler answers a repeated request as one request (by id and resume point): one still
 * waiting keeps its place and answers the newest attempt; one being started answers every attempt
 * when it is; one started lately gets the same `submit.ok` again, unless its host is gone or to be
 * avoided. Another scheduler of the group cannot know of it: the client stops a second session at
 * its first chunk.
 *
 * A `submit` with `resume` continues a request whose host died, hung or handed it over; `avoid` names
 * instances not to use. While no drafter is alive at all, the session goes to one of the pool's
 * verifiers, which decodes it target-only (degraded but serving) and hands it back later.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  asSpecmeshError,
  type BodyOf,
  DeadlineError,
  ErrorCode,
  NoCapacityError,
  OverloadedError,
  type SpecmeshError,
} from '@specmesh/protocol';
import { Actor, type Member, MembershipView, type Reply } from '@specmesh/runtime';
import { placementRoundView } from '../placement/awc-placement-view.js';
import { DIRECT_META_KEY } from '../placement/direct-target.js';
import {
  awcChoosesFused,
  awcPlaces,
  choosePlacement,
  type Host,
  metaNumber,
  poolLoad,
  queueFigures,
} from '../placement/placement.js';
import { AnswerTimeout } from '../timeouts/answer-timeout.js';
import { type DrafterSlots, pickDrafter } from './pick-drafter.js';
import { resolveSchedulerOptions, type SchedulerConfig, type SchedulerOptions } from './scheduler-options.js';

type Submit = BodyOf<'submit'>;

/** How long a started request's `submit.ok` is kept to answer a repeat of its submit, ms. */
const RECENT_START_MS = 60_000;
/** Most started requests remembered for repeats (oldest forgotten first). */
const RECENT_START_LIMIT = 4096;

/** One request as far as repeats go: its id and the point it resumes from. */
/**
 * Least time a `session.start` gets once hosts' answers are measured, ms: a live host answers within
 * milliseconds, and a loaded one within a few of its recent answers (the timeout grows with them).
 */
const MIN_START_TIMEOUT_MS = 500;

/** `session.start` requests a scheduler keeps unanswered at one host at a time. */
const MAX_STARTS_PER_HOST = 32;

/**
 * A request whose placement depends on the cluster alone: no pool, no hosts to avoid, no preferred
 * kind of host, and no AWC placement (which weighs the request's own prompt).
 */
function isPlain(submit: Submit): boolean {
  return (
    submit.pool === undefined &&
    (submit.avoid?.length ?? 0) === 0 &&
    submit.prefer === undefined &&
    submit.window.policy !== 'awc'
  );
}

function requestKey(submit: Submit): string {
  const r = submit.resume;
  // The move tells two moves apart that resume from the same point (no token between them).
  return `${submit.requestId}@${r?.nextSeq ?? 0}:${r?.committed.length ?? 0}#${r?.move ?? 0}`;
}

/** Makes `w` also answer a repeat's reply functions (the newest attempt is the one its client awaits). */
function join(w: Waiting, resolve: (reply: Reply) => void, reject: (err: SpecmeshError) => void): void {
  const [earlierResolve, earlierReject] = [w.resolve, w.reject];
  w.resolve = (reply) => {
    earlierResolve(reply);
    resolve(reply);
  };
  w.reject = (err) => {
    earlierReject(err);
    reject(err);
  };
}

interface Waiting {
  submit: Submit;
  /** The request's trace id, passed on to the session's host. */
  traceId?: string;
  enqueuedAt: number;
  resolve: (reply: Reply) => void;
  reject: (err: SpecmeshError) => void;
}

export interface SchedulerStats {
  admitted: number;
  /** Admitted on a verifier, target-only, for want of a live drafter. */
  targetOnly: number;
  /** Admitted fused, on a verifier drafting with its own draft model. */
  fused: number;
  /** Admitted with `resume` (continuing a request another host began). */
  resumed: number;
  rejectedOverloaded: number;
  rejectedDeadline: number;
  rejectedNoCapacity: number;
}

export class Scheduler {
  readonly actor: Actor;
  readonly config: SchedulerConfig;
  readonly stats: SchedulerStats = {
    admitted: 0,
    targetOnly: 0,
    fused: 0,
    resumed: 0,
    rejectedOverloaded: 0,
    rejectedDeadline: 0,
    rejectedNoCapacity: 0,
  };
  private readonly view = new MembershipView();
  private queue: Waiting[] = [];
  /** The waiting requests by their key: a repeated submit finds its request without a scan. */
  private readonly waitingByKey = new Map<string, Waiting>();
  /** `session.start` requests awaiting their reply, per host. */
  private readonly startsInFlight = new Map<string, number>();
  /** Session starts per drafter since its last heartbeat was received. */
  private readonly startedSince = new Map<string, { afterSeq: number; count: number; startedAt: number }>();
  private rotation = 0;
  /** Requests whose session is being started, by {@link requestKey}. */
  private readonly starting = new Map<string, Waiting>();
  /** Requests started lately, by {@link requestKey}: the reply sent, and when. */
  private readonly recent = new Map<string, { reply: Reply; at: number }>();
  private pumping = false;
  private sweep: NodeJS.Timeout | undefined;
  /** How long a `session.start` may go unanswered: a few of the hosts' recent answers, at most the configured timeout. */
  private readonly startTimeout: AnswerTimeout;

  private constructor(actor: Actor, config: SchedulerConfig) {
    this.actor = actor;
    this.config = config;
    this.startTimeout = new AnswerTimeout({
      floorMs: Math.min(MIN_START_TIMEOUT_MS, config.startTimeoutMs),
      initialMs: config.startTimeoutMs,
      ceilingMs: config.startTimeoutMs,
    });
  }

  static async start(options: SchedulerOptions): Promise<Scheduler> {
    const config = resolveSchedulerOptions(options);
    let s: Scheduler | undefined;
    const actor = await Actor.start({
      // Every submit waiting in the queue is a message in flight until its reply: the runtime's cap on
      // those must not refuse (E_OVERLOADED) what the queue has room for.
      maxInflight: config.maxQueue + 1024,
      ...options,
      role: 'scheduler',
      load: () => ({ inflight: 0, queued: s?.queue.length ?? 0, capacity: config.maxQueue }),
    });
    s = new Scheduler(actor, config);
    s.listen();
    await actor.flush();
    return s;
  }

  /** Live membership as this scheduler sees it (the status command and tests read it). */
  get membership(): MembershipView {
    return this.view;
  }

  get queued(): number {
    return this.queue.length;
  }

  private listen() {
    this.view.start(this.actor, 50);
    this.view.on(() => this.pump());
    // A fresh report from a host (a drafter, or a verifier hosting fused and target-only sessions)
    // includes the sessions started there since: its reservations are void.
    for (const role of ['drafter', 'verifier'] as const) {
      this.actor.handle(this.actor.subjects.heartbeatAll(role), 'heartbeat', (msg) => {
        const prev = this.startedSince.get(msg.body.id);
        // A restarted host numbers its heartbeats from 0 again: its first report is fresh too.
        if (prev && (msg.body.seq > prev.afterSeq || msg.body.startedAt !== prev.startedAt)) {
          this.startedSince.delete(msg.body.id);
        }
        this.pump();
        return undefined;
      });
    }
    this.actor.handle(
      this.actor.subjects.submit(),
      'submit',
      (msg, ctx) => this.admit(msg.body, ctx.traceId),
      {
        queue: 'scheduler',
      },
    );
    // By name too: a client's repeat after a silent attempt, which must not land on a paused member
    // of the group (protocol 2.4). Same admission, so a repeat is still one request here.
    this.actor.handle(this.actor.subjects.submitTo(this.actor.id), 'submit', (msg, ctx) =>
      this.admit(msg.body, ctx.traceId),
    );
    this.sweep = setInterval(() => this.expireWaiting(), 50);
    this.sweep.unref();
  }

  private admit(submit: Submit, traceId: string | undefined): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      // A repeat of a request this scheduler holds or started lately: the same request, not a new one.
      const key = requestKey(submit);
      const started = this.startedLately(key, submit);
      if (started) {
        resolve(started);
        return;
      }
      const waiting = this.waitingByKey.get(key);
      if (waiting) {
        waiting.submit = submit;
        join(waiting, resolve, reject);
        return;
      }
      const inStart = this.starting.get(key);
      if (inStart) {
        join(inStart, resolve, reject);
        return;
      }
      if (this.queue.length >= this.config.maxQueue && !this.hasFreeDrafter()) {
        this.stats.rejectedOverloaded++;
        reject(
          new OverloadedError(
            `scheduler ${this.actor.id} is full: ${this.queue.length} requests wait for a drafter`,
            {
              context: {
                requestId: submit.requestId,
                queued: this.queue.length,
                limit: this.config.maxQueue,
              },
            },
          ),
        );
        return;
      }
      const w: Waiting = { submit, enqueuedAt: Date.now(), resolve, reject, ...(traceId ? { traceId } : {}) };
      this.queue.push(w);
      this.waitingByKey.set(key, w);
      this.pump();
    });
  }

  private drafterSlots(): DrafterSlots[] {
    return this.view.alive({ role: 'drafter' }).map((m: Member) => ({
      id: m.id,
      capacity: m.heartbeat.load.capacity,
      used: m.heartbeat.load.inflight + m.heartbeat.load.queued + (this.startedSince.get(m.id)?.count ?? 0),
    }));
  }

  private hasFreeDrafter(): boolean {
    return pickDrafter(this.drafterSlots(), new Set(), 0) !== undefined;
  }

  /** Starts sessions for waiting requests while drafters have free slots. */
  private pump() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      let i = 0;
      // Once a request without constraints of its own finds no host, none of the later ones can: a
      // long queue then costs one pick per constrained request, not one per request, per heartbeat.
      let plainBlocked = false;
      while (i < this.queue.length) {
        const w = this.queue[i]!;
        const plain = isPlain(w.submit);
        if (plain && plainBlocked) {
          i++;
          continue;
        }
        // No usable pool yet: the request waits (see expireWaiting) instead of failing at once.
        if (!this.choosePool(w.submit)) {
          plainBlocked ||= plain;
          i++;
          continue;
        }
        const avoid = new Set(w.submit.avoid ?? []);
        const host =
          this.pickHost(w.submit, this.withBusyHosts(avoid)) ??
          // `avoid` names a host the client gave up on (dead, hung, gone silent); while it is the only
          // drafter alive, waiting for another would hold the request until its admission timeout. A
          // dead host leaves the membership within a few heartbeats, a slow one may well answer.
          (this.onlyAvoidedAlive(avoid) ? this.pickHost(w.submit, this.withBusyHosts(new Set())) : undefined);
        if (!host) {
          plainBlocked ||= plain;
          i++;
          continue;
        }
        this.queue.splice(i, 1);
        this.reserve(host.id);
        const key = requestKey(w.submit);
        this.waitingByKey.delete(key);
        this.starting.set(key, w);
        void this.startSession(w, host, avoid).finally(() => {
          if (this.starting.get(key) === w) this.starting.delete(key);
        });
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Where the request goes (see placement.ts): an edge drafter with a free slot, a verifier of its
   * pool that drafts itself (fused), or, when no drafter outside `exclude` is alive at all, a
   * verifier decoding target-only.
   */
  private pickHost(submit: Submit, exclude: ReadonlySet<string>): Host | undefined {
    const drafterId = pickDrafter(this.drafterSlots(), exclude, this.rotation++);
    const drafter = drafterId !== undefined ? this.view.get(drafterId) : undefined;
    const pool = this.choosePool(submit);
    const verifiers = pool ? this.view.alive({ role: 'verifier', pool }) : [];
    let fusedHost: { id: string; load: number } | undefined;
    let targetOnlyHost: { id: string; load: number } | undefined;
    for (const v of verifiers) {
      if (exclude.has(v.id)) continue;
      const free = (metaNumber(v, 'hostFree') ?? 0) - (this.startedSince.get(v.id)?.count ?? 0);
      if (free <= 0) continue;
      const { inflight, queued, capacity } = v.heartbeat.load;
      const load = (inflight + queued) / Math.max(1, capacity);
      if (!targetOnlyHost || load < targetOnlyHost.load) targetOnlyHost = { id: v.id, load };
      if (metaNumber(v, 'fused') === 1 && (!fusedHost || load < fusedHost.load))
        fusedHost = { id: v.id, load };
    }
    const rttMs = drafter ? metaNumber(drafter, 'rttMs') : undefined;
    const awc = awcPlaces({ window: submit.window, placement: this.config.placement });
    return choosePlacement(this.config.placement, {
      ...(awc && drafter && fusedHost
        ? {
            awcFused: awcChoosesFused(
              submit.window,
              {
                ...(rttMs !== undefined ? { rttMs } : {}),
                ...queueFigures(verifiers, undefined),
                ...(typeof submit.prompt !== 'string' ? { contextTokens: submit.prompt.length } : {}),
                round: placementRoundView(
                  verifiers,
                  rttMs,
                  (typeof submit.prompt !== 'string' ? submit.prompt.length : 0) + submit.window.k + 1,
                  metaNumber(drafter, 'draftMsPerToken'),
                ),
              },
              this.config.awcWeights,
            ),
          }
        : {}),
      ...(submit.prefer ? { prefer: submit.prefer } : {}),
      ...(drafterId !== undefined
        ? { drafter: { id: drafterId, ...(rttMs !== undefined ? { rttMs } : {}) } }
        : {}),
      ...(fusedHost ? { fusedHost: fusedHost.id } : {}),
      ...(targetOnlyHost && this.config.targetOnlyFallback ? { targetOnlyHost: targetOnlyHost.id } : {}),
      poolLoad: poolLoad(verifiers),
      drafterAlive: this.view.alive({ role: 'drafter' }).some((d) => !exclude.has(d.id)),
    });
  }

  private reserve(drafterId: string) {
    const hb = this.view.get(drafterId)?.heartbeat;
    const e = this.startedSince.get(drafterId) ?? {
      afterSeq: hb?.seq ?? 0,
      count: 0,
      startedAt: hb?.startedAt ?? 0,
    };
    e.count++;
    this.startedSince.set(drafterId, e);
  }

  private markFull(drafterId: string) {
    const m = this.view.get(drafterId);
    if (!m) return;
    this.startedSince.set(drafterId, {
      afterSeq: m.heartbeat.seq,
      count: m.heartbeat.load.capacity,
      startedAt: m.heartbeat.startedAt,
    });
  }

  private choosePool(submit: Submit): string | undefined {
    const verifiers = this.view.alive({ role: 'verifier' });
    const batchers = new Set(this.view.alive({ role: 'batcher' }).map((b) => b.pool));
    const counts = new Map<string, number>();
    // A pool serves with a batcher, or without one while its verifiers take tasks straight from the
    // sessions (direct verification): a restarting single batcher does not turn requests away.
    for (const v of verifiers)
      if (v.pool && (batchers.has(v.pool) || metaNumber(v, DIRECT_META_KEY) === 1))
        counts.set(v.pool, (counts.get(v.pool) ?? 0) + 1);
    if (submit.pool) return counts.has(submit.pool) ? submit.pool : undefined;
    let best: string | undefined;
    for (const [pool, n] of counts) if (best === undefined || n > counts.get(best)!) best = pool;
    return best;
  }

  /**
   * `exclude` and the hosts already answering {@link MAX_STARTS_PER_HOST} starts. A burst of requests
   * would otherwise send one host thousands of starts at once: it answers them late, each late answer
   * counts as a failed start, and the request is started again elsewhere while the first session
   * runs. Waiting requests go out as earlier starts are answered.
   */
  private withBusyHosts(exclude: ReadonlySet<string>): ReadonlySet<string> {
    let out: Set<string> | undefined;
    for (const [host, n] of this.startsInFlight) {
      if (n < MAX_STARTS_PER_HOST || exclude.has(host)) continue;
      out ??= new Set(exclude);
      out.add(host);
    }
    return out ?? exclude;
  }

  /** True when `avoid` names hosts and every drafter alive is among them. */
  private onlyAvoidedAlive(avoid: ReadonlySet<string>): boolean {
    if (avoid.size === 0) return false;
    const drafters = this.view.alive({ role: 'drafter' });
    return drafters.length > 0 && drafters.every((d) => avoid.has(d.id));
  }

  private async startSession(w: Waiting, host: Host, tried: Set<string>): Promise<void> {
    const { submit } = w;
    const drafterId = host.id;
    const pool = this.choosePool(submit);
    if (!pool) {
      this.stats.rejectedNoCapacity++;
      w.reject(this.noPoolError(submit));
      return;
    }
    // 96 random bits: a session's id is what a task, a preempt or a token chunk of it must name, and an
    // edge site cannot read another's (tenants apart), so it cannot guess one either. The request id
    // part (for logs) is cut so the id, and its tasks' ids, stay within an id's 128 characters.
    const sessionId = `${submit.requestId.slice(0, 96)}-${randomBytes(12).toString('base64url')}`;
    // Only the client that asked reads this subject, and only the host publishes on it.
    const tokenSubject = this.actor.subjects.tokens(submit.client, drafterId, submit.requestId);
    // Everything the request asked for travels on; the pool is now decided.
    const { pool: _asked, avoid: _avoid, prefer: _prefer, client: _client, ...generation } = submit;
    const start: BodyOf<'session.start'> = {
      ...generation,
      sessionId,
      pool,
      tokenSubject,
      placement: { kind: host.kind, ...this.config.placement },
    };
    this.startsInFlight.set(drafterId, (this.startsInFlight.get(drafterId) ?? 0) + 1);
    try {
      try {
        const sent = performance.now();
        await this.actor.request(this.actor.subjects.session(drafterId), 'session.start', start, {
          expect: 'session.ok',
          // A paused or hung host costs a few of the hosts' usual answers, then the next host is tried.
          timeoutMs: this.startTimeout.ms,
          ...(w.traceId ? { traceId: w.traceId } : {}),
        });
        this.startTimeout.answered(performance.now() - sent);
      } finally {
        const n = (this.startsInFlight.get(drafterId) ?? 1) - 1;
        if (n > 0) this.startsInFlight.set(drafterId, n);
        else this.startsInFlight.delete(drafterId);
        // A host below its cap again takes waiting requests.
        if (this.queue.length > 0) setImmediate(() => this.pump());
      }
      this.stats.admitted++;
      if (host.kind === 'target-only') this.stats.targetOnly++;
      if (host.kind === 'fused') this.stats.fused++;
      if (submit.resume) this.stats.resumed++;
      if (host.kind === 'target-only') {
        this.actor.logger.warn(
          { requestId: submit.requestId, verifierId: drafterId, traceId: w.traceId },
          'no drafter alive: serving target-only on a verifier',
        );
      }
      const reply: Reply = {
        kind: 'submit.ok',
        body: { requestId: submit.requestId, sessionId, drafterId, pool, tokenSubject },
      };
      this.remember(requestKey(submit), reply);
      w.resolve(reply);
    } catch (err) {
      const e = asSpecmeshError(err);
      if (e.code === ErrorCode.Overloaded) {
        // The drafter is full although its last heartbeat said otherwise (sessions started since
        // were not in it yet). Not a failure of the request: it waits at the head of the queue,
        // and the drafter counts as full until its next heartbeat.
        this.markFull(drafterId);
        this.queue.unshift(w);
        this.waitingByKey.set(requestKey(submit), w);
        return;
      }
      tried.add(drafterId);
      this.actor.logger.warn(
        { drafterId, code: e.code, requestId: submit.requestId, traceId: w.traceId },
        'session start failed',
      );
      const next =
        tried.size - (submit.avoid?.length ?? 0) < this.config.maxStartAttempts
          ? this.pickHost(submit, tried)
          : undefined;
      if (next) {
        this.reserve(next.id);
        await this.startSession(w, next, tried);
      } else {
        w.reject(e);
      }
    }
  }

  /** The reply of a request started lately, if its host is alive and not to be avoided. */
  private startedLately(key: string, submit: Submit): Reply | undefined {
    const r = this.recent.get(key);
    if (!r) return undefined;
    if (Date.now() - r.at > RECENT_START_MS) {
      this.recent.delete(key);
      return undefined;
    }
    const host = (r.reply.body as BodyOf<'submit.ok'>).drafterId;
    if (submit.avoid?.includes(host) || !this.view.get(host)) return undefined;
    return r.reply;
  }

  private remember(key: string, reply: Reply) {
    const now = Date.now();
    this.recent.delete(key);
    this.recent.set(key, { reply, at: now });
    for (const [k, r] of this.recent) {
      if (this.recent.size <= RECENT_START_LIMIT && now - r.at <= RECENT_START_MS) break;
      this.recent.delete(k);
    }
  }

  private noPoolError(submit: Submit): NoCapacityError {
    return new NoCapacityError(
      submit.pool
        ? `target pool ${submit.pool} has no live verifier with a batcher or taking direct tasks`
        : 'no target pool has a live verifier with a batcher or taking direct tasks',
      { context: { requestId: submit.requestId } },
    );
  }

  private expireWaiting() {
    const now = Date.now();
    const keep: Waiting[] = [];
    for (const w of this.queue) {
      const admissionOver = now - w.enqueuedAt > this.config.admissionTimeoutMs;
      const deadlineOver = w.submit.deadlineAt !== undefined && now > w.submit.deadlineAt;
      if (now - w.enqueuedAt > this.config.noCapacityTimeoutMs && !this.choosePool(w.submit)) {
        this.stats.rejectedNoCapacity++;
        w.reject(this.noPoolError(w.submit));
      } else if (admissionOver || deadlineOver) {
        this.stats.rejectedDeadline++;
        w.reject(
          new DeadlineError(
            `request ${w.submit.requestId} waited ${now - w.enqueuedAt} ms without a free drafter`,
            {
              context: { requestId: w.submit.requestId },
            },
          ),
        );
      } else {
        keep.push(w);
        continue;
      }
      this.waitingByKey.delete(requestKey(w.submit));
    }
    this.queue = keep;
  }

  async drain(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    this.view.stop();
    await this.actor.drain();
  }

  async stop(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    this.view.stop();
    await this.actor.stop();
  }
}
