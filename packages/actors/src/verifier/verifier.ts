/**
 * The verifier role: holds a target model, answers `batch` requests from batchers with one result per
 * task, and stops work that a `preempt` made stale. Tasks of different sessions run concurrently; tasks
 * of one session run in order (they share the session's cache).
 *
 * Context: a task carries `basePos` (tokens this verifier already holds for the session) and `context`
 * (the tokens it lacks before the drafts). A verifier that holds fewer than `basePos` tokens answers
 * that task with `E_UNKNOWN_SESSION`, and the drafter resends the full prefix.
 *
 * Hosting sessions: a verifier that also holds a draft model runs fused sessions (DSD's fused mode:
 * it drafts next to the target, so a round never crosses the edge link; its drafting takes the same
 * compute slots as verification). Without one it hosts target-only sessions while no drafter can
 * serve (degraded service). Either kind is verified here, in-process (no batcher, no message per
 * round), and hands back when its placement rules or its adaptive window controller say it should
 * run at the edge again. Greedy output is the target's either way.
 */
import { performance } from 'node:perf_hooks';
import type { AwcWeights } from '@specmesh/core';
import { BATCHING_CONCURRENCY, type LanguageModel } from '@specmesh/models';
import {
  asSpecmeshError,
  type BodyOf,
  CancelledError,
  hostOfSubject,
  MAX_PIECE_LENGTH,
  NoCapacityError,
  prefixHash,
  toWireError,
  UnknownSessionError,
} from '@specmesh/protocol';
import { Actor, type ActorOptions, MembershipView } from '@specmesh/runtime';
import { DIRECT_META_KEY, DIRECT_PARALLEL_META_KEY } from '../placement/direct-target.js';
import {
  bestEdgeDraftMsPerToken,
  bestEdgeRttMs,
  poolLoad,
  queueFigures,
  verifierSessionMove,
} from '../placement/placement.js';
import { sessionKey, taskKey } from '../placement/session-key.js';
import { poolView, runsAtOnce, taskPositions, type VerifierCapacity } from '../placement/target-capacity.js';
import type { LocalVerdict } from '../session/session.js';
import { SessionHost } from '../session/session-host.js';
import { CapacityReport } from './capacity-report.js';
import { ResultSigner } from './result-signer.js';
import { SessionText } from './session-text.js';
import { slotBoundModel } from './slot-bound-model.js';
import { runVerifyTask } from './verify-task.js';

type Task = BodyOf<'verify.task'>;

export interface VerifierOptions extends Omit<ActorOptions, 'role' | 'pool'> {
  pool: string;
  /** The target model. */
  model: LanguageModel;
  /**
   * Tasks evaluated at once (across sessions). Defaults to 256 for a batching target (its model has a
   * `batchCost`: concurrent tasks join its passes, so they must reach it), else 8.
   */
  concurrency?: number;
  /** Sessions idle longer than this are released, ms. Defaults to 300000. */
  sessionIdleMs?: number;
  /**
   * Target-only sessions this verifier hosts while no drafter can serve; 0 turns degraded service
   * off. Defaults to 16.
   */
  hostSessions?: number;
  /** How long a hosted session waits for a verification before re-issuing it, ms. Defaults to 10000. */
  verifyTimeoutMs?: number;
  /** A draft model: hosted sessions then run fused (speculative, drafted here) instead of target-only. */
  draftModel?: LanguageModel;
  /**
   * WC-DNN weights for requests that ask for the `awc` window policy (loaded from a file by the CLI's
   * `--awc-weights`). Defaults to the weights shipped with @specmesh/core.
   */
  awcWeights?: AwcWeights;
  /**
   * Signs the tokens each result decides, with the key its heartbeats publish, so clients can tell
   * verified output from a drafter's. Defaults to a key generated at start; `false` signs nothing (a
   * cluster whose clients do not check).
   */
  signer?: ResultSigner | false;
}

export interface VerifierStats {
  batches: number;
  tasks: number;
  /** Tasks taken straight from a session's host (`direct.<verifier>.<host>`), not in a batch (declined ones aside). */
  direct: number;
  /** Direct DSI parallel tasks declined: they would not have run at once. */
  declined: number;
  /** Direct tasks refused because their `host` is not the instance their subject names. */
  forged: number;
  /** Tasks dropped before they ran because a preempt made them stale. */
  preempted: number;
  /** Tasks stopped while running because a preempt made them stale. */
  aborted: number;
  failed: number;
}

