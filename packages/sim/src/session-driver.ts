/**
 * Drives one request's `@specmesh/core` `Orchestrator` in virtual time: every command it returns
 * becomes simulated work (a draft on the request's drafter, a verification job sent over the network
 * to a target, a preemption), and every finished piece of work goes back to it as an event. The
 * orchestration algorithm itself is never re-implemented here.
 *
 * Tokens: with an acceptance model, every draft is token 1 and the target's token where it disagrees
 * is 2; whether the draft at absolute position `p` of epoch `e` is right is a hash of (request, p, e)
 * compared with the model's probability for the position in its round, so tasks that overlap agree.
 * With a `TokenOracle` (core's), tokens are real and verification is core's `verifyGreedy`, exactly as
 * in `runVirtual`.
 *
 * `execution: 'fused'` runs draft and verify on the server: no network per round, drafting costs
 * `fusedDraftMs` per token, and the client sees each token one link delay later. Where that drafting
 * runs is `fusedDraftCost`: `free` (DSD-Sim's reading) drafts beside the target, taking none of its
 * time; `target` drafts on the target itself, in the batch that verifies the round (see `SessionSpec`).
 *
 * `fusedRounds` (SI) decides per round instead: a round whose window is 1 runs fused as above, a round
 * of 2 or more runs distributed, and a round of 0 is a plain target step at the target's side (no
 * draft, no network: DSD's fused host decoding alone, what a busy batching target does best). The
 * orchestrator then runs in mode `auto` with one task in flight, its plan the policy's window. The session's state machine lives where its rounds run, so a switch
 * between the two costs one link delay (and one hop): the drafter hands the session to the target's
 * side, or the target's side hands the committed prefix back to the drafter.
 *
 * `auto` runs core's Orchestrator in mode `auto`; its `nextRound` is core's `chooseRound` over the view
 * the cluster would have (auto/sim-round-view.ts). With `loadAware` (auto sessions, batching targets)
 * a parallel task (DSI: another of the session's tasks is in flight) goes only to a target that runs
 * it at once (`TargetRouter.submitParallel`); with none, the batcher declines it on arrival and the
 * session learns it as a result: a `declined` event one link round trip (and the round's hops) after
 * the send. A task is declined only while another live task of the session verifies the first
 * position past its verified prefix (DSI's guarantee never to be slower than non-SI rests on that
 * task); otherwise, with no target free, it queues where the session's tasks go.
 *
 * Pre-drafting (`predraft`, SSD; oracle runs): the orchestrator's `predraft` requests run on the
 * drafter's pre-draft instances (`SessionContext.predrafter`, see predraft-runner.ts), and every draft
 * carries the oracle's runner-ups the orchestrator chooses branches from.
 */
import {
  AcceptanceTally,
  chooseRound,
  type DraftToken,
  hashTokens,
  type OrchestrationMode,
  Orchestrator,
  type OrchestratorCommand,
  type OrchestratorEvent,
  oracleDrafts,
  type PredraftOptions,
  type PredraftStats,
  predraftRunnerUps,
  type RoundChoiceOptions,
  type RoundPlan,
  type RoundView,
  type TokenOracle,
  verifyGreedy,
  type WindowStats,
} from '@specmesh/core';
import { InternalError } from '@specmesh/protocol';
import type { AcceptanceModel } from './acceptance-model.js';
import { type AutoFacts, simRoundView } from './auto/sim-round-view.js';
import type { DrafterServer, DraftJob } from './drafter-server.js';
import type { NetworkLink } from './network-link.js';
import { PredraftRunner } from './predraft-runner.js';
import type { Simulation } from './simulation.js';
import { newTargetJob, type TargetJob } from './target-job.js';
import type { TargetRouter } from './target-router.js';
import type { TargetServer } from './target-server.js';

const DRAFT_TOKEN = 1;
const TARGET_TOKEN = 2;
/** Every draft of an acceptance-model run, shared: nothing mutates a draft once made. */
const DRAFT: DraftToken = Object.freeze({ token: DRAFT_TOKEN });
/** The (request, position, epoch) a draft's verdict hashes, one array reused: it is read at once. */
const HASH_KEY = [0, 0, 0];

