/**
 * The batcher role: collects verify tasks of one target pool from many sessions, forms batches by time
 * window and job count, sends each batch to a verifier (join-shortest-queue, session stickiness),
 * re-dispatches the tasks of a batch whose verifier died or timed out, and publishes each result on
 * its session's result subject.
 *
 * Several batchers of one pool share the `verify.<pool>` subject as a queue group, so a batcher dying
 * costs only the tasks it held; drafters retry those by deadline.
 */
import {
  asSpecmeshError,
  type BodyOf,
  DeadlineError,
  hostOfSubject,
  NoCapacityError,
  OverloadedError,
  type SpecmeshError,
  toWireError,
} from '@specmesh/protocol';
import { Actor, MembershipView } from '@specmesh/runtime';
import { sessionKey } from '../placement/session-key.js';
import {
  capacityOf,
  runsAtOnce,
  taskPositions,
  type VerifierCapacity,
} from '../placement/target-capacity.js';
import { type BatcherConfig, type BatcherOptions, resolveBatcherOptions } from './batcher-options.js';
import { pickParallelVerifier, pickVerifier, type VerifierCandidate } from './pick-verifier.js';
import { ReturnedSinceReport } from './returned-since-report.js';
import { isStalled } from './stalled-verifier.js';
import { StickyVerifiers } from './sticky-verifiers.js';

type Task = BodyOf<'verify.task'>;

const NO_SESSIONS: ReadonlySet<string> = new Set();
/** A verifier the task's own session says runs one of its tasks (`verify.task.directOn`). */
const BUSY_WITH_EVERY_SESSION = { has: () => true };

interface Pending {
  task: Task;
  /** Verifiers that already failed this task. */
  excluded: Set<string>;
  queuedAt: number;
  /** Positions the task makes the verifier it was sent to evaluate (set when assigned). */
  positions?: number;
}

interface Outstanding {
  tasks: number;
  /** Positions of those tasks (what they make the verifier evaluate). */
  positions: number;
  sessions: Map<string, number>;
}

/** Counters a test or the status command can read. */
export interface BatcherStats {
  batches: number;
  tasks: number;
  retried: number;
  failed: number;
  preempted: number;
  /** Parallel tasks declined for want of a verifier that runs them at once. */
  declined: number;
  /** Tasks refused because their `host` is not the instance their subject names. */
  forged: number;
}

export class Batcher {
  readonly actor: Actor;
  readonly config: BatcherConfig;
  readonly pool: string;
  readonly stats: BatcherStats = {
    batches: 0,
    tasks: 0,
    retried: 0,
    failed: 0,
    preempted: 0,
    declined: 0,
    forged: 0,
  };
  private readonly view: MembershipView;
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private readonly outstanding = new Map<string, Outstanding>();
  private readonly sticky = new StickyVerifiers();
  /** Senders whose tasks named another host, already logged once. */
  private readonly forgers = new Set<string>();
  /** Send time of each batch awaited, per verifier (a stopped verifier's batches age). */
  private readonly batchesOut = new Map<string, Map<string, number>>();
  /** Tasks back from each verifier that its latest heartbeat still counts. */
  private readonly returns = new ReturnedSinceReport();
  private batchSeq = 0;
  private rotation = 0;

  private constructor(actor: Actor, config: BatcherConfig, pool: string) {
    this.actor = actor;
    this.config = config;
    this.pool = pool;
    this.view = new MembershipView({ role: 'verifier' });
  }

  static async start(options: BatcherOptions): Promise<Batcher> {
    const config = resolveBatcherOptions(options);
    let batcher: Batcher | undefined;
    const actor = await Actor.start({
      ...options,
      role: 'batcher',
      pool: options.pool,
      load: () => ({
        inflight: batcher ? [...batcher.outstanding.values()].reduce((s, o) => s + o.tasks, 0) : 0,
        queued: batcher?.pending.length ?? 0,
        capacity: config.maxPending,
      }),
    });
    batcher = new Batcher(actor, config, options.pool);
    batcher.listen();
    await actor.flush();
    return batcher;
  }