interface SessionState {
  /** Tokens the verifier holds for the session (what the model's cache was last given). */
  tokens: Uint32Array;
  lastUsed: number;
  /** Tail of the session's task chain: tasks of one session run in order. */
  chain: Promise<unknown>;
  /** Tasks of the session in its chain now (waiting or running). */
  pending: number;
  belowEpoch: number;
  /** The session's output text as its session makes it, for signed statements (when tasks say where it starts). */
  text?: SessionText;
}

/** Most text (UTF-16 code units) one signed result carries in its pieces; a result stays well within 16 KiB. */
const MAX_SIGNED_TEXT = 1024;

/** A result as the batch reply books it: its session already has the bulky parts (log-probabilities, statement). */
function withoutLogprobs(r: BodyOf<'verify.result'>): BodyOf<'verify.result'> {
  const { logprobs: _l, topTokens: _t, topLogprobs: _p, signature: _s, pieces: _pc, ...rest } = r;
  return rest;
}

export class Verifier {
  readonly actor: Actor;
  readonly stats: VerifierStats = {
    batches: 0,
    tasks: 0,
    direct: 0,
    declined: 0,
    forged: 0,
    preempted: 0,
    aborted: 0,
    failed: 0,
  };
  private readonly model: LanguageModel;
  private readonly concurrency: number;
  private readonly sessions = new Map<string, SessionState>();
  private readonly running = new Map<string, AbortController>();
  private readonly preempted = new Set<string>();
  private active = 0;
  /** Draft tokens of the tasks waiting for a slot: drafters' window policies read it (`pendingVerifyTokens`). */
  private queuedDrafts = 0;
  private readonly waiters: Array<() => void> = [];
  private sweep: NodeJS.Timeout | undefined;
  /** Drafters and verifiers alive: hosted sessions hand back by their load. */
  private readonly peers = new MembershipView();
  private host: SessionHost | undefined;
  private readonly capacity: CapacityReport;
  private readonly signer: ResultSigner | undefined;

  private constructor(
    actor: Actor,
    options: VerifierOptions,
    concurrency: number,
    capacity: CapacityReport,
    signer: ResultSigner | undefined,
  ) {
    this.actor = actor;
    this.model = options.model;
    this.concurrency = concurrency;
    this.capacity = capacity;
    this.signer = signer;
  }

