/**
 * The orchestration state machine of one generation: non-speculative (non-SI), classic speculative
 * (SI) and distributed speculative inference (DSI), as one machine with a mode. No I/O, no clock:
 * `start()` and `handle(event)` return the commands to execute.
 *
 * - **non-SI**: one target step at a time, each yielding one token.
 * - **SI**: draft `k` tokens, verify them in one target step, commit `accepted + 1`, repeat. Drafting
 *   waits for verification.
 * - **DSI** (Timor et al.): drafting never waits. Every `k` drafted tokens a verification task goes
 *   to any free target, up to `maxTasks` in flight, each assuming the drafts before it are right.
 *   A task on the verified prefix is always in flight (with the drafts available, possibly none), so
 *   DSI is never slower than non-SI. Results are applied in prefix order; a rejection commits the
 *   corrected token, cancels every task and draft built on the rejected token, and restarts drafting
 *   from the corrected prefix (a new epoch). A fully accepted task whose successor is not in flight
 *   commits its bonus token too, and keeps the drafts after it when they agree with it.
 *
 * - **auto**: before each round, `nextRound` (core's `chooseRound` fed with the cluster's state)
 *   picks one of the three for it: `k = 0` is a plain step, `sp = 1` SI with window `k`, `sp > 1` DSI
 *   with `sp` tasks in flight and `k · sp` drafts ahead. Switching between rounds keeps every draft
 *   and task that is still valid, so any sequence of plans commits exactly the target's tokens.
 *
 * Pre-drafting (SSD, `predraft`): while tasks are in flight, idle drafter instances draft ahead for
 * the most likely rejections (position, and the drafter's runner-up token there); a rejection whose
 * outcome was pre-drafted extends the corrected prefix with those drafts at once, so its next tasks
 * go out without waiting for the drafter (see predraft-branches.ts). Any mode but non-SI.
 *
 * Load-aware DSI: a task issued while another of the session already covers the verified prefix is
 * marked `parallel`; the pool runs it only where it runs at once, or declines it (`declined`). A
 * declined task is dropped, not re-issued, and no more tasks than remain in flight are issued until
 * the next commit: the SP degree follows the capacity actually free. `parallelism()` tells DSI the
 * degree the pool offers up front; while it is 1 (and more targets were configured) DSI verifies full
 * windows as SI does, drafting ahead meanwhile, rather than spend a loaded target's pass on a prefix
 * task with whatever drafts exist. On a batching target that other sessions use (`sharedTarget()`),
 * DSI runs SI's rounds outright, with no drafting ahead and no parallel task (see that option).
 * Whatever the round, a verified prefix with no task on it while others are in flight (after a
 * decline) gets one, so no plan sequence can stall.
 *
 * Results may arrive out of order, twice, or after a cancel: unknown task ids and stale epochs are
 * ignored, so the commit stream is exactly the target's output.
 *
 * @example
 *   const o = new Orchestrator({ mode: 'si', k: 4, maxTasks: 1, maxTokens: 16, prompt: [1, 2, 3] });
 *   o.start();                    // → [{ type: 'draft', epoch: 0, pos: 3, n: 4 }]
 *   o.handle({ type: 'drafted', epoch: 0, pos: 3, tokens: [...] }); // → [{ type: 'verify', ... }]
 */
import { ConfigError } from '@specmesh/protocol';
import type { RoundPlan } from './auto/round-choice.js';
import type {
  DraftToken,
  FinishReason,
  OrchestrationMode,
  OrchestratorCommand,
  OrchestratorEvent,
} from './orchestration-types.js';
import { PredraftBranches, type PredraftOptions, type PredraftStats } from './predraft-branches.js';

