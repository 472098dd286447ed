/**
 * One generation owned by a drafter: drives `@specmesh/core`'s orchestrator with real messages.
 * Draft commands run on the drafter model; verify commands become `verify.task` messages to the
 * pool's batchers (or, on a verifier host, calls to its own target: `verifyHere`); results come back on
 * the session's result subject; commits are published as ordered token chunks. A verification that does not come back in time is re-issued (the orchestrator treats
 * the timeout as a failure).
 *
 * A session may resume another host's work (`start.resume`): the committed output becomes part of the
 * context, only the rest is generated, and chunks continue the client's numbering. A target-only
 * session (hosted by a verifier when no drafter can serve) decodes without drafts, and hands the
 * request back (a `handover` chunk) once speculation is possible again.
 */
import { performance } from 'node:perf_hooks';
import {
  AcceptanceTally,
  type AwcWeights,
  type DraftToken,
  Orchestrator,
  type OrchestratorCommand,
  type OrchestratorEvent,
  processDistribution,
  Rng,
  sample,
  type WindowStats,
} from '@specmesh/core';
import { generateRanked, type LanguageModel } from '@specmesh/models';
import {
  type BodyOf,
  DeadlineError,
  ErrorCode,
  type FinishReason,
  fromWireError,
  type HandoverTarget,
  MAX_CHUNK_TOKENS,
  type MessageKind,
  prefixHash,
  toWireError,
  type WireError,
} from '@specmesh/protocol';
import type { Actor, Logger, Member } from '@specmesh/runtime';
import { packDraftDists } from './draft-dists.js';
import { firstRoundFromSurroundings } from './first-round-estimate.js';
import { LogprobBook, type TokenLogprobs } from './logprob-book.js';
import { PredraftClient, rankedDrafts } from './predraft-client.js';
import type { PredraftMetrics } from './predraft-metrics.js';
import { promptTokensOf } from './prompt-tokens.js';
import { ProofBook, proofsOf, type TokenVouch } from './proof-book.js';
import { SessionRoundPlanner } from './round-planner.js';
import { StopMatcher } from './stop-matcher.js';
import { TextStream } from './text-stream.js';
import { TraceRecorder } from './trace-recorder.js';
import { VerifyRoute } from './verify-route.js';
import { VerifyTimeout } from './verify-timeout.js';
import { SessionWindowControl } from './window-control.js';
import { type HostSurroundings, LiveWindowMeasures } from './window-measures.js';

type Start = BodyOf<'session.start'>;

/** A task's verdict from the host's own target (see {@link SessionOptions.verifyHere}). */
export type LocalVerdict =
  | { readonly kind: 'result'; readonly result: BodyOf<'verify.result'> }
  | { readonly kind: 'failure'; readonly error: WireError }
  | { readonly kind: 'preempted' };

export type LocalVerify = (task: BodyOf<'verify.task'>) => Promise<LocalVerdict>;

/** Verification failures in a row (no result in between) before a session gives up. */
const MAX_CONSECUTIVE_FAILURES = 20;
/** First wait before re-issuing a task no verifier could take, ms; it doubles with each failure in a row. */
const FAILURE_RETRY_BASE_MS = 25;
/** Longest such wait, ms. */
const FAILURE_RETRY_MAX_MS = 1000;

export interface SessionOptions {
  readonly actor: Actor;
  readonly model: LanguageModel;
  readonly start: Start;
  /** Verification tasks in flight at most (DSI: live verifiers of the pool). */
  readonly maxTasks: number;
  /** Ceiling of the verify timeout, ms; the timeout itself follows measured round trips. */
  readonly verifyTimeoutMs: number;
  readonly onEnd: (sessionId: string) => void;
  /**
   * Decode without drafts whatever mode the request asked for: the host has no draft model (a
   * verifier serving while no drafter can). Defaults to false.
   */
  readonly targetOnly?: boolean;
  /**
   * Asked after each step, with where the session's adaptive window controller wants it to run (when
   * AWC places it, see window-control.ts): a target hands the rest of the request back to the
   * client, which has the scheduler place it there (a target-only session once a drafter is back; an
   * edge or fused session when the network or the cloud's load changed). Not asked before
   * {@link MIN_SEGMENT_TOKENS} tokens.
   */
  readonly shouldHandOver?: (awcWish: HandoverTarget | undefined) => HandoverTarget | undefined;
  /**
   * Verifies tasks in-process on the host's own target instead of sending them to the pool (a
   * verifier hosting fused and target-only sessions).
   */
  readonly verifyHere?: LocalVerify;
  /** The host's view of the pool and the edge, for the window policy's features. */
  readonly surroundings?: HostSurroundings;
  /** WC-DNN weights of requests asking for the `awc` window policy. Defaults to the shipped ones. */
  readonly awcWeights?: AwcWeights;
  /**
   * Send verifiers only the context they lack (`basePos`, `baseHash`), falling back to the full prefix
   * when one does not hold it. Off: every task carries the whole prefix. Defaults to true.
   */
  readonly leanContext?: boolean;
  /** The request's trace id: every message the session sends carries it. */
  readonly traceId?: string;
  /**
   * The pool's live verifiers, from heartbeats: given, the session sends its sequential tasks straight
   * to the verifier holding its context while it holds a lease there, and to one of its own choosing
   * while the batcher does not answer (see verify-route.ts). Absent: every task goes through the batcher.
   */
  readonly directVerifiers?: (pool: string) => readonly Member[];
  /** Whether the pool has a live batcher (heartbeats); without one, tasks go direct. Absent: always. */
  readonly batcherAlive?: (pool: string) => boolean;
  /**
   * Pre-drafting (SSD-DSI): drafters that lend their model now (heartbeats; this host excluded). A
   * speculative session that finds any at its start has the most likely rejections' continuations
   * drafted there while its tasks are verified (see predraft-client.ts). Absent: no pre-drafting.
   */
  readonly predraftLenders?: () => readonly Member[];
  /** Pre-draft requests one session keeps in flight at most. Defaults to 4. */
  readonly predraftRequests?: number;
  /** Runner-ups per draft that branches guess from. Defaults to 2. */
  readonly predraftAlternatives?: number;
  /** Where the session's pre-drafting figures go when it ends. */
  readonly predraftMetrics?: PredraftMetrics;
}