  static async start(options: VerifierOptions): Promise<Verifier> {
    let v: Verifier | undefined;
    const capacity = new CapacityReport(options.model.batchCost);
    // A batching target's tasks must reach its model to join its passes: many at once.
    const concurrency = options.concurrency ?? (options.model.batchCost ? BATCHING_CONCURRENCY : 8);
    const signer = options.signer === false ? undefined : (options.signer ?? ResultSigner.generate());
    const actor = await Actor.start({
      ...options,
      role: 'verifier',
      pool: options.pool,
      ...(signer ? { signingKey: signer.publicKey } : {}),
      load: () => ({
        inflight: v?.active ?? 0,
        queued: v?.waiters.length ?? 0,
        capacity: concurrency,
      }),
      meta: () => ({
        model: options.model.info.name,
        hostFree: v?.host?.free ?? 0,
        queuedDrafts: v?.queuedDrafts ?? 0,
        fused: options.draftModel ? 1 : 0,
        // Sessions may send their sequential tasks here directly (protocol 2.1), and their parallel
        // ones, which run only if they start at once (2.2).
        [DIRECT_META_KEY]: 1,
        [DIRECT_PARALLEL_META_KEY]: 1,
        ...capacity.meta(performance.now()),
      }),
    });
    v = new Verifier(actor, options, concurrency, capacity, signer);
    actor.handle(actor.subjects.batch(actor.id), 'batch', (msg) => v.runBatch(msg.body));
    actor.handle(actor.subjects.directOf(actor.id), 'verify.task', (msg, ctx) =>
      v.runDirect(msg.body, hostOfSubject(actor.subjects, ctx.subject)),
    );
    actor.handle(actor.subjects.preemptAll(), 'preempt', (msg, ctx) =>
      v.preempt(hostOfSubject(actor.subjects, ctx.subject), msg.body),
    );
    const hostSessions = options.hostSessions ?? 16;
    if (hostSessions > 0) {
      const peers = v.peers;
      peers.start(actor, 100);
      const slots = { acquire: () => v.acquire(), release: () => v.release() };
      v.host = new SessionHost({
        actor,
        model: options.draftModel ? slotBoundModel(options.draftModel, slots) : options.model,
        capacity: hostSessions,
        verifyTimeoutMs: options.verifyTimeoutMs ?? 10_000,
        ...(options.awcWeights ? { awcWeights: options.awcWeights } : {}),
        maxTasks: (pool) => peers.alive({ role: 'verifier', pool }).length,
        targetOnly: !options.draftModel,
        // Sessions hosted here verify on this target, in-process (DSD's fused mode: no network per round).
        verifyHere: (task) => v.verifyHere(task),
        shouldHandOver: (start, awcWish) => {
          const drafters = peers.alive({ role: 'drafter' });
          return verifierSessionMove(start, awcWish, {
            poolLoad: poolLoad(peers.alive({ role: 'verifier', pool: start.pool })),
            drafterFree: drafters.some((d) => d.heartbeat.load.inflight < d.heartbeat.load.capacity),
            drafterAlive: drafters.length > 0,
          });
        },
        surroundings: {
          queue: (pool, verifierId) => queueFigures(peers.alive({ role: 'verifier', pool }), verifierId),
          edgeRttMs: () => bestEdgeRttMs(peers.alive({ role: 'drafter' })),
          edgeDraftMsPerToken: () => bestEdgeDraftMsPerToken(peers.alive({ role: 'drafter' })),
          // Hosted sessions verify here, so this verifier is their target and nothing runs in parallel.
          pool: (pool, _verifierId, positions, stepMs) => ({
            ...poolView(
              peers.alive({ role: 'verifier', pool }).filter((m) => m.id === actor.id),
              actor.id,
              positions,
              stepMs,
            ),
            freeTargets: 1,
            planTargets: 1,
          }),
          local: true,
        },
      });
    }
    const idleMs = options.sessionIdleMs ?? 300_000;
    v.sweep = setInterval(() => v.releaseIdle(idleMs), Math.min(idleMs, 30_000));
    v.sweep.unref();
    await actor.flush();
    return v;
  }

  private async runBatch(batch: BodyOf<'batch'>) {
    this.stats.batches++;
    const received = performance.now();
    const outcomes = await Promise.all(batch.tasks.map((t) => this.runInSession(t, received)));
    const results: BodyOf<'verify.result'>[] = [];
    const failures: BodyOf<'batch.result'>['failures'] = [];
    for (const o of outcomes) {
      // The result went to its session already; the batcher only books it, so the reply leaves out
      // its log-probabilities (the bulk of a result that carries them).
      if (o.kind === 'result') results.push(withoutLogprobs(o.result));
      else if (o.kind === 'failure') failures.push({ taskId: o.taskId, error: toWireError(o.error) });
      // Preempted tasks get neither: nobody waits for them.
    }
    return {
      kind: 'batch.result' as const,
      body: { batchId: batch.batchId, results, failures, published: true },
    };
  }

  /**
   * A task sent straight from its session's host on `direct.<verifier>.<sender>`: run like a batch's
   * task, its result published on the session's result subject as always; a failure is published there
   * too (nobody waits for a reply). Only the host of a session may send its tasks: one whose `host` is
   * not the sender is refused and counted, as the batcher does.
   */
  private async runDirect(task: Task, sender: string): Promise<undefined> {
    if (task.host !== sender) {
      this.stats.forged++;
      if (this.stats.forged === 1) {
        this.actor.logger.warn(
          { sender, host: task.host, sessionId: task.sessionId },
          'direct task refused: its host is not the instance that sent it (further ones are only counted)',
        );
      }
      return undefined;
    }
    const declined = task.parallel ? this.declineParallel(task) : undefined;
    if (!declined) this.stats.direct++;
    const o = declined ?? (await this.runInSession(task, performance.now()));
    if (o.kind === 'failure' && this.actor.status !== 'closed') {
      const error = toWireError(o.error);
      this.actor.publish(
        this.actor.subjects.result(task.host, task.sessionId),
        'error',
        { ...error, context: { ...error.context, taskId: task.taskId, sessionId: task.sessionId } },
        task.traceId ? { traceId: task.traceId } : {},
      );
    }
    return undefined;
  }