/** What one finished request reports. */
export interface RequestRecord {
  readonly id: number;
  readonly drafter: number;
  readonly promptTokens: number;
  readonly tokens: number;
  readonly arrivedAt: number;
  /** When the client saw the first and the last token, ms. */
  readonly firstTokenAt: number;
  readonly lastTokenAt: number;
  readonly drafted: number;
  readonly acceptedDrafts: number;
  readonly verifiedDrafts: number;
  readonly tasks: number;
  readonly cancelledTasks: number;
  /**
   * Drafts of the tasks sent and never cancelled, and accepted drafts that reached the output (the
   * commits' sources): what a listener on a real cluster's wire can count. Unlike `verifiedDrafts`
   * they count a task from before the verified prefix whole, and no drafts cut off past maxTokens.
   */
  readonly uncancelledDrafts: number;
  readonly committedDrafts: number;
  /** Output token ids, in oracle runs only (real tokens to compare with a real cluster's). */
  readonly output?: readonly number[];
  /** `auto` mode: rounds planned as non-SI, SI and DSI. */
  readonly rounds?: { readonly nonsi: number; readonly si: number; readonly dsi: number };
  /** Load-aware sessions: parallel tasks the pool declined. */
  readonly declinedTasks?: number;
  /** Pre-drafting sessions: core's counters, and the pre-drafters' time (all, and never used), ms. */
  readonly predraft?: PredraftStats & { readonly busyMs: number; readonly unusedMs: number };
}

/** What the session measured by the time a window decision is due (after each verification). */
export interface RoundMeasures {
  /** The last distributed round's two one-way delays (hops included), ms; undefined before one. */
  readonly rttMs: number | undefined;
  /** Service time of the batch that verified the last round, ms. */
  readonly targetStepMs: number | undefined;
  /** The target holding the session, once the router has placed it. */
  readonly target: TargetServer | undefined;
  /** Decisions taken before this one (0 at the first). */
  readonly decisions: number;
  /** The window the last round ran (0: a plain step), or the spec's `k` before any. */
  readonly lastWindow: number;
  /** The target as the `auto` mode would see it now, when the spec gives `viewFacts`. */
  readonly view?: RoundView;
}

/** A commit as the client sees it. */
export interface CommitSeen {
  readonly requestId: number;
  /** Index of the session's target, -1 when unknown. */
  readonly target: number;
  /** When the tokens were committed, and when the client sees them, ms. */
  readonly at: number;
  readonly seenAt: number;
  readonly tokens: number;
  readonly arrivedAt: number;
  /** True for the request's first commit (its first token). */
  readonly first: boolean;
}

export interface SessionSpec {
  readonly id: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly arrivedAt: number;
  readonly mode: OrchestrationMode;
  readonly k: number;
  readonly maxTasks: number;
  readonly execution: 'distributed' | 'fused';
  readonly fusedDraftMs: number;
  /**
   * Who pays for a fused round's drafting. `free`: it takes `fusedDraftMs` per token beside the
   * target and none of the target's time. `target`: the draft model shares the target's
   * accelerator, so the round's drafts run on the target, at the start of the batch that verifies
   * them, the way a serving engine with a draft model runs each step (every sequence of the batch
   * drafts, batched, then the target verifies them all): the batch lasts `fusedDraftMs` per token of
   * its longest fused job longer, and every job in it, distributed ones too, waits for that. The
   * session sees the same round time as with `free` when it is alone; what changes is the target
   * capacity fused rounds take from everyone on their target. (Queueing the drafts as jobs of their
   * own instead would also make each fused round wait for the target twice, which engines that run
   * draft and verify in one step avoid.) Defaults to `free`.
   */
  readonly fusedDraftCost?: 'free' | 'target';
  readonly nextWindow?: (stats: WindowStats, round: RoundMeasures) => number;
  /**
   * SI only: a round whose window is 1 runs fused (draft and verify at the target, no network per
   * round), a longer one distributed; see above. Defaults to false.
   */
  readonly fusedRounds?: boolean;
  /** Largest window the orchestrator takes from `nextWindow` (per task). Defaults to `k`. */
  readonly maxWindow?: number;
  /** The drafter and link figures of the load view handed to `nextWindow` (`RoundMeasures.view`). */
  readonly viewFacts?: AutoFacts;
  /** Seed of the acceptance hash. */
  readonly seed: number;
  /** Broker hop cost added per message hop, ms. Defaults to 0. */
  readonly hopMs?: number;
  /** Client in the cloud: commits reach it one link delay and one hop later. Defaults to false. */
  readonly cloudClient?: boolean;
  /**
   * Sequential tasks after the first answer, and parallel tasks, cross one hop
   * (`messaging.directVerify`). Defaults to false.
   */
  readonly directVerify?: boolean;
  /** Added to every result's way back: the verifier host's time around the step, ms. Defaults to 0. */
  readonly stepOverheadMs?: number;
  /** `auto` mode: the drafter and link figures of its round choice, and the choice's options. */
  readonly auto?: AutoFacts & { readonly choice?: RoundChoiceOptions };
  /** Load-aware DSI: parallel tasks only where they run at once, else declined. Defaults to false. */
  readonly loadAware?: boolean;
  /** Pre-drafting (oracle runs, a drafter with pre-draft instances). */
  readonly predraft?: PredraftOptions;
}