export interface OrchestratorOptions {
  readonly mode: OrchestrationMode;
  /** Draft tokens per verification task (the window). Ignored by non-SI. */
  readonly k: number;
  /** Verification tasks in flight at most: the number of target instances. Defaults to 1. */
  readonly maxTasks?: number;
  /**
   * Drafted tokens ahead of the verified prefix at most (DSI). Defaults to `k * maxTasks`, twice that
   * with pre-drafting.
   */
  readonly maxDepth?: number;
  /** Output tokens to generate at most. */
  readonly maxTokens: number;
  /** End-of-sequence token: generation stops after committing it. */
  readonly eosId?: number;
  /** Prompt token ids. */
  readonly prompt: ArrayLike<number>;
  /** Task id prefix, unique per session. Defaults to `t`. */
  readonly taskPrefix?: string;
  /** Chooses `k` before each new draft round; defaults to the fixed `k`. */
  readonly nextWindow?: (stats: WindowStats) => number;
  /**
   * `auto` mode: the plan of the next round (window and SP degree), asked at the start and after each
   * commit or decline. Required by `auto`, ignored by the other modes. `sp` is capped by `maxTasks`.
   */
  readonly nextRound?: (stats: WindowStats) => RoundPlan;
  /**
   * DSI: tasks the pool can run at once for this session now (from heartbeats), asked before a
   * parallel task is issued. Defaults to `maxTasks`.
   */
  readonly parallelism?: () => number;
  /**
   * DSI: whether the session's target batches and runs other sessions' steps now (from heartbeats),
   * asked at each round boundary (the start, a commit, a decline). A batching target's pass costs
   * about the same whatever it holds below its knee, and the sessions sharing it go in step: each
   * drafts, sends, and meets the others in one pass. A DSI session that drafts ahead or sends a
   * parallel task comes back out of step with them (at once after an accepted window, a draft later
   * after a rejection), so passes carry fewer sessions and each waits more of them: SI beat DSI by
   * about 10% at 4 sessions on 2 targets (docs/benchmarks/load.md). So while the target is shared, a
   * DSI round is SI's; DSI's own rounds come back once the target has shown no other session at
   * {@link ALONE_ROUNDS} round boundaries in a row (a burst of new sessions all see an idle target at
   * their start, and a session that just ended stays in a verifier's report for about a round).
   * Absent: DSI never falls back.
   */
  readonly sharedTarget?: () => boolean;
  /**
   * Pre-drafting (SSD): while tasks are in flight, idle drafter instances draft continuations of the
   * most likely rejections (`predraft` commands); a rejection that matches one finds its next drafts
   * ready. Needs the drafter's runner-ups on the drafts (`DraftToken.alternatives`, or `dist`).
   */
  readonly predraft?: PredraftOptions;
}

/** Options that stay optional after defaults are applied. */
type OptionalHooks = 'eosId' | 'nextWindow' | 'nextRound' | 'parallelism' | 'sharedTarget' | 'predraft';

/** Round boundaries in a row at which a DSI session's target must show no other session before DSI runs its own rounds there. */
export const ALONE_ROUNDS = 2;

/** What a window policy learns from the orchestrator. */
export interface WindowStats {
  /** Drafts accepted in the last verification, and how many it checked. */
  readonly lastAccepted: number;
  readonly lastLength: number;
  /** The window used last. */
  readonly lastWindow: number;
  /** Exponential moving average of the per-draft acceptance (alpha 0.3). */
  readonly acceptance: number;
  /** Output tokens committed so far. */
  readonly committed: number;
}

interface Task {
  readonly id: string;
  readonly epoch: number;
  readonly base: number;
  readonly drafts: readonly DraftToken[];
}

interface Result {
  readonly accepted: number;
  readonly token: number;
}

/** Counters for tests, benchmarks and metrics. */
export interface OrchestratorStats {
  tasks: number;
  cancelledTasks: number;
  drafted: number;
  acceptedDrafts: number;
  verifiedDrafts: number;
  rejections: number;
  staleEvents: number;
  /** Parallel tasks the pool declined (no target free to run them at once). */
  declinedTasks: number;
}