/** Floor of the verify timeout, ms: what scheduling noise on a busy host can add to a round trip. */
const MIN_VERIFY_TIMEOUT_MS = 500;

/** Largest window an adaptive policy (not `static`) may choose: DSD's γ_max. */
const MAX_ADAPTIVE_WINDOW = 8;

/** Tokens a session commits before it may hand over (no ping-pong between hosts). */
const MIN_SEGMENT_TOKENS = 8;

/** Most tokens per chunk when chunks carry log-probabilities (they stay below the chunk's size limit). */
const MAX_CHUNK_TOKENS_WITH_LOGPROBS = 256;

/** Most tokens per chunk otherwise: a signed statement per token (plain steps) stays below the size limit. */
const MAX_CHUNK_TOKENS_WITH_PROOFS = Math.min(MAX_CHUNK_TOKENS, 768);

export class DraftSession {
  readonly id: string;
  private readonly o: SessionOptions;
  private readonly orch: Orchestrator;
  private readonly rng: Rng;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /**
   * Epoch and draft count of each task still awaited (a result that contradicts them is refused), and
   * whether it was a parallel task (which the pool may decline).
   */
  private readonly sentShape = new Map<
    string,
    { epoch: number; drafts: number; parallel: boolean; base: number; tokens: Uint32Array }
  >();
  /** Send time of each task still awaited, for round-trip samples (never of a re-issued one). */
  private readonly sentAt = new Map<string, number>();
  private readonly verifyTimeout: VerifyTimeout;
  /** Batcher or verifier, per task. */
  private readonly route: VerifyRoute;
  /** Prefix of each task still awaited; the one answered last is what its verifier holds. */
  private readonly prefixOf = new Map<string, Uint32Array>();
  /** The prefix a verifier of the pool last confirmed holding for this session. */
  private held: Uint32Array | undefined;
  private readonly unsubscribe: () => void;
  private readonly promptLen: number;
  private readonly committed: number[] = [];
  /** Output tokens committed by earlier hosts (resume); chunk `index` counts from the request's start. */
  private readonly resumedAt: number;
  private readonly text: TextStream;
  /** Stop strings: which committed tokens may be sent, and where generation ends. */
  private readonly stops: StopMatcher;
  /** Committed tokens not sent yet (their text may be the start of a stop string), oldest first. */
  private readonly unsent: Array<{
    token: number;
    source: number;
    logprobs?: TokenLogprobs;
    vouch?: TokenVouch;
  }> = [];
  /** The verifiers' signed statements, until the tokens they vouch for are sent. */
  private readonly proofs = new ProofBook();
  /** A chunk went out without proofs (a verifier that does not sign): said once per session. */
  private unsigned = false;
  /** The target's log-probabilities from verification results, when the request asked for them. */
  private readonly logprobs: LogprobBook | undefined;
  /** Alternatives per token the request asked for (at most the vocabulary). */
  private readonly topN: number;
  /** Epoch of the verification result being applied: the tokens it commits are of that epoch. */
  private applyingEpoch = 0;
  /** A committed token came without log-probabilities (reported once). */
  private missingLogprobs = false;
  /** Prompt and resumed output: absolute position of the first token this session commits. */
  private readonly contextLen: number;
  /** Output tokens of this session sent to the client (committed minus held back minus cut at a stop). */
  private sent = 0;
  private seq: number;
  private ended = false;
  private deadline: NodeJS.Timeout | undefined;
  private consecutiveFailures = 0;
  private readonly abort = new AbortController();
  private readonly trace: TraceRecorder;
  /** Per-draft acceptance of the session's verified tasks: the `auto` mode's estimate. */
  private readonly acceptance = new AcceptanceTally();
  private readonly measures: LiveWindowMeasures;
  private readonly window: SessionWindowControl;
  /** The host's logger with the session's ids and trace id on every line. */
  private readonly log: Logger;
  /** Pre-drafting on lending drafters, when the session found any at its start. */
  private readonly predrafts: PredraftClient | undefined;
  /** Runner-ups each greedy draft carries for pre-drafting (0: off). */
  private readonly runnerUps: number;