export interface SessionContext {
  readonly sim: Simulation;
  readonly drafter: DrafterServer;
  /** The drafter's instances lent to pre-drafting, when the spec asks for it. */
  readonly predrafter?: DrafterServer;
  readonly link: NetworkLink;
  readonly router: TargetRouter;
  readonly acceptance?: AcceptanceModel;
  readonly oracle?: TokenOracle;
  /** Prompt tokens for oracle runs (otherwise zeros of the spec's length). */
  readonly prompt?: ArrayLike<number>;
  /** Jobs carry their whole token sequence (targets that cache prefixes need it). Defaults to false. */
  readonly jobTokens?: boolean;
  readonly onFinish: (r: RequestRecord) => void;
  /** Sees every commit. */
  readonly onCommit?: (c: CommitSeen) => void;
}

export class SessionDriver {
  private readonly spec: SessionSpec;
  private readonly ctx: SessionContext;
  private readonly orch: Orchestrator;
  private readonly jobs = new Map<string, { job: TargetJob; base: number; drafts: readonly DraftToken[] }>();
  private tokens = 0;
  /** Drafts per task sent and not cancelled yet (a cancel may name a task whose result is back). */
  private readonly draftsOf = new Map<string, number>();
  private sentDrafts = 0;
  private cancelledDrafts = 0;
  private committedDrafts = 0;
  private firstTokenAt = -1;
  private lastTokenAt = -1;
  private finished = false;
  /** The current round runs fused (`fusedRounds` only). */
  private roundFused: boolean;
  /**
   * The result being handled came from a fused round. The next round is decided before the result's
   * tokens are committed, so where those tokens are (at the target's side or on the drafter) is the
   * finished round's business, not `roundFused`'s.
   */
  private resultFused = false;
  /** Where the session's state machine is: at the target's side (fused) or on the drafter. */
  private atServer: boolean;
  private readonly maxDepth: number;
  private lastRttMs: number | undefined;
  /** A task of the session has been answered: with direct verification, its sequential tasks skip the batcher. */
  private answered = false;
  private lastStepMs: number | undefined;
  private decisions = 0;
  /** Prompt length: committed end = promptLen + tokens. */
  private readonly promptLen: number;
  private readonly tally = new AcceptanceTally();
  private declined = 0;
  private readonly predrafts: PredraftRunner | undefined;
  private readonly runnerUps: number;
  /**
   * The session's draft on its drafter, until it is done. The orchestrator asks for a new draft only
   * once the last one is done or dead (a rejection invalidated its context, or generation ended), so
   * one still here then is dead and is cancelled: DSI's rejection preempts the drafter too.
   */
  private draftJob: DraftJob | undefined;