export class Orchestrator {
  readonly mode: OrchestrationMode;
  readonly stats: OrchestratorStats = {
    tasks: 0,
    cancelledTasks: 0,
    drafted: 0,
    acceptedDrafts: 0,
    verifiedDrafts: 0,
    rejections: 0,
    staleEvents: 0,
    declinedTasks: 0,
  };
  private readonly opts: Required<Omit<OrchestratorOptions, OptionalHooks>> &
    Pick<OrchestratorOptions, OptionalHooks>;
  /** Pre-drafted branches (SSD), when pre-drafting is on. */
  private readonly predraft: PredraftBranches | undefined;
  private readonly promptLen: number;
  /** Prompt, committed output, then speculative drafts. */
  private seq: number[];
  /** Draft information of `seq[committedEnd …]`. */
  private spec: DraftToken[] = [];
  private committedEnd: number;
  private epoch = 0;
  /**
   * The draft in progress, if any; `predraft` when it is the request of a pre-drafted branch a
   * rejection matched while it was still running (its tokens come as a `predrafted` event).
   */
  private drafting: { epoch: number; pos: number; predraft?: string } | undefined;
  private readonly tasks = new Map<string, Task>();
  private readonly results = new Map<string, Result>();
  private taskSeq = 0;
  private finished: FinishReason | undefined;
  private window: number;
  private windowStats: WindowStats;
  /** `auto`: this round's plan. */
  private round: RoundPlan = { k: 0, sp: 1 };
  /** DSI with `sharedTarget`: round boundaries in a row at which the target showed no other session. */
  private aloneRounds = 0;
  /** Tasks in flight allowed until the next commit, after the pool declined one (load-aware DSI). */
  private spCap = Number.POSITIVE_INFINITY;
  /** Counts of `auto` rounds by what they ran, for tests and metrics. */
  readonly rounds = { nonsi: 0, si: 0, dsi: 0 };

  constructor(options: OrchestratorOptions) {
    const maxTasks = options.maxTasks ?? 1;
    if (!['nonsi', 'si', 'dsi', 'auto'].includes(options.mode))
      throw new ConfigError(`unknown mode ${options.mode}`);
    if (options.mode === 'auto' && !options.nextRound)
      throw new ConfigError('mode auto needs a nextRound plan');
    if (!Number.isInteger(options.k) || options.k < 1 || options.k > 64)
      throw new ConfigError(`k must be 1..64, got ${options.k}`);
    if (!Number.isInteger(maxTasks) || maxTasks < 1)
      throw new ConfigError(`maxTasks must be >= 1, got ${maxTasks}`);
    if (!Number.isInteger(options.maxTokens) || options.maxTokens < 1) {
      throw new ConfigError(`maxTokens must be >= 1, got ${options.maxTokens}`);
    }
    // Pre-drafting: a matched branch fills a whole speculation depth at once; twice the depth leaves the
    // main drafter room to keep drafting beyond it while the branch's tasks run.
    const predrafting = (options.predraft?.drafters ?? 0) > 0;
    const maxDepth = options.maxDepth ?? options.k * maxTasks * (predrafting ? 2 : 1);
    if (!Number.isInteger(maxDepth) || maxDepth < options.k)
      throw new ConfigError(`maxDepth must be >= k, got ${maxDepth}`);
    this.opts = { ...options, maxTasks, maxDepth, taskPrefix: options.taskPrefix ?? 't' };
    const pd = options.predraft;
    if (pd && (!Number.isInteger(pd.drafters) || pd.drafters < 0))
      throw new ConfigError(`predraft.drafters must be an integer >= 0, got ${pd.drafters}`);
    if (pd && pd.drafters > 0) this.predraft = new PredraftBranches(pd, `${this.opts.taskPrefix}p`);
    this.mode = options.mode;
    this.seq = Array.from(options.prompt);
    this.promptLen = this.seq.length;
    this.committedEnd = this.promptLen;
    this.window = options.k;
    this.windowStats = { lastAccepted: 0, lastLength: 0, lastWindow: options.k, acceptance: 1, committed: 0 };
  }

  /** Output committed so far. */
  get output(): number[] {
    return this.seq.slice(this.promptLen, this.committedEnd);
  }

  /** Why generation ended, once it has. */
  get finishReason(): FinishReason | undefined {
    return this.finished;
  }

  /** Tokens `[0, end)` of the current sequence (prompt, committed, drafts): the drafter's context. */
  context(end: number): Uint32Array {
    return Uint32Array.from(this.seq.slice(0, end));
  }

  /** Pre-drafting counters, when pre-drafting is on. */
  get predraftStats(): PredraftStats | undefined {
    return this.predraft?.stats;
  }

  /** Task ids in flight. */
  get inflight(): string[] {
    return [...this.tasks.keys()];
  }