  constructor(o: SessionOptions) {
    this.o = o;
    const s = o.start;
    this.id = s.sessionId;
    this.trace = new TraceRecorder(o.actor.id);
    this.log = o.actor.logger.child({
      sessionId: s.sessionId,
      requestId: s.requestId,
      ...(o.traceId ? { traceId: o.traceId } : {}),
    });
    this.verifyTimeout = new VerifyTimeout({
      minMs: Math.min(MIN_VERIFY_TIMEOUT_MS, o.verifyTimeoutMs),
      maxMs: o.verifyTimeoutMs,
    });
    const verifiers = o.directVerifiers;
    const batcherAlive = o.batcherAlive;
    this.route = new VerifyRoute(
      verifiers !== undefined && !o.verifyHere,
      () => (verifiers ? verifiers(o.start.pool) : []),
      () => (batcherAlive ? batcherAlive(o.start.pool) : true),
    );
    this.text = new TextStream((t) => o.model.detokenize(t));
    const promptOnly = promptTokensOf(s, o.model, this.log);
    this.promptLen = promptOnly.length;
    // A resumed session continues after the committed output: it is context now, not output to make.
    const committed = s.resume?.committed ?? new Uint32Array(0);
    const prompt = new Uint32Array(promptOnly.length + committed.length);
    prompt.set(promptOnly);
    prompt.set(committed, promptOnly.length);
    this.resumedAt = committed.length;
    this.contextLen = prompt.length;
    this.topN = Math.min(s.logprobs ?? 0, o.model.info.vocabSize);
    this.logprobs = s.logprobs === undefined ? undefined : new LogprobBook(this.topN);
    this.seq = s.resume?.nextSeq ?? 0;
    // Text continues the earlier host's: a token's text depends on the ones before it.
    let before = '';
    for (const t of committed) before += this.text.push(t);
    this.stops = new StopMatcher(s.stop ?? [], before);
    // The seed restarts on resume: a sampled output stays a correct sample, not the same one.
    this.rng = new Rng(s.sampling.seed);
    // `auto` chooses per round, up to what `mode` allows (`si`: never DSI; `nonsi`: no speculation).
    const auto = s.auto === true && s.mode !== 'nonsi' && !o.targetOnly;
    const mode = o.targetOnly ? 'nonsi' : auto ? 'auto' : s.mode;
    this.measures = new LiveWindowMeasures(s.pool, this.promptLen, o.surroundings);
    const maxTasks = s.mode === 'dsi' && !o.targetOnly ? Math.max(1, o.maxTasks) : 1;
    const planner = new SessionRoundPlanner(
      s.pool,
      this.measures,
      () => this.acceptance.rate,
      o.surroundings,
      () => maxTasks,
      () => prompt.length + this.committed.length + s.window.k + 1,
      () => this.orch.inflight.length,
    );
    this.window = new SessionWindowControl(s, this.measures, o.awcWeights, () => planner.roundView());
    // The first task's timeout from the cluster's measured round trips, not the ceiling: a first task
    // lost to a hung verifier or a restarting batcher then costs a few round trips.
    if (!o.verifyHere) {
      this.verifyTimeout.seed(
        firstRoundFromSurroundings(o.surroundings, s.pool, prompt.length + s.window.k + 1),
      );
    }
    const lenders = o.predraftLenders;
    const predraftOn = lenders !== undefined && mode !== 'nonsi' && lenders().length > 0;
    this.runnerUps = predraftOn ? Math.max(1, o.predraftAlternatives ?? 2) : 0;
    this.predrafts = predraftOn
      ? new PredraftClient({
          actor: o.actor,
          sessionId: s.sessionId,
          sampling: s.sampling,
          alternatives: this.runnerUps,
          lenders,
          timeoutMs: () => this.verifyTimeout.current(),
          answer: (id, tokens) => this.feed({ type: 'predrafted', id, tokens }),
          ...(o.traceId ? { traceId: o.traceId } : {}),
        })
      : undefined;
    const predraftRequests = Math.max(1, o.predraftRequests ?? 4);
    // A policy that may choose a plain step (γ = 0: AWC, bandit) plans each SI round itself: the
    // orchestrator's `auto` mode with one task in flight and the policy's window as the plan.
    const policyRounds = !auto && mode === 'si' && this.window.plansRounds;
    this.orch = new Orchestrator({
      mode: policyRounds ? 'auto' : mode,
      ...(auto ? { nextRound: () => planner.next() } : {}),
      ...(policyRounds ? { nextRound: (w: WindowStats) => ({ k: this.window.next(w), sp: 1 }) } : {}),
      // DSI, and auto's DSI rounds (planned on the targets the session may use), issue each parallel
      // task only while the pool has a target that runs it at once.
      ...(mode === 'dsi' || (auto && maxTasks > 1) ? { parallelism: () => planner.parallelism() } : {}),
      // DSI runs SI's rounds while its target batches other sessions' steps too (core's option).
      ...(mode === 'dsi' ? { sharedTarget: () => planner.sharedTarget() } : {}),
      k: s.window.k,
      maxTasks,
      // Adaptive policies pick windows up to 8 (DSD's largest) whatever the starting k; pre-drafting
      // doubles the depth, so the drafter drafts on past a taken branch while its tasks run.
      maxDepth:
        Math.max(s.window.k * maxTasks, s.window.policy === 'static' ? 0 : MAX_ADAPTIVE_WINDOW) *
        (predraftOn ? 2 : 1),
      ...(this.predrafts
        ? {
            predraft: {
              drafters: predraftRequests,
              alternatives: this.runnerUps,
              free: () => this.predrafts!.free(),
            },
          }
        : {}),
      maxTokens: Math.max(1, s.maxTokens - committed.length),
      eosId: o.model.info.eosId,
      prompt,
      taskPrefix: `${s.sessionId}:t`,
      ...(policyRounds ? {} : { nextWindow: (w: WindowStats) => this.window.next(w) }),
    });
    this.unsubscribe = o.actor.handle(
      o.actor.subjects.result(o.actor.id, this.id),
      ['verify.result', 'error'],
      (msg) => {
        if (msg.kind === 'verify.result') this.onResult(msg.body as BodyOf<'verify.result'>, msg.from);
        else this.onError(msg.body as WireError);
        return undefined;
      },
    );
    if (s.deadlineAt !== undefined) {
      this.deadline = setTimeout(
        () => this.fail(new DeadlineError(`session ${this.id} passed its deadline`)),
        Math.max(0, s.deadlineAt - Date.now()),
      );
    }
  }