  constructor(spec: SessionSpec, ctx: SessionContext) {
    this.spec = spec;
    this.ctx = ctx;
    const maxTasks = spec.mode === 'dsi' || spec.mode === 'auto' ? spec.maxTasks : 1;
    if (spec.mode === 'auto' && !spec.auto) throw new Error('an auto session needs its auto facts');
    this.maxDepth = (spec.maxWindow ?? spec.k) * maxTasks;
    this.roundFused = spec.fusedRounds === true && spec.k === 1;
    this.atServer = spec.execution === 'fused';
    const { nextWindow } = spec;
    // Per-round mode: the policy plans every round, the first too (with nothing measured yet), so a
    // session over a slow link can start fused instead of paying a distributed round first; its
    // window may be 0 (a plain step), which only `auto` orchestration runs.
    const perRound = spec.fusedRounds === true && nextWindow !== undefined && spec.mode === 'si';
    this.orch = new Orchestrator({
      mode: perRound ? 'auto' : spec.mode,
      k: spec.k,
      maxTasks,
      maxTokens: spec.outputTokens,
      prompt: ctx.prompt ?? new Uint8Array(spec.promptTokens),
      taskPrefix: `r${spec.id}.`,
      ...(spec.maxWindow !== undefined ? { maxDepth: this.maxDepth } : {}),
      ...(nextWindow && !perRound ? { nextWindow: (w: WindowStats) => this.decide(nextWindow, w) } : {}),
      ...(perRound ? { nextRound: (w: WindowStats) => this.planWindow(nextWindow, w) } : {}),
      ...(spec.mode === 'auto' ? { nextRound: () => this.planRound() } : {}),
      // Load-aware DSI (and auto, whose round plans count targets busy with the session's own work)
      // asks, as a cluster session does from heartbeats, how many targets would run a parallel task
      // at once before it issues one.
      ...((spec.mode === 'dsi' || spec.mode === 'auto') && spec.loadAware
        ? { parallelism: () => this.freeTargets() }
        : {}),
      // Load-aware DSI runs SI's rounds on a batching target other sessions share (core's option).
      ...(spec.mode === 'dsi' && spec.loadAware ? { sharedTarget: () => this.sharesTarget() } : {}),
      ...(spec.predraft ? { predraft: spec.predraft } : {}),
    });
    this.promptLen = ctx.prompt?.length ?? spec.promptTokens;
    this.runnerUps = predraftRunnerUps(spec.predraft);
    if (this.runnerUps > 0 && !(ctx.predrafter && ctx.oracle))
      throw new InternalError('pre-drafting needs a token oracle and pre-draft drafter instances');
    this.predrafts =
      this.runnerUps > 0
        ? new PredraftRunner(ctx.sim, ctx.predrafter!, spec.id, ctx.oracle!, this.runnerUps)
        : undefined;
  }

  /** `auto`: core's round choice over what the cluster would see now. */
  private planRound(): RoundPlan {
    const auto = this.spec.auto!;
    const k = this.orch.currentRound.k;
    const view = simRoundView(
      this.ctx.router,
      this.spec.id,
      this.tally.rate,
      auto,
      this.coldPositions(Math.max(1, k)),
    );
    return chooseRound(view, auto.choice);
  }

  /** Whether this session's target batches and serves other sessions now (their jobs in its last passes or waiting). */
  private sharesTarget(): boolean {
    const own = this.ctx.router.targetFor(this.spec.id);
    return own.batchCost !== undefined && own.sessions(this.spec.id) > 0;
  }

  /** Targets that would run a parallel task of this session at once, its own included. */
  private freeTargets(): number {
    const own = this.ctx.router.targetFor(this.spec.id);
    return 1 + this.ctx.router.freeFor(this.spec.id, this.coldPositions(this.spec.k), own, true).length;
  }

  /** Positions a task of `k` drafts makes a target evaluate that does not hold the session: all of it. */
  private coldPositions(k: number): number {
    return this.promptLen + this.tokens + k + 1;
  }

  /** Per-round mode: the policy's window as the next round's plan (one task; 0 a plain step). */
  private planWindow(nextWindow: NonNullable<SessionSpec['nextWindow']>, w: WindowStats): RoundPlan {
    const k = this.clampWindow(this.decide(nextWindow, w)) ?? this.orch.currentRound.k;
    return { k, sp: 1 };
  }

  /** Asks the policy for the next window and, with `fusedRounds`, where the round will run. */
  private decide(nextWindow: NonNullable<SessionSpec['nextWindow']>, w: WindowStats): number {
    const facts = this.spec.viewFacts;
    const decisions = this.decisions++;
    const next = nextWindow(w, {
      rttMs: this.lastRttMs,
      targetStepMs: this.lastStepMs,
      target: this.ctx.router.targetOf(this.spec.id),
      decisions,
      // Before the first round `currentRound` is the orchestrator's initial plan: report the spec's k.
      lastWindow: decisions === 0 ? this.spec.k : this.orch.currentRound.k,
      ...(facts
        ? {
            view: simRoundView(
              this.ctx.router,
              this.spec.id,
              this.tally.rate,
              facts,
              this.coldPositions(Math.max(1, this.orch.currentRound.k)),
            ),
          }
        : {}),
    });
    const window = this.clampWindow(next);
    if (this.spec.fusedRounds && window !== undefined) this.roundFused = window <= 1;
    return next;
  }