  start(): OrchestratorCommand[] {
    const out: OrchestratorCommand[] = [];
    this.replan();
    this.plan(out);
    return out;
  }

  /** The plan of the current round (`auto`), or what the fixed mode runs. */
  get currentRound(): RoundPlan {
    if (this.mode === 'auto') return this.round;
    return { k: this.mode === 'nonsi' ? 0 : this.window, sp: this.mode === 'dsi' ? this.opts.maxTasks : 1 };
  }

  /** A round boundary (start, a commit, a decline): `auto` asks for the next round's plan. */
  private replan() {
    if (this.mode === 'dsi' && this.opts.sharedTarget) {
      this.aloneRounds = this.opts.sharedTarget() ? 0 : this.aloneRounds + 1;
    }
    if (this.mode !== 'auto') return;
    const p = this.opts.nextRound!(this.windowStats);
    const k = Math.max(0, Math.min(64, Math.round(Number.isFinite(p.k) ? p.k : 0)));
    const sp = Math.max(1, Math.min(this.opts.maxTasks, Math.round(Number.isFinite(p.sp) ? p.sp : 1)));
    this.round = { k, sp: k === 0 ? 1 : sp };
    this.rounds[k === 0 ? 'nonsi' : this.round.sp === 1 ? 'si' : 'dsi']++;
  }

  handle(event: OrchestratorEvent): OrchestratorCommand[] {
    const out: OrchestratorCommand[] = [];
    if (this.finished) {
      this.stats.staleEvents++;
      return out;
    }
    switch (event.type) {
      case 'cancelled':
        this.finish('cancelled', out);
        return out;
      case 'drafted':
        this.onDrafted(event.epoch, event.pos, event.tokens);
        break;
      case 'predrafted':
        if (this.drafting?.predraft !== undefined && this.drafting.predraft === event.id) {
          // A taken branch's request, standing for the main drafter's draft: taken as that draft
          // (positions committed since must agree with it).
          this.predraft!.settle(event.id, event.tokens, out);
          this.predraft!.recordUsed(this.onDrafted(this.drafting.epoch, this.drafting.pos, event.tokens));
        } else if (!this.predraft?.onPredrafted(event.id, event.tokens, this.opts.eosId)) {
          this.stats.staleEvents++;
        }
        break;
      case 'verified': {
        const task = this.tasks.get(event.taskId);
        if (!task || this.results.has(event.taskId)) {
          this.stats.staleEvents++;
          return out;
        }
        const accepted = Math.max(0, Math.min(event.accepted, task.drafts.length));
        this.results.set(event.taskId, { accepted, token: event.token });
        const before = this.committedEnd;
        this.applyResults(out);
        if (this.committedEnd !== before && !this.finished) {
          this.spCap = Number.POSITIVE_INFINITY;
          this.replan();
        }
        break;
      }
      case 'declined': {
        const task = this.tasks.get(event.taskId);
        if (!task || this.results.has(event.taskId)) {
          this.stats.staleEvents++;
          return out;
        }
        this.tasks.delete(task.id);
        this.stats.declinedTasks++;
        this.spCap = Math.max(1, this.tasks.size);
        this.replan();
        break;
      }
      case 'failed':
      case 'timeout': {
        const task = this.tasks.get(event.taskId);
        if (!task || this.results.has(event.taskId)) {
          this.stats.staleEvents++;
          return out;
        }
        // Re-issue the same verification under a new id; the old one is dead to us.
        this.tasks.delete(task.id);
        out.push({ type: 'cancel', taskIds: [task.id] });
        this.issue(task.base, task.drafts, out);
        break;
      }
    }
    if (!this.finished) this.plan(out);
    return out;
  }

  /** A draft arrived; returns how many of its tokens extend the speculation. */
  private onDrafted(epoch: number, pos: number, tokens: readonly DraftToken[]): number {
    const d = this.drafting;
    if (!d || d.epoch !== epoch || d.pos !== pos) {
      this.stats.staleEvents++;
      return 0;
    }
    this.drafting = undefined;
    // The draft was made from `seq[0, pos)`, which is still valid (see commitAndReset). Positions the
    // target has filled since must agree with the draft; the rest extends the speculation.
    const known = this.seq.length - pos;
    for (let i = 0; i < Math.min(known, tokens.length); i++) {
      if (tokens[i]!.token !== this.seq[pos + i]) {
        this.stats.staleEvents++;
        return 0;
      }
    }
    return this.extendSpec(tokens.slice(Math.max(0, known)));
  }