  /** A task's verdict, from the pool (a `verify.result` message) or from the host's own target. */
  private onResult(r: BodyOf<'verify.result'>, from: string) {
    // A result that contradicts the task it names (another epoch, more accepted drafts than the task
    // carried, another session) is forged or corrupt: the orchestrator would clamp the count and
    // commit its token. Refused like any bad message (counted, dropped); the real verdict is still
    // awaited.
    const shape = this.sentShape.get(r.taskId);
    if (shape && (r.epoch !== shape.epoch || r.accepted > shape.drafts || r.sessionId !== this.id)) {
      this.o.actor.metrics.badMessages.inc({ code: ErrorCode.Schema });
      this.log.warn(
        { taskId: r.taskId, from, epoch: r.epoch, accepted: r.accepted, sent: shape },
        'verify.result contradicts its task: dropped',
      );
      return;
    }
    const sent = this.sentAt.get(r.taskId);
    if (sent !== undefined) {
      const roundTripMs = performance.now() - sent;
      this.verifyTimeout.observe(roundTripMs);
      this.measures.answered({
        roundTripMs,
        queueMs: r.queueMs,
        computeMs: r.computeMs,
        verifierId: r.verifierId,
        ...(r.otherSessions !== undefined ? { otherSessions: r.otherSessions } : {}),
      });
    }
    if (shape) this.acceptance.add(r.accepted, shape.drafts);
    // Only a result the orchestrator will apply describes tokens it may commit.
    if (this.logprobs && r.logprobs && shape && this.orch.inflight.includes(r.taskId)) {
      const decided = [...shape.tokens.subarray(0, r.accepted), r.token];
      this.logprobs.record(r.taskId, r.epoch, shape.base, decided, {
        logprobs: r.logprobs,
        ...(r.topTokens ? { topTokens: r.topTokens } : {}),
        ...(r.topLogprobs ? { topLogprobs: r.topLogprobs } : {}),
      });
    }
    if (
      r.signature &&
      r.pieces?.length === r.accepted + 1 &&
      shape &&
      this.orch.inflight.includes(r.taskId)
    ) {
      this.proofs.record(r.taskId, {
        epoch: r.epoch,
        verifierId: r.verifierId,
        from: shape.base,
        tokens: [...shape.tokens.subarray(0, r.accepted), r.token],
        pieces: r.pieces ?? [],
        signature: r.signature,
      });
    }
    this.applyingEpoch = r.epoch;
    // What the verifier holds now is its business; the session's own verifier is the one that answers
    // the tasks on its verified prefix (parallel tasks go wherever there is room).
    if (!shape?.parallel) this.held = this.prefixOf.get(r.taskId) ?? this.held;
    if (shape) this.route.answered(r.taskId, r.verifierId, shape.parallel);
    this.clearTimer(r.taskId);
    this.consecutiveFailures = 0;
    this.trace.taskVerified(r.taskId, r.verifierId, r.accepted, r);
    this.feed({ type: 'verified', taskId: r.taskId, accepted: r.accepted, token: r.token, bonus: r.bonus });
  }