  /**
   * A DSI parallel task sent here directly runs only if it starts at once (placement's `runsAtOnce`
   * on this moment's figures, which no heartbeat or batcher view matches): nothing waits for a slot,
   * no task of its session is here already (its tasks run in order), and it fits below a batching
   * target's knee or finds the target idle with no other session coming back. Otherwise it is
   * declined at once, as a batcher declines one, and its session runs with the SP degree there is
   * room for: never queued behind other sessions' work.
   */
  private declineParallel(task: Task): { kind: 'failure'; taskId: string; error: unknown } | undefined {
    const key = sessionKey(task);
    const s = this.sessions.get(key);
    const holds = s !== undefined && this.lacksBase(task, s) === undefined;
    const here = this.capacity.now(key, performance.now());
    const capacity: VerifierCapacity = {
      id: this.actor.id,
      ...here,
      stepMs: undefined,
      inflight: this.active,
      queued: this.waiters.length,
      slots: this.concurrency,
    };
    if ((s?.pending ?? 0) === 0 && runsAtOnce(capacity, taskPositions(task, holds))) return undefined;
    this.stats.declined++;
    return {
      kind: 'failure',
      taskId: task.taskId,
      error: new NoCapacityError(
        `verifier ${this.actor.id} does not run parallel task ${task.taskId} at once`,
        {
          context: { declined: true },
        },
      ),
    };
  }

  /**
   * Verifies a task of a session this verifier hosts, in-process: the fused path, with no batcher and
   * no messages per round. The verdict is returned, not published.
   */
  private async verifyHere(task: Task): Promise<LocalVerdict> {
    const o = await this.runInSession(task, performance.now(), false);
    if (o.kind !== 'failure') return o;
    return { kind: 'failure', error: { ...toWireError(o.error), context: { taskId: o.taskId } } };
  }

  private runInSession(task: Task, received: number, publish = true) {
    const key = sessionKey(task);
    const s = this.sessions.get(key) ?? {
      tokens: new Uint32Array(0),
      lastUsed: Date.now(),
      chain: Promise.resolve(),
      pending: 0,
      belowEpoch: 0,
    };
    this.sessions.set(key, s);
    s.pending++;
    const run = s.chain.then(() => this.runOne(task, s, received, publish));
    s.chain = run.catch(() => undefined);
    return run.finally(() => s.pending--);
  }

  private async runOne(
    task: Task,
    s: SessionState,
    received: number,
    publish: boolean,
  ): Promise<
    | { kind: 'result'; result: BodyOf<'verify.result'> }
    | { kind: 'failure'; taskId: string; error: unknown }
    | { kind: 'preempted' }
  > {
    if (this.isStale(task, s)) {
      this.stats.preempted++;
      return { kind: 'preempted' };
    }
    const lacking = this.lacksBase(task, s);
    if (lacking) {
      this.stats.failed++;
      return {
        kind: 'failure',
        taskId: task.taskId,
        error: new UnknownSessionError(
          `verifier ${this.actor.id} ${lacking} of session ${task.sessionId} (task builds on ${task.basePos})`,
          { context: { sessionId: task.sessionId, held: s.tokens.length, basePos: task.basePos } },
        ),
      };
    }
    this.queuedDrafts += task.drafts.length;
    await this.acquire();
    this.queuedDrafts -= task.drafts.length;
    // A preempt that arrived while the task waited for a slot found nothing to abort (it was not
    // running yet): check again, or the stale task would take the slot for its whole step.
    if (this.isStale(task, s)) {
      this.release();
      this.stats.preempted++;
      return { kind: 'preempted' };
    }
    const started = performance.now();
    const abort = new AbortController();
    this.running.set(taskKey(task.host, task.taskId), abort);
    // The task runs on its session's tokens here (a base it lacks was refused above).
    const positions = taskPositions(task, true);
    const key = sessionKey(task);
    this.capacity.entered(key, positions, started);
    let modelMs: number | undefined;
    try {
      const context = new Uint32Array(task.basePos + task.context.length);
      context.set(s.tokens.subarray(0, task.basePos));
      context.set(task.context, task.basePos);
      const r = await runVerifyTask(this.model, task, context, abort.signal);
      modelMs = performance.now() - started;
      s.tokens = context;
      s.lastUsed = Date.now();
      this.stats.tasks++;
      const result: BodyOf<'verify.result'> = {
        taskId: task.taskId,
        sessionId: task.sessionId,
        epoch: task.epoch,
        accepted: r.accepted,
        token: r.token,
        bonus: r.bonus,
        verifierId: this.actor.id,
        queueMs: started - received,
        computeMs: performance.now() - started,
        // Who else the session's next round meets here, as of now (fresher than any heartbeat).
        otherSessions: this.capacity.now(key, performance.now()).sessions,
        ...(r.logprobs
          ? {
              logprobs: r.logprobs.logprobs,
              topTokens: r.logprobs.topTokens,
              topLogprobs: r.logprobs.topLogprobs,
            }
          : {}),
      };
      // One signature per result: the decided tokens and their text at their session positions (the
      // verified statement). A session that does not say where its text starts (older) gets none.
      if (this.signer && task.textFrom !== undefined) {
        const decided = [...task.drafts.subarray(0, r.accepted), r.token];
        s.text ??= new SessionText((t) => this.model.detokenize(t));
        const pieces = s.text.piecesOf(context, task.textFrom, decided);
        // Text that would push the result past its size limit goes unsigned (the client then refuses it)
        // rather than lose the result: no real tokenizer's pieces come near.
        const text = pieces.reduce((n, p) => n + p.length, 0);
        if (pieces.every((p) => p.length <= MAX_PIECE_LENGTH) && text <= MAX_SIGNED_TEXT) {
          result.signature = await this.signer.signAsync(
            this.actor.id,
            task.sessionId,
            context.length,
            decided,
            pieces,
          );
          result.pieces = pieces;
        }
      }
      // Straight to the drafter, now: it need not wait for the batch reply and the batcher's relay.
      if (publish)
        this.actor.publish(
          this.actor.subjects.result(task.host, task.sessionId),
          'verify.result',
          result,
          task.traceId ? { traceId: task.traceId } : {},
        );
      return { kind: 'result', result };
    } catch (err) {
      if (err instanceof CancelledError || this.isStale(task, s)) {
        this.stats.aborted++;
        return { kind: 'preempted' };
      }
      this.stats.failed++;
      return { kind: 'failure', taskId: task.taskId, error: asSpecmeshError(err) };
    } finally {
      this.capacity.left(key, positions, modelMs, performance.now());
      this.running.delete(taskKey(task.host, task.taskId));
      this.release();
    }
  }