  /** Appends drafts to the speculation, as many as there is room for; returns how many. */
  private extendSpec(tokens: readonly DraftToken[]): number {
    const room = this.specRoom();
    let added = 0;
    for (const t of tokens.slice(0, Math.max(0, room))) {
      this.seq.push(t.token);
      this.spec.push(t);
      this.stats.drafted++;
      added++;
      // Nothing is drafted past an end-of-sequence draft.
      if (t.token === this.opts.eosId) break;
    }
    return added;
  }

  /** How many more draft tokens may be added now. */
  private specRoom(): number {
    const outputSoFar = this.seq.length - this.promptLen;
    const byTokens = this.opts.maxTokens - outputSoFar;
    const byDepth = this.maxDepthNow() - this.spec.length;
    return Math.min(byTokens, byDepth);
  }

  private specEndsInEos(): boolean {
    return this.spec.length > 0 && this.spec[this.spec.length - 1]!.token === this.opts.eosId;
  }

  /** Drafts ahead of the verified prefix allowed now. */
  private maxDepthNow(): number {
    if (this.mode !== 'auto') return this.opts.maxDepth;
    return Math.max(1, this.round.k) * this.round.sp;
  }

  /**
   * Tasks in flight allowed now (DSI): the SP degree the plan and the pool allow. The pool's offer
   * counts the targets free for one more task; those already running this session's tasks are busy
   * with them, not taken from it, so the offer never falls below what is in flight.
   */
  private maxTasksNow(): number {
    const planned = this.mode === 'auto' ? this.round.sp : this.opts.maxTasks;
    const offered = this.opts.parallelism
      ? Math.max(1, Math.floor(this.opts.parallelism()), this.tasks.size)
      : planned;
    return Math.max(1, Math.min(planned, offered, this.spCap));
  }

  /** What runs this round: the fixed mode (DSI as SI on a shared target), or the auto plan's. */
  private roundMode(): 'nonsi' | 'si' | 'dsi' {
    if (this.mode === 'dsi' && this.opts.sharedTarget && this.aloneRounds < ALONE_ROUNDS) return 'si';
    if (this.mode !== 'auto') return this.mode;
    return this.round.k === 0 ? 'nonsi' : this.round.sp === 1 ? 'si' : 'dsi';
  }

  /** Decides what to draft, verify and pre-draft next. */
  private plan(out: OrchestratorCommand[]) {
    if (this.finished) return;
    this.planTasks(out);
    if (this.predraft && this.roundMode() !== 'nonsi') {
      const k = this.mode === 'auto' ? this.round.k : this.window;
      const depth = this.maxDepthNow();
      this.predraft.plan(
        {
          epoch: this.epoch,
          committedEnd: this.committedEnd,
          seq: this.seq,
          spec: this.spec,
          coveredEnd: this.coveredEnd(),
          // Adopted after the corrected token at `pos`: the speculation's depth, and maxTokens.
          maxLength: (pos) => Math.min(depth, this.opts.maxTokens - (pos + 1 - this.promptLen)),
          draftsBeforeVerdict: (pos) => depth - (this.seq.length - this.firstVerdictEnd(pos)),
          acceptance: (this.stats.acceptedDrafts + 1) / (this.stats.verifiedDrafts + 2),
          chunk: Math.max(1, k),
        },
        this.tasks.size > 0,
        out,
      );
    }
  }