  /** A task that failed (its `taskId` in the error's context). */
  private onError(e: WireError) {
    const taskId = typeof e.context?.['taskId'] === 'string' ? e.context['taskId'] : undefined;
    if (!taskId || !this.orch.inflight.includes(taskId)) return;
    const parallel = this.sentShape.get(taskId)?.parallel === true;
    this.clearTimer(taskId);
    // A parallel task the pool had no free target for: dropped, and the SP degree follows. Nothing is
    // lost with it: the verifier (or batcher) that declined it answers.
    if (e.code === ErrorCode.NoCapacity && parallel) {
      this.route.forget(taskId);
      this.trace.taskEnded(taskId, 'failed');
      this.feed({ type: 'declined', taskId });
      return;
    }
    this.route.failed(taskId, false);
    this.trace.taskEnded(taskId, 'failed');
    // The verifier lacked the base: the re-issued task carries the whole prefix.
    if (e.code === ErrorCode.UnknownSession) this.held = undefined;
    // A verdict that cannot change on retry (bad token ids, schema) ends the session with it;
    // a transient one (no capacity, deadline) re-issues the task, a bounded number of times.
    if (!e.retryable && e.code !== ErrorCode.UnknownSession) this.fail(fromWireError(e));
    else if (++this.consecutiveFailures > MAX_CONSECUTIVE_FAILURES) {
      this.fail(fromWireError({ ...e, message: `verification kept failing: ${e.message}` }));
    } else if (e.code === ErrorCode.UnknownSession) {
      // Not a shortage: the re-issued task carries the whole prefix and can run at once.
      this.feed({ type: 'failed', taskId });
    } else {
      // No verifier could take it now (every one failed it: the pool's only verifier restarting, say).
      // Re-issued after a back-off, so the session's failures in a row span a restart (about 16 s)
      // instead of being spent in a few hundred milliseconds.
      const delay = Math.min(
        FAILURE_RETRY_MAX_MS,
        FAILURE_RETRY_BASE_MS * 2 ** (this.consecutiveFailures - 1),
      );
      this.timers.set(
        taskId,
        setTimeout(() => {
          this.timers.delete(taskId);
          if (this.orch.inflight.includes(taskId)) this.feed({ type: 'failed', taskId });
        }, delay),
      );
    }
  }

  /** Starts generating (after the result subscription is in place). */
  begin(): void {
    const s = this.o.start;
    this.log.debug(
      { mode: s.mode, window: s.window, placement: s.placement?.kind, resumedAt: this.resumedAt },
      'session started',
    );
    this.exec(this.orch.start());
  }

  cancel(): void {
    this.feed({ type: 'cancelled' });
  }

  /** The target pool the session's tasks go to. */
  get pool(): string {
    return this.o.start.pool;
  }

  /**
   * Re-issues at once the tasks awaited longer than a round trip is expected to take (the pool's
   * batcher is back after a restart: what was sent while it was gone is lost), without backing off:
   * the loss is explained, the pool is not slow.
   */
  reissueOverdue(): void {
    if (this.ended || this.o.verifyHere) return;
    const now = performance.now();
    const overdueAfter = this.verifyTimeout.expectedMs();
    for (const [taskId, timer] of [...this.timers]) {
      const sent = this.sentAt.get(taskId);
      if (sent === undefined || now - sent < overdueAfter) continue;
      clearTimeout(timer);
      this.timers.delete(taskId);
      // Lost with the batcher that was gone, which is back: nothing to hold against either path.
      this.route.forget(taskId);
      this.trace.taskEnded(taskId, 'timeout');
      this.feed({ type: 'timeout', taskId });
    }
  }

  private feed(ev: OrchestratorEvent) {
    if (this.ended) return;
    this.exec(this.orch.handle(ev));
  }