  /**
   * The orchestrator's reading of a policy's answer: rounded and clamped to [1, maxDepth] ([0, …] in
   * per-round mode, where 0 is a plain step); undefined for a non-number, which leaves the window as
   * it was.
   */
  private clampWindow(next: number): number | undefined {
    const r = Math.round(next);
    const min = this.spec.fusedRounds ? 0 : 1;
    return Number.isFinite(r) ? Math.max(min, Math.min(this.maxDepth, r)) : undefined;
  }

  start(): void {
    this.ctx.drafter.open();
    this.step(() => this.orch.start());
  }

  /** Runs one orchestrator step and its commands as one unit for the router. */
  private step(fn: () => OrchestratorCommand[]) {
    const { router } = this.ctx;
    router.hold();
    try {
      for (const c of fn()) this.execute(c);
    } finally {
      router.resume();
    }
  }

  private handle(event: OrchestratorEvent) {
    if (this.finished) return;
    this.step(() => this.orch.handle(event));
  }

  private fused(): boolean {
    return this.spec.execution === 'fused' || this.roundFused;
  }

  /**
   * `fusedRounds`: moves the session's state machine to the target's side (`toServer`) or to the
   * drafter, and returns the delay of that hand-over (0 when it is already there).
   */
  private moveTo(toServer: boolean): number {
    if (!this.spec.fusedRounds || this.atServer === toServer) return 0;
    this.atServer = toServer;
    return this.ctx.link.delay() + (this.spec.hopMs ?? 0);
  }

  /**
   * One-way delay of a round's message crossing `hops` broker hops: none when fused (draft and
   * verify share the server).
   */
  private roundDelay(hops: number): number {
    return this.fused() ? 0 : this.ctx.link.delay() + hops * (this.spec.hopMs ?? 0);
  }

  private later(delay: number, fn: () => void) {
    if (delay === 0) fn();
    else this.ctx.sim.after(delay, fn);
  }

  private execute(c: OrchestratorCommand) {
    switch (c.type) {
      case 'draft':
        return this.draft(c.epoch, c.pos, c.n);
      case 'verify':
        return this.verify(c.taskId, c.epoch, c.base, c.prefix, c.drafts, c.parallel);
      case 'cancel':
        for (const id of c.taskIds) {
          this.cancelledDrafts += this.draftsOf.get(id) ?? 0;
          this.draftsOf.delete(id);
          const entry = this.jobs.get(id);
          if (!entry) continue;
          this.jobs.delete(id);
          // The preempt message travels like any other, straight to the batcher and targets.
          const d = this.roundDelay(1);
          if (d === 0) this.ctx.router.cancel(entry.job);
          else this.ctx.sim.after(d, () => this.ctx.router.cancel(entry.job));
        }
        return;
      case 'commit': {
        const seenAt =
          this.ctx.sim.now +
          (this.spec.execution === 'fused' || this.resultFused || this.spec.cloudClient
            ? this.ctx.link.delay()
            : 0) +
          (this.spec.cloudClient ? (this.spec.hopMs ?? 0) : 0);
        const first = this.firstTokenAt < 0;
        if (first) this.firstTokenAt = seenAt;
        this.lastTokenAt = Math.max(this.lastTokenAt, seenAt);
        this.ctx.onCommit?.({
          requestId: this.spec.id,
          target: this.ctx.router.targetOf(this.spec.id)?.index ?? -1,
          at: this.ctx.sim.now,
          seenAt,
          tokens: c.tokens.length,
          arrivedAt: this.spec.arrivedAt,
          first,
        });
        this.tokens += c.tokens.length;
        for (const x of c.sources) this.committedDrafts += x;
        return;
      }
      case 'done':
        return this.finish();
      case 'predraft':
        return this.predrafts?.predraft(c.id, c.prefix, c.n, (e) => this.handle(e));
      case 'drop-predrafts':
        return this.predrafts?.drop(c.ids);
    }
  }