  /** Decides what to draft and verify next. */
  private planTasks(out: OrchestratorCommand[]) {
    const mode = this.roundMode();
    const k = this.mode === 'auto' ? this.round.k : this.window;
    const covered0 = [...this.tasks.values()].some((t) => Orchestrator.covers(t, this.committedEnd));
    // Tasks in flight past a gap at the verified prefix (a parallel task before them was declined, or
    // the round changed under them): their verdicts wait for the prefix, so it gets its task whatever
    // the round, or nothing would move.
    if (!covered0 && this.tasks.size > 0) {
      this.issue(this.committedEnd, mode === 'nonsi' ? [] : this.spec.slice(0, k), out);
      if (mode !== 'dsi') return;
    }
    if (mode === 'nonsi') {
      if (this.tasks.size === 0) this.issue(this.committedEnd, [], out);
      return;
    }
    if (mode === 'si') {
      if (this.tasks.size > 0) return; // SI: drafting waits for verification
      const room = this.specRoom();
      if (this.spec.length >= k || room <= 0 || this.specEndsInEos()) {
        this.issue(this.committedEnd, this.spec.slice(0, k), out);
      } else if (!this.drafting) {
        this.draft(Math.min(k - this.spec.length, room), out);
      }
      return;
    }
    // DSI wanting parallelism the pool cannot give now (SP degree down to 1): full windows as SI
    // verifies them, drafting ahead meanwhile. A prefix task with whatever drafts exist, alternating
    // with full windows, would spend a round (a loaded target's pass) on one token.
    if (this.opts.maxTasks > 1 && this.maxTasksNow() <= 1) {
      const room = this.specRoom();
      if (this.tasks.size === 0 && (this.spec.length >= k || room <= 0 || this.specEndsInEos())) {
        this.issue(this.committedEnd, this.spec.slice(0, k), out);
      }
      // Drafts come in windows here (nothing parallel waits for single ones): one call per window.
      if (!this.drafting && !this.specEndsInEos() && room > 0)
        this.draft(Math.min(room, k - (this.spec.length % k)), out);
      return;
    }
    // DSI: keep a task on the verified prefix, then one per full chunk, then keep drafting. The task
    // on the verified prefix is never held back by the SP degree: it is what makes DSI never slower
    // than non-SI.
    if (this.tasks.size === 0) this.issue(this.committedEnd, this.spec.slice(0, k), out);
    let covered = this.coveredEnd();
    while (this.tasks.size < this.maxTasksNow()) {
      const available = this.seq.length - covered;
      const last = this.specEndsInEos() || this.specRoom() <= 0;
      if (available >= k || (available > 0 && last && !this.drafting)) {
        const from = covered - this.committedEnd;
        this.issue(covered, this.spec.slice(from, from + k), out);
        covered = this.coveredEnd();
      } else {
        break;
      }
    }
    // One token per draft command: drafts become available as they are made, so a task issued at
    // any moment takes every draft that exists (chunked drafting would hand them over in bursts).
    if (!this.drafting && !this.specEndsInEos() && this.specRoom() > 0) this.draft(1, out);
  }

  /** Where the drafts of the first task in flight that verifies `pos` end (`pos` when none does). */
  private firstVerdictEnd(pos: number): number {
    let first: Task | undefined;
    for (const t of this.tasks.values())
      if (Orchestrator.covers(t, pos) && (!first || t.base < first.base)) first = t;
    return first ? first.base + first.drafts.length : pos;
  }

  /** End of the furthest position any in-flight task verifies. */
  private coveredEnd(): number {
    let end = this.committedEnd;
    for (const t of this.tasks.values()) end = Math.max(end, t.base + t.drafts.length);
    return end;
  }

  private draft(n: number, out: OrchestratorCommand[]) {
    if (n <= 0) return;
    this.drafting = { epoch: this.epoch, pos: this.seq.length };
    out.push({ type: 'draft', epoch: this.epoch, pos: this.seq.length, n });
  }

  private issue(base: number, drafts: readonly DraftToken[], out: OrchestratorCommand[]) {
    // Optional (declinable) only while another task already covers the verified prefix: the task
    // that does is what keeps the session moving.
    const parallel = [...this.tasks.values()].some((t) => Orchestrator.covers(t, this.committedEnd));
    const task: Task = { id: `${this.opts.taskPrefix}${this.taskSeq++}`, epoch: this.epoch, base, drafts };
    this.tasks.set(task.id, task);
    this.stats.tasks++;
    out.push({
      type: 'verify',
      taskId: task.id,
      epoch: this.epoch,
      base,
      prefix: Uint32Array.from(this.seq.slice(0, base)),
      drafts,
      parallel,
    });
  }

  /** True when task `t` verifies position `pos` (a draft there, or its bonus right after its drafts). */
  private static covers(t: Task, pos: number): boolean {
    return t.base <= pos && pos <= t.base + t.drafts.length;
  }