  private exec(cmds: OrchestratorCommand[]) {
    for (const c of cmds) {
      if (this.ended) return;
      switch (c.type) {
        case 'draft':
          void this.draft(c.epoch, c.pos, c.n);
          break;
        case 'verify':
          this.sendTask(c);
          break;
        case 'cancel':
          this.logprobs?.forget(c.taskIds);
          this.proofs.forget(c.taskIds);
          for (const id of c.taskIds) {
            this.clearTimer(id);
            this.route.forget(id);
            this.trace.taskEnded(id, 'preempted');
          }
          this.publish(this.o.actor.subjects.preempt(this.o.actor.id, this.id), 'preempt', {
            sessionId: this.id,
            taskIds: [...c.taskIds],
          });
          break;
        case 'commit':
          this.publishCommit(c.tokens, c.sources);
          break;
        case 'predraft':
          this.predrafts?.send(c);
          break;
        case 'drop-predrafts':
          this.predrafts?.drop(c.ids);
          break;
        case 'done':
          // Ended without a stop string: what was held back for one is output after all.
          if (c.reason !== 'cancelled') this.publishTokens(this.stops.flush());
          this.end(c.reason);
          break;
      }
    }
    // After the whole step, so a finished request ends normally instead of being handed over; and
    // not while tokens are held back for a possible stop string (the client resumes from what it
    // holds, so the next host sees no stop string that began here).
    if (
      !this.ended &&
      !this.stops.holding &&
      this.committed.length >= MIN_SEGMENT_TOKENS &&
      this.o.shouldHandOver
    ) {
      const to = this.o.shouldHandOver(this.window.wish());
      if (to) this.handOver(to);
    }
  }

  private async draft(epoch: number, pos: number, n: number) {
    const s = this.o.start;
    const ctx = Array.from(this.orch.context(pos));
    const tokens: DraftToken[] = [];
    const drafted = this.trace.draftStarted(epoch, pos, n);
    const began = performance.now();
    try {
      if (s.sampling.temperature === 0) {
        // Greedy drafts need no distributions: a draft of n tokens is one call into the model's worker
        // (DSI drafts one token per command, so there it is one call per token).
        // With pre-drafting, each draft carries the drafter's runner-ups (what the branches guess).
        if (this.runnerUps > 0) {
          const r = await generateRanked(
            this.o.model,
            this.id,
            Uint32Array.from(ctx),
            n,
            this.runnerUps,
            this.abort.signal,
          );
          tokens.push(...rankedDrafts(r.tokens, r.width, r.alternatives, r.probs));
        } else {
          const ids = await this.o.model.generate(this.id, Uint32Array.from(ctx), n, this.abort.signal);
          for (const token of ids) tokens.push({ token });
        }
      } else {
        // Sampled drafts carry their distribution, which rejection sampling at the verifier needs.
        for (let i = 0; i < n; i++) {
          const [p] = await this.o.model.evaluate(this.id, Uint32Array.from(ctx), 1, this.abort.signal);
          const dist = processDistribution(p!, s.sampling);
          const token = sample(dist, this.rng);
          tokens.push({ token, dist });
          ctx.push(token);
        }
      }
    } catch (err) {
      if (this.ended) return;
      this.fail(err);
      return;
    } finally {
      drafted();
    }
    this.measures.drafted(performance.now() - began, tokens.length);
    this.feed({ type: 'drafted', epoch, pos, tokens });
  }

  private sendTask(c: Extract<OrchestratorCommand, { type: 'verify' }>) {
    const s = this.o.start;
    const lease = this.route.leaseHolder;
    const direct = this.route.choose(c.taskId, c.parallel);
    // A task for a verifier other than the one holding the session's context carries the whole prefix.
    const whole = c.parallel || (direct !== undefined && direct !== lease);
    const directOn = direct === undefined ? this.route.directlyOn() : [];
    const task: BodyOf<'verify.task'> = {
      taskId: c.taskId,
      sessionId: this.id,
      host: this.o.actor.id,
      pool: s.pool,
      epoch: c.epoch,
      // A parallel task goes to a verifier with room, seldom the one holding the session: the whole
      // prefix spares it a refusal and a resend.
      ...(whole ? { basePos: 0, context: c.prefix } : this.contextFor(c.prefix)),
      drafts: Uint32Array.from(c.drafts, (d) => d.token),
      sampling: s.sampling,
      attempt: 1,
      ...(c.parallel ? { parallel: true } : {}),
      // Where its direct tasks run, which the batcher cannot see: it must not queue this one there.
      ...(directOn.length > 0 ? { directOn } : {}),
      ...(s.logprobs !== undefined ? { logprobs: s.logprobs } : {}),
      // Where this session's text starts, so a signing verifier signs the text pieces chunks carry.
      textFrom: this.promptLen,
      deadlineAt: Date.now() + this.verifyTimeout.current(),
      ...(this.o.traceId ? { traceId: this.o.traceId } : {}),
    };
    if (s.sampling.temperature > 0 && c.drafts.length > 0) {
      task.draftDist = packDraftDists(c.drafts.map((d) => d.dist!));
      task.draftProbs = Float32Array.from(c.drafts, (d) => {
        const j = Array.prototype.indexOf.call(d.dist!.tokens, d.token);
        return j >= 0 ? d.dist!.probs[j]! : 0;
      });
    }
    const { subjects } = this.o.actor;
    if (this.o.verifyHere) this.verifyHere(this.o.verifyHere, task);
    else if (direct !== undefined)
      this.publish(subjects.direct(direct, this.o.actor.id), 'verify.task', task);
    else this.publish(subjects.verify(s.pool, this.o.actor.id), 'verify.task', task);
    this.trace.taskSent(c.taskId, c.epoch, c.base, c.drafts.length);
    this.sentAt.set(c.taskId, performance.now());
    this.sentShape.set(c.taskId, {
      epoch: c.epoch,
      drafts: c.drafts.length,
      parallel: c.parallel,
      base: c.base,
      tokens: task.drafts,
    });
    this.prefixOf.set(c.taskId, c.prefix);
    this.timers.set(
      c.taskId,
      setTimeout(() => {
        this.timers.delete(c.taskId);
        this.route.failed(c.taskId, true);
        this.trace.taskEnded(c.taskId, 'timeout');
        this.verifyTimeout.backOff(performance.now());
        this.feed({ type: 'timeout', taskId: c.taskId });
      }, this.verifyTimeout.current()),
    );
  }