  private draft(epoch: number, pos: number, n: number) {
    const { oracle } = this.ctx;
    const tokens: DraftToken[] = oracle
      ? oracleDrafts(oracle, this.orch.context(pos), n, this.runnerUps)
      : Array.from({ length: n }, () => DRAFT);
    const done = () => this.handle({ type: 'drafted', epoch, pos, tokens });
    this.dropDraft();
    if (this.fused()) {
      // Charged to the target, the drafting happens in the verify job's batch (`verify`).
      const drafting = this.spec.fusedDraftCost === 'target' ? 0 : n * this.spec.fusedDraftMs;
      this.ctx.sim.after(this.moveTo(true) + drafting, done);
      return;
    }
    const onDrafter = () => {
      const job = this.ctx.drafter.draft(this.spec.id, n, () => {
        if (this.draftJob === job) this.draftJob = undefined;
        done();
      });
      if (job.state !== 'done') this.draftJob = job;
    };
    const handOver = this.moveTo(false);
    if (handOver === 0) onDrafter();
    else this.ctx.sim.after(handOver, onDrafter);
  }

  /** Cancels the session's draft in progress or queued on its drafter, if any (it is dead). */
  private dropDraft() {
    if (!this.draftJob) return;
    this.ctx.drafter.cancel(this.draftJob);
    this.draftJob = undefined;
  }

  private verify(
    taskId: string,
    epoch: number,
    base: number,
    prefix: Uint32Array,
    drafts: readonly DraftToken[],
    parallel: boolean,
  ) {
    const distributed = !this.fused();
    const loadAware = this.spec.loadAware === true && parallel;
    const serverDraftMs =
      !distributed && this.spec.fusedDraftCost === 'target' ? drafts.length * this.spec.fusedDraftMs : 0;
    // The whole sequence, for targets that cache prefixes (they charge the positions they lack).
    let tokens: Uint32Array | undefined;
    if (this.ctx.jobTokens) {
      tokens = new Uint32Array(prefix.length + drafts.length);
      tokens.set(prefix);
      for (let i = 0; i < drafts.length; i++) tokens[prefix.length + i] = drafts[i]!.token;
    }
    // The callbacks below outlive this step by a round trip: they keep the prefix's length, and the
    // prefix itself (a copy per task) only where an oracle reads it, so it dies young.
    const prefixLen = prefix.length;
    const oraclePrefix = this.ctx.oracle ? prefix : undefined;
    const job = newTargetJob(
      taskId,
      this.spec.id,
      drafts.length,
      this.spec.promptTokens,
      (j) => {
        this.ctx.router.done(j);
        const step = this.ctx.sim.now - j.startedAt;
        // The verifier publishes the result straight to the drafter: one hop.
        const down = this.roundDelay(1) + (distributed ? (this.spec.stepOverheadMs ?? 0) : 0);
        this.later(down, () => {
          this.answered = true;
          this.lastStepMs = step;
          this.resultFused = !distributed;
          if (distributed) this.lastRttMs = up + down;
          this.onVerified(taskId, epoch, base, oraclePrefix, drafts);
        });
      },
      tokens,
      serverDraftMs,
    );
    this.jobs.set(taskId, { job, base, drafts });
    this.sentDrafts += drafts.length;
    this.draftsOf.set(taskId, drafts.length);
    // Drafter → batcher → target, or straight to the target with direct verification: a sequential
    // task once the session holds a lease (an answer), a parallel one always (protocol 2.2).
    const up = this.roundDelay(this.spec.directVerify && (this.answered || parallel) ? 1 : 2);
    this.later(up, () => {
      if (job.state !== 'queued') return;
      const own = this.ctx.router.targetOf(this.spec.id);
      const onTarget = (t: TargetServer) => (t === own ? drafts.length + 1 : prefixLen + drafts.length);
      if (loadAware && this.ctx.router.submitParallel(job, onTarget)) return;
      if (!loadAware || !this.coveredElsewhere(taskId)) this.ctx.router.submit(job);
      else {
        // Declined at the batcher: the answer travels back like a result (never within this step).
        job.state = 'cancelled';
        this.ctx.sim.after(this.roundDelay(1), () => this.onDeclined(taskId));
      }
    });
  }

  /**
   * True when another live task of the session verifies the first position past its verified prefix,
   * so declining `taskId` leaves the session its progress.
   */
  private coveredElsewhere(taskId: string): boolean {
    const end = this.promptLen + this.tokens;
    for (const [id, e] of this.jobs)
      if (id !== taskId && e.job.state !== 'cancelled' && e.base <= end && end <= e.base + e.drafts.length)
        return true;
    return false;
  }