  /**
   * Applies finished tasks in prefix order. A task that started before the verified prefix still
   * counts for the positions after it: its drafts up to the prefix end are the committed tokens
   * themselves (tasks die with their epoch), so its verdict on the later positions holds.
   */
  private applyResults(out: OrchestratorCommand[]) {
    for (;;) {
      if (this.finished) return;
      this.dropTasksBehind(out);
      const pos = this.committedEnd;
      let task: Task | undefined;
      for (const t of this.tasks.values()) {
        if (!this.results.has(t.id) || !Orchestrator.covers(t, pos)) continue;
        if (!task || t.base + t.drafts.length > task.base + task.drafts.length) task = t;
      }
      if (!task) return;
      const r = this.results.get(task.id)!;
      this.tasks.delete(task.id);
      this.results.delete(task.id);
      const offset = pos - task.base;
      if (r.accepted < offset) {
        // Only possible under sampling: this task rejected a token another task's draw committed.
        // Its later verdicts rest on a different prefix, so it is discarded.
        this.stats.staleEvents++;
        continue;
      }
      const checked = task.drafts.length - offset;
      this.stats.verifiedDrafts += checked;
      this.stats.acceptedDrafts += r.accepted - offset;
      this.observeWindow(r.accepted - offset, checked);
      const tokens = task.drafts.slice(offset, r.accepted).map((d) => d.token);
      const sources = tokens.map(() => 1);
      if (r.accepted < task.drafts.length) {
        // Rejection: the corrected token replaces the rejected draft; everything after it is dead.
        this.stats.rejections++;
        this.commitAndReset(tokens, sources, r.token, out, r.accepted);
        continue;
      }
      // All drafts accepted: they are confirmed as they stand in the sequence.
      this.confirm(tokens.length);
      if (this.commitOut(tokens, sources, out)) return;
      // Another finished task covering the next position takes over. One still running does not hold
      // the bonus back: the target's word for that position is known now, and the running task stays
      // useful (for the positions after) only if its draft there agrees with it.
      const cur = this.committedEnd;
      if ([...this.tasks.values()].some((t) => this.results.has(t.id) && Orchestrator.covers(t, cur)))
        continue;
      const next = this.spec[0];
      if (next && next.token === r.token) {
        this.confirm(1);
        if (this.commitOut([r.token], [0], out)) return;
      } else {
        if (next) this.stats.rejections++;
        this.commitAndReset([], [], r.token, out, next ? task.drafts.length : undefined);
      }
    }
  }

  /** Cancels tasks that only verify positions already committed. */
  private dropTasksBehind(out: OrchestratorCommand[]) {
    const dead: string[] = [];
    for (const t of this.tasks.values()) {
      if (t.base + t.drafts.length < this.committedEnd) dead.push(t.id);
    }
    if (dead.length === 0) return;
    for (const id of dead) {
      this.tasks.delete(id);
      this.results.delete(id);
    }
    this.stats.cancelledTasks += dead.length;
    out.push({ type: 'cancel', taskIds: dead });
  }

  /** Moves `n` drafted tokens from speculative to committed (they already sit in `seq`). */
  private confirm(n: number) {
    this.committedEnd += n;
    this.spec.splice(0, n);
  }

  /** Commits `tokens` (already confirmed) and checks the stopping rules; true when generation ended. */
  private commitOut(tokens: number[], sources: number[], out: OrchestratorCommand[]): boolean {
    if (tokens.length === 0) return false;
    return this.emitCommit(tokens, sources, out);
  }