  /**
   * Fused mode: the host's own target verifies the task in-process, with no batcher and no message
   * per round (DSD's "draft and verify both at the target"). The verdict takes the path a pool's
   * would; a preempted task gets none, as from the pool.
   */
  private verifyHere(verify: LocalVerify, task: BodyOf<'verify.task'>) {
    // Promise callbacks run after sendTask's bookkeeping (timer, shape), as a message's would.
    verify(task).then(
      (v) => {
        if (this.ended) return;
        if (v.kind === 'result') this.onResult(v.result, this.o.actor.id);
        else if (v.kind === 'failure') this.onError(v.error);
      },
      (err: unknown) => {
        if (!this.ended) this.onError({ ...toWireError(err), context: { taskId: task.taskId } });
      },
    );
  }

  /**
   * Commits tokens: they go to the client as soon as no stop string can claim their text (see
   * StopMatcher). A stop string ends the session here, before later commits of the same step: the
   * tasks still in flight are preempted and the session's slots freed as for any finished session.
   */
  private publishCommit(tokens: readonly number[], sources: readonly number[]) {
    const released: string[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      const pos = this.contextLen + this.committed.length;
      const logprobs = this.logprobs?.take(pos, t, this.applyingEpoch);
      const vouch = this.proofs.take(pos, t, this.applyingEpoch);
      if (this.logprobs && !logprobs && !this.missingLogprobs) {
        // A verifier older than protocol 1.4 returns none: said once per session, the figures are NaN.
        this.missingLogprobs = true;
        this.log.warn({ token: t }, 'no target log-probabilities for a committed token');
      }
      this.committed.push(t);
      this.unsent.push({
        token: t,
        source: sources[i] ?? 0,
        ...(logprobs ? { logprobs } : {}),
        ...(vouch ? { vouch } : {}),
      });
      const step = this.stops.push(this.text.push(t));
      released.push(...step.released);
      if (step.stopped) {
        this.publishTokens(released);
        this.end('stop');
        return;
      }
    }
    this.publishTokens(released);
  }

  /**
   * Publishes the oldest unsent tokens, one per piece of text: a chunk with, per token, where its text
   * ends, so receivers can stream one token per event (the gateway's per-token cadence). Tokens past a
   * stop string (unsent ones without a piece) are never published.
   */
  private publishTokens(pieces: readonly string[]) {
    const most = this.logprobs ? MAX_CHUNK_TOKENS_WITH_LOGPROBS : MAX_CHUNK_TOKENS_WITH_PROOFS;
    for (let at = 0; at < pieces.length; at += most) this.publishChunk(pieces.slice(at, at + most));
  }

  private publishChunk(pieces: readonly string[]) {
    if (pieces.length === 0) return;
    const taken = this.unsent.splice(0, pieces.length);
    const textEnds = new Uint32Array(pieces.length);
    let text = '';
    pieces.forEach((p, i) => {
      text += p;
      textEnds[i] = text.length;
    });
    const chunk: BodyOf<'tokens'> = {
      requestId: this.o.start.requestId,
      sessionId: this.id,
      seq: this.seq++,
      index: this.resumedAt + this.sent,
      tokens: Uint32Array.from(taken, (u) => u.token),
      text,
      sources: Uint8Array.from(taken, (u) => u.source),
      textEnds,
      done: false,
    };
    if (this.logprobs) Object.assign(chunk, this.logprobsOf(taken));
    const proofs = proofsOf(
      taken.map((u) => u.vouch),
      pieces,
    );
    if (proofs) chunk.proofs = proofs;
    else if (!this.unsigned) {
      this.unsigned = true;
      this.log.warn(
        { index: chunk.index },
        'committed tokens without a verifier signature: clients that check refuse them',
      );
    }
    this.sent += taken.length;
    if (chunk.seq === 0) chunk.promptTokens = this.promptLen;
    this.publish(this.o.start.tokenSubject, 'tokens', chunk);
  }