  private listen() {
    const { actor } = this;
    this.view.start(actor, 50);
    // A verifier joining may unblock tasks that wait for capacity.
    this.view.on((e) => {
      if (e.type !== 'leave' && this.pending.length > 0) this.schedule(0);
    });
    actor.handle(
      actor.subjects.verifyPool(this.pool),
      'verify.task',
      (msg, ctx) => this.enqueue(msg.body, hostOfSubject(actor.subjects, ctx.subject)),
      { queue: `batcher-${this.pool}` },
    );
    actor.handle(actor.subjects.preemptAll(), 'preempt', (msg, ctx) =>
      this.preempt(hostOfSubject(actor.subjects, ctx.subject), msg.body),
    );
  }

  /** Takes a task sent on `verify.<pool>.<sender>`: only the host of a session may ask to verify it. */
  private enqueue(task: Task, sender: string): undefined {
    if (task.host !== sender) {
      // Nothing goes back: the result subject would be the claimed host's, not the sender's.
      // Logged at the first of each sender's, as the runtime logs bad messages; the rest are counted.
      this.stats.forged++;
      if (!this.forgers.has(sender) && this.forgers.size < 1024) {
        this.forgers.add(sender);
        this.actor.logger.warn(
          { sender, host: task.host, sessionId: task.sessionId, forged: this.stats.forged },
          'verify task refused: its host is not the instance that sent it (further ones from it are only counted)',
        );
      }
      return undefined;
    }
    if (this.pending.length >= this.config.maxPending) {
      this.fail(task, new OverloadedError(`batcher ${this.actor.id} holds ${this.pending.length} tasks`));
      return undefined;
    }
    this.pending.push({ task, excluded: new Set(), queuedAt: Date.now() });
    if (this.pending.length >= this.config.maxJobs) this.flush();
    else this.schedule(this.config.windowMs);
    return undefined;
  }