  private onDeclined(taskId: string) {
    if (!this.jobs.delete(taskId)) return; // cancelled meanwhile
    this.declined++;
    this.cancelledDrafts += this.draftsOf.get(taskId) ?? 0;
    this.draftsOf.delete(taskId);
    this.handle({ type: 'declined', taskId });
  }

  /** `prefix`: the task's prefix, in oracle runs only. */
  private onVerified(
    taskId: string,
    epoch: number,
    base: number,
    prefix: Uint32Array | undefined,
    drafts: readonly DraftToken[],
  ) {
    if (!this.jobs.delete(taskId)) return; // cancelled meanwhile
    const { oracle } = this.ctx;
    if (oracle && prefix) {
      const ctx = new Uint32Array(prefix.length + drafts.length);
      ctx.set(prefix);
      for (let i = 0; i < drafts.length; i++) ctx[prefix.length + i] = drafts[i]!.token;
      const argmax: number[] = [];
      for (let i = 0; i <= drafts.length; i++) argmax.push(oracle.target(ctx.subarray(0, prefix.length + i)));
      const verdict = verifyGreedy(
        drafts.map((d) => d.token),
        argmax,
      );
      this.tally.add(verdict.accepted, drafts.length);
      this.handle({ type: 'verified', taskId, ...verdict });
      return;
    }
    // Position by position: the draft at base + i is right with the model's probability for slot i.
    let accepted = 0;
    while (accepted < drafts.length && this.draftIsRight(base + accepted, epoch, accepted)) accepted++;
    const bonus = accepted === drafts.length;
    this.tally.add(accepted, drafts.length);
    // The target's token after the drafts equals what the drafter has (or will have) there when that
    // draft is right; the orchestrator compares them to keep DSI's later tasks.
    const token = bonus && this.draftIsRight(base + accepted, epoch, accepted) ? DRAFT_TOKEN : TARGET_TOKEN;
    this.handle({ type: 'verified', taskId, accepted, token, bonus });
  }

  private draftIsRight(pos: number, epoch: number, slot: number): boolean {
    // Per-round mode (SI) checks each position once, so the epoch adds nothing to the draw there.
    // Without it a draft is right or wrong whatever windows came before, so runs that differ only in
    // their windows share their luck (common random numbers), which comparing windows needs.
    const draw = this.spec.fusedRounds ? 0 : epoch;
    const key = HASH_KEY;
    key[0] = this.spec.id;
    key[1] = pos;
    key[2] = draw;
    const u = hashTokens(key, 3, 3, this.spec.seed) / 4294967296;
    return u < this.ctx.acceptance!.probability(slot);
  }

  private finish() {
    if (this.finished) return;
    this.finished = true;
    this.dropDraft();
    const { drafter, router } = this.ctx;
    drafter.close();
    drafter.forget(this.spec.id);
    this.predrafts?.close();
    router.release(this.spec.id);
    const s = this.orch.stats;
    this.ctx.onFinish({
      id: this.spec.id,
      drafter: drafter.index,
      promptTokens: this.spec.promptTokens,
      tokens: this.tokens,
      arrivedAt: this.spec.arrivedAt,
      firstTokenAt: this.firstTokenAt,
      lastTokenAt: this.lastTokenAt,
      drafted: s.drafted,
      acceptedDrafts: s.acceptedDrafts,
      verifiedDrafts: s.verifiedDrafts,
      tasks: s.tasks,
      cancelledTasks: s.cancelledTasks,
      uncancelledDrafts: this.sentDrafts - this.cancelledDrafts,
      committedDrafts: this.committedDrafts,
      ...(this.ctx.oracle ? { output: this.orch.output } : {}),
      ...(this.spec.mode === 'auto' ? { rounds: { ...this.orch.rounds } } : {}),
      ...(this.spec.loadAware ? { declinedTasks: this.declined } : {}),
      ...(this.predrafts && this.orch.predraftStats
        ? {
            predraft: {
              ...this.orch.predraftStats,
              busyMs: this.predrafts.busyMs,
              unusedMs: this.predrafts.unusedMs,
            },
          }
        : {}),
    });
  }
}