  /** The chunk fields of the tokens' log-probabilities (NaN where no result described a token). */
  private logprobsOf(taken: ReadonlyArray<{ logprobs?: TokenLogprobs }>) {
    const n = this.topN;
    const logprobs = new Float32Array(taken.length);
    const topTokens = new Uint32Array(taken.length * n);
    const topLogprobs = new Float32Array(taken.length * n).fill(Number.NaN);
    taken.forEach((u, i) => {
      logprobs[i] = u.logprobs?.logprob ?? Number.NaN;
      if (!u.logprobs) return;
      topTokens.set(u.logprobs.topTokens, i * n);
      topLogprobs.set(u.logprobs.topLogprobs, i * n);
    });
    // The alternatives' texts, for receivers without the tokenizer (the gateway).
    const topTexts = Array.from(topTokens, (t) => this.o.model.detokenize([t]).slice(0, 256));
    return { logprobs, topTokens, topLogprobs, topTexts };
  }

  /** Stops here without finishing: the client resubmits from what it holds and gets a host of kind `to`. */
  private handOver(to: HandoverTarget) {
    if (this.ended) return;
    this.ended = true;
    this.log.info({ to, committed: this.resumedAt + this.sent }, 'handing the request over');
    this.publish(this.o.start.tokenSubject, 'tokens', {
      ...this.emptyChunk(),
      handover: true,
      handoverTo: to,
    });
    this.cleanup();
  }

  private end(reason: FinishReason | 'error', error?: WireError) {
    if (this.ended) return;
    this.ended = true;
    const chunk: BodyOf<'tokens'> = { ...this.emptyChunk(), done: true, finishReason: reason };
    if (error) {
      chunk.error = error;
      this.log.warn({ code: error.code, err: error.message }, 'session failed');
    } else this.log.debug({ reason, tokens: this.sent }, 'session ended');
    chunk.trace = this.trace.snapshot();
    this.publish(this.o.start.tokenSubject, 'tokens', chunk);
    this.cleanup();
  }

  /** A chunk with no tokens at the current position (the last one, or a handover). */
  private emptyChunk(): BodyOf<'tokens'> {
    const chunk: BodyOf<'tokens'> = {
      requestId: this.o.start.requestId,
      sessionId: this.id,
      seq: this.seq++,
      index: this.resumedAt + this.sent,
      tokens: new Uint32Array(0),
      text: '',
      done: false,
    };
    if (chunk.seq === 0) chunk.promptTokens = this.promptLen;
    return chunk;
  }

  /**
   * Tells the pool the session ended: its tasks still in flight are dropped (nobody will read them),
   * and verifiers free its context and stop counting it among the sessions they serve at once.
   */
  private announceEnd() {
    this.publish(this.o.actor.subjects.preempt(this.o.actor.id, this.id), 'preempt', {
      sessionId: this.id,
      taskIds: this.orch.inflight,
      ended: true,
    });
  }

  private fail(err: unknown) {
    if (this.ended) return;
    this.end('error', toWireError(err));
  }

  /**
   * What a task carries of its prefix: the tokens after what the pool's verifier confirmed holding
   * (with the hash that proves it), or the whole prefix.
   */
  private contextFor(
    prefix: Uint32Array<ArrayBuffer>,
  ): Pick<BodyOf<'verify.task'>, 'basePos' | 'baseHash' | 'context'> {
    const held = this.o.leanContext === false ? undefined : this.held;
    let base = 0;
    if (held) {
      const n = Math.min(held.length, prefix.length);
      while (base < n && held[base] === prefix[base]) base++;
    }
    if (base === 0) return { basePos: 0, context: prefix };
    return { basePos: base, baseHash: prefixHash(prefix, base), context: prefix.slice(base) };
  }

  private publish<K extends MessageKind>(subject: string, kind: K, body: BodyOf<K>) {
    this.o.actor.publish(subject, kind, body, this.o.traceId ? { traceId: this.o.traceId } : {});
  }

  private clearTimer(taskId: string) {
    this.sentAt.delete(taskId);
    this.sentShape.delete(taskId);
    this.prefixOf.delete(taskId);
    const t = this.timers.get(taskId);
    if (t) clearTimeout(t);
    this.timers.delete(taskId);
  }

  private cleanup() {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.sentAt.clear();
    this.sentShape.clear();
    this.prefixOf.clear();
    if (this.deadline) clearTimeout(this.deadline);
    this.abort.abort();
    this.announceEnd();
    if (this.predrafts) {
      this.predrafts.close();
      const stats = this.orch.predraftStats;
      if (stats) this.o.predraftMetrics?.add(stats, this.predrafts.use);
    }
    this.unsubscribe();
    this.o.model.release(this.id);
    this.o.onEnd(this.id);
  }
}