  /**
   * Commits accepted drafts plus a target token that replaces whatever was drafted after them. `slot`
   * (a rejection: the rejected draft's place in its task) looks for a pre-drafted branch of exactly
   * this outcome, whose drafts then extend the corrected prefix at once.
   */
  private commitAndReset(
    tokens: number[],
    sources: number[],
    token: number,
    out: OrchestratorCommand[],
    slot?: number,
  ) {
    this.confirm(tokens.length);
    const branch =
      slot !== undefined ? this.predraft?.take(this.epoch, this.committedEnd, token, slot) : undefined;
    // Drop every speculative token and every task built on them.
    this.seq.length = this.committedEnd;
    this.spec = [];
    this.epoch++;
    // A draft in progress from inside the committed prefix is still good: its context is unchanged.
    // One that started from a speculative position is dead.
    if (this.drafting && this.drafting.pos > this.committedEnd) this.dropDrafting(out);
    const dead = [...this.tasks.keys()];
    for (const id of dead) this.results.delete(id);
    this.tasks.clear();
    if (dead.length > 0) {
      this.stats.cancelledTasks += dead.length;
      out.push({ type: 'cancel', taskIds: dead });
    }
    this.seq.push(token);
    this.committedEnd++;
    if (this.emitCommit([...tokens, token], [...sources, 0], out)) {
      if (branch?.pending !== undefined) this.predraft!.settle(branch.pending, undefined, out);
      return;
    }
    if (!branch) return;
    const used = this.extendSpec(branch.tokens);
    this.predraft!.recordUsed(used);
    // The branch's request still running drafts what comes next, and started before the main drafter
    // could: it stands for the main drafter's next draft (unless that one is drafting from inside
    // the committed prefix, or the branch's drafts did not all fit).
    let adopted = false;
    if (branch.pending !== undefined) {
      adopted = !this.drafting && used === branch.tokens.length && !this.specEndsInEos();
      if (adopted) this.drafting = { epoch: this.epoch, pos: this.seq.length, predraft: branch.pending };
      else this.predraft!.settle(branch.pending, undefined, out);
    }
    if (used > 0 || adopted) this.predraft!.recordHit(slot!);
  }

  /** Forgets the draft in progress; a pre-draft request standing for it is stopped. */
  private dropDrafting(out: OrchestratorCommand[]) {
    if (this.drafting?.predraft !== undefined) this.predraft!.settle(this.drafting.predraft, undefined, out);
    this.drafting = undefined;
  }

  /** Emits a commit, truncated at EOS or at maxTokens, and finishes when either is reached. */
  private emitCommit(tokens: number[], sources: number[], out: OrchestratorCommand[]): boolean {
    const before = this.committedEnd - this.promptLen - tokens.length;
    let n = Math.min(tokens.length, this.opts.maxTokens - before);
    let reason: FinishReason | undefined =
      before + tokens.length >= this.opts.maxTokens ? 'length' : undefined;
    const eos = this.opts.eosId === undefined ? -1 : tokens.indexOf(this.opts.eosId);
    if (eos >= 0 && eos < n) {
      n = eos + 1;
      reason = 'stop';
    }
    if (n < tokens.length) {
      // Tokens past the end were confirmed in seq; take them back.
      this.committedEnd -= tokens.length - n;
      this.seq.length = this.committedEnd;
      this.spec = [];
    }
    if (n > 0) out.push({ type: 'commit', tokens: tokens.slice(0, n), sources: sources.slice(0, n) });
    this.windowStats = { ...this.windowStats, committed: this.committedEnd - this.promptLen };
    if (reason) {
      this.finish(reason, out);
      return true;
    }
    return false;
  }

  private finish(reason: FinishReason, out: OrchestratorCommand[]) {
    this.finished = reason;
    this.predraft?.dropAll(out);
    const live = [...this.tasks.keys()];
    this.tasks.clear();
    this.results.clear();
    this.dropDrafting(out);
    if (live.length > 0) {
      this.stats.cancelledTasks += live.length;
      out.push({ type: 'cancel', taskIds: live });
    }
    out.push({ type: 'done', reason });
  }

  private observeWindow(accepted: number, length: number) {
    if (length === 0 || (!this.opts.nextWindow && this.mode !== 'auto')) return;
    const rate = accepted / length;
    const s = this.windowStats;
    this.windowStats = {
      lastAccepted: accepted,
      lastLength: length,
      lastWindow: this.mode === 'auto' ? this.round.k : this.window,
      acceptance: 0.7 * s.acceptance + 0.3 * rate,
      committed: s.committed,
    };
    if (!this.opts.nextWindow) return;
    const next = Math.round(this.opts.nextWindow(this.windowStats));
    this.window = Math.max(1, Math.min(this.opts.maxDepth, Number.isFinite(next) ? next : this.window));
  }
}