  /** Why the session's held tokens cannot serve as the task's base, or undefined when they can. */
  private lacksBase(task: Task, s: SessionState): string | undefined {
    if (task.basePos > s.tokens.length) return `holds only ${s.tokens.length} tokens`;
    if (task.baseHash !== undefined && prefixHash(s.tokens, task.basePos) !== task.baseHash) {
      return 'holds other tokens (another branch)';
    }
    return undefined;
  }

  private isStale(task: Task, s: SessionState): boolean {
    return this.preempted.has(taskKey(task.host, task.taskId)) || task.epoch < s.belowEpoch;
  }

  /** A preempt sent on `preempt.<host>.<sessionId>`: it reaches only that host's tasks. */
  private preempt(host: string, p: BodyOf<'preempt'>): undefined {
    for (const id of p.taskIds) {
      const key = taskKey(host, id);
      this.preempted.add(key);
      this.running.get(key)?.abort();
    }
    // Bounded memory: ids are only needed while their tasks may still arrive.
    if (this.preempted.size > 100_000) this.preempted.clear();
    const key = sessionKey({ host, sessionId: p.sessionId });
    const s = this.sessions.get(key);
    if (s && p.belowEpoch !== undefined) s.belowEpoch = Math.max(s.belowEpoch, p.belowEpoch);
    if (p.ended) {
      // Its tasks are all stale (any still running were listed and aborted above): its context goes
      // now, not after the idle timeout, and it no longer counts among the sessions others meet here.
      if (s) s.belowEpoch = Number.MAX_SAFE_INTEGER;
      this.sessions.delete(key);
      this.model.release(key);
      this.capacity.forget(key);
    }
    return undefined;
  }

  private acquire(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(() => resolve()));
  }

  private release() {
    const next = this.waiters.shift();
    if (next) next();
    else this.active--;
  }

  private releaseIdle(idleMs: number) {
    const now = Date.now();
    for (const [id, s] of this.sessions) {
      if (now - s.lastUsed > idleMs) {
        this.sessions.delete(id);
        this.model.release(id);
      }
    }
  }

  async drain(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    this.peers.stop();
    await this.actor.drain();
  }

  async stop(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    this.host?.stop();
    this.peers.stop();
    await this.actor.stop();
  }
}