  private schedule(delayMs: number) {
    if (this.timer || this.immediate) return;
    if (delayMs < 1) {
      // Node timers cannot wait less than 1 ms; a sub-millisecond window means "what has arrived by
      // the next turn of the event loop", which is what setImmediate gives.
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.flush();
      });
      return;
    }
    this.timer = setTimeout(() => this.flush(), delayMs);
  }

  private preempt(host: string, p: BodyOf<'preempt'>): undefined {
    const ids = new Set(p.taskIds);
    const before = this.pending.length;
    this.pending = this.pending.filter(
      (e) =>
        e.task.sessionId !== p.sessionId ||
        e.task.host !== host ||
        !(
          p.ended === true ||
          ids.has(e.task.taskId) ||
          (p.belowEpoch !== undefined && e.task.epoch < p.belowEpoch)
        ),
    );
    this.stats.preempted += before - this.pending.length;
    // An ended session sends nothing more: where it ran last no longer matters.
    if (p.ended) this.sticky.forget(sessionKey({ host, sessionId: p.sessionId }));
    return undefined;
  }

  /** Age of the oldest batch awaited at `verifierId`, ms; undefined when none is. */
  private oldestOutMs(verifierId: string, now: number): number | undefined {
    const out = this.batchesOut.get(verifierId);
    if (!out || out.size === 0) return undefined;
    // Insertion order: the first is the oldest.
    return now - out.values().next().value!;
  }

  /**
   * The pool's live verifiers with their loads. One that looks stalled (see stalled-verifier.ts) is
   * left out while another is there.
   */
  private candidates(): { id: string; load: number; capacity: number; cap: VerifierCapacity }[] {
    const all = this.liveVerifiers();
    const now = Date.now();
    const fresh = all.filter((c) => !isStalled(this.oldestOutMs(c.id, now), c.cap.stepMs));
    return fresh.length > 0 ? fresh : all;
  }

  private liveVerifiers(): { id: string; load: number; capacity: number; cap: VerifierCapacity }[] {
    return this.view.alive({ role: 'verifier', pool: this.pool }).map((m) => {
      const hb = m.heartbeat.load;
      const local = this.outstanding.get(m.id);
      const reported = capacityOf(m);
      // What came back since the heartbeat no longer runs there; what this batcher has sent there and
      // not heard back about counts even before a heartbeat shows it.
      const back = this.returns.since(m.id, m.heartbeat);
      const inflight = Math.max(0, reported.inflight - back.tasks);
      return {
        id: m.id,
        load: Math.max(local?.tasks ?? 0, inflight + hb.queued),
        capacity: Math.max(1, hb.capacity),
        cap: {
          ...reported,
          inflight: Math.max(inflight, local?.tasks ?? 0),
          positions: Math.max(Math.max(0, reported.positions - back.positions), local?.positions ?? 0),
        },
      };
    });
  }

  /** Assigns every waiting task to a verifier and sends the batches. */
  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    if (this.pending.length === 0 || this.actor.status === 'closed') return;
    const now = Date.now();
    const base = this.candidates();
    if (base.length === 0) {
      const waiting: Pending[] = [];
      for (const e of this.pending) {
        if (now - e.queuedAt > this.config.noVerifierTimeoutMs) {
          this.fail(
            e.task,
            new NoCapacityError(`no verifier of pool ${this.pool} is alive`, {
              context: { pool: this.pool },
            }),
          );
        } else {
          waiting.push(e);
        }
      }
      this.pending = waiting;
      if (waiting.length > 0) this.schedule(50);
      return;
    }
    // Loads as seen by this flush, updated as tasks are assigned.
    const extra = new Map<string, number>();
    const extraPositions = new Map<string, number>();
    const groups = new Map<string, Pending[]>();
    for (const e of this.pending) {
      if (e.task.deadlineAt !== undefined && e.task.deadlineAt < now) {
        this.fail(e.task, new DeadlineError(`task ${e.task.taskId} passed its deadline at the batcher`));
        continue;
      }
      // Session state is kept per host (see sessionKey): the pickers compare sessions by that key.
      const session = { sessionId: sessionKey(e.task) };
      const sticky = this.sticky.get(session.sessionId);
      // Verifiers running the session's direct tasks (protocol 2.1): busy with it, unseen from here.
      const directOn = e.task.directOn;
      const cands = base
        .filter((c) => !e.excluded.has(c.id))
        .map((c) => ({
          id: c.id,
          load: (c.load + (extra.get(c.id) ?? 0)) / c.capacity,
          busyWith: directOn?.includes(c.id)
            ? BUSY_WITH_EVERY_SESSION
            : (this.outstanding.get(c.id)?.sessions ?? NO_SESSIONS),
          runsAtOnce: runsAtOnce(
            c.cap,
            taskPositions(e.task, c.id === sticky),
            { positions: extraPositions.get(c.id) ?? 0, tasks: extra.get(c.id) ?? 0 },
            c.id === sticky,
          ),
        }));
      const id = e.task.parallel
        ? pickParallelVerifier(session, cands, this.rotation++)
        : pickVerifier(
            session,
            cands as VerifierCandidate[],
            sticky,
            this.config.stickySlack,
            this.rotation++,
          );
      if (!id && e.task.parallel) {
        // Declined, not queued: the session runs with the SP degree the pool has room for.
        this.stats.declined++;
        this.fail(
          e.task,
          new NoCapacityError(
            `no verifier of pool ${this.pool} runs parallel task ${e.task.taskId} at once`,
            {
              context: { pool: this.pool, declined: true },
            },
          ),
        );
        continue;
      }
      if (!id) {
        this.fail(
          e.task,
          new NoCapacityError(`every verifier of pool ${this.pool} failed task ${e.task.taskId}`),
        );
        continue;
      }
      e.positions = taskPositions(e.task, id === sticky);
      extra.set(id, (extra.get(id) ?? 0) + 1);
      extraPositions.set(id, (extraPositions.get(id) ?? 0) + e.positions);
      this.track(id, session.sessionId, +1, e.positions);
      const g = groups.get(id) ?? [];
      g.push(e);
      groups.set(id, g);
    }
    this.pending = [];
    for (const [id, entries] of groups) {
      for (let i = 0; i < entries.length; i += this.config.maxJobs) {
        void this.send(id, entries.slice(i, i + this.config.maxJobs));
      }
    }
  }

  private track(verifierId: string, sessionId: string, delta: 1 | -1, positions: number) {
    const o = this.outstanding.get(verifierId) ?? {
      tasks: 0,
      positions: 0,
      sessions: new Map<string, number>(),
    };
    o.tasks += delta;
    o.positions += delta * positions;
    const n = (o.sessions.get(sessionId) ?? 0) + delta;
    if (n > 0) o.sessions.set(sessionId, n);
    else o.sessions.delete(sessionId);
    if (o.tasks > 0) this.outstanding.set(verifierId, o);
    else this.outstanding.delete(verifierId);
  }

  private async send(verifierId: string, entries: Pending[]): Promise<void> {
    const batchId = `${this.actor.id}:b${++this.batchSeq}`;
    const reportAtSend = this.view.get(verifierId)?.heartbeat;
    const out = this.batchesOut.get(verifierId) ?? new Map<string, number>();
    out.set(batchId, Date.now());
    this.batchesOut.set(verifierId, out);
    this.stats.batches++;
    this.stats.tasks += entries.length;
    const byId = new Map(entries.map((e) => [e.task.taskId, e]));
    try {
      const reply = await this.actor.request(
        this.actor.subjects.batch(verifierId),
        'batch',
        { batchId, pool: this.pool, tasks: entries.map((e) => e.task) },
        { expect: 'batch.result', timeoutMs: this.config.batchTimeoutMs },
      );
      // Stopped while the batch ran: nobody to publish for any more.
      if (this.actor.status === 'closed') return;
      for (const r of reply.body.results) {
        const e = byId.get(r.taskId);
        if (!e) continue;
        this.sticky.set(sessionKey(e.task), verifierId);
        if (!reply.body.published) {
          const traceId = e.task.traceId;
          this.actor.publish(
            this.actor.subjects.result(e.task.host, e.task.sessionId),
            'verify.result',
            r,
            traceId ? { traceId } : {},
          );
        }
      }
      for (const f of reply.body.failures) {
        const e = byId.get(f.taskId);
        if (e) this.publishFailure(e.task, f.error);
      }
    } catch (err) {
      if (this.actor.status !== 'closed') this.retry(verifierId, entries, asSpecmeshError(err));
    } finally {
      let positions = 0;
      for (const e of entries) {
        this.track(verifierId, sessionKey(e.task), -1, e.positions ?? 0);
        positions += e.positions ?? 0;
      }
      this.returns.returned(
        verifierId,
        reportAtSend,
        this.view.get(verifierId)?.heartbeat,
        entries.length,
        positions,
      );
      out.delete(batchId);
      if (out.size === 0 && this.batchesOut.get(verifierId) === out) this.batchesOut.delete(verifierId);
    }
  }

  /** A batch failed as a whole (verifier dead, slow or refusing): try its tasks elsewhere. */
  private retry(verifierId: string, entries: Pending[], err: SpecmeshError) {
    this.actor.logger.warn(
      { verifierId, tasks: entries.length, code: err.code },
      'batch failed; re-dispatching',
    );
    this.sticky.forgetVerifier(verifierId);
    for (const e of entries) {
      const attempt = e.task.attempt + 1;
      if (!err.retryable || attempt > this.config.maxAttempts) {
        this.fail(e.task, err);
        continue;
      }
      this.stats.retried++;
      e.excluded.add(verifierId);
      this.pending.push({ ...e, task: { ...e.task, attempt } });
    }
    if (this.pending.length > 0) this.schedule(0);
  }

  private fail(task: Task, err: SpecmeshError) {
    this.stats.failed++;
    this.publishFailure(task, toWireError(err));
  }

  private publishFailure(task: Task, error: BodyOf<'error'>) {
    this.actor.publish(
      this.actor.subjects.result(task.host, task.sessionId),
      'error',
      { ...error, context: { ...error.context, taskId: task.taskId, sessionId: task.sessionId } },
      task.traceId ? { traceId: task.traceId } : {},
    );
  }

  /** Sends what is queued, stops taking tasks, waits for batches in flight, closes. */
  async drain(): Promise<void> {
    this.flush();
    this.view.stop();
    await this.actor.drain();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.view.stop();
    await this.actor.stop();
  }
}
