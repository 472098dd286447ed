/**
 * Test driver: executes an orchestrator's commands with a model that gives full distributions, in an
 * order chosen by a seeded shuffler (results out of order, duplicated, late after a cancel), so that
 * the tests exercise every interleaving the real cluster can produce.
 */

import type {
  DraftAlternative,
  DraftToken,
  OrchestratorCommand,
  OrchestratorEvent,
} from '../src/orchestration-types.js';
import { Orchestrator, type OrchestratorOptions } from '../src/orchestrator.js';
import { Rng } from '../src/rng.js';
import { argmax, processDistribution, type SamplingParams, sample } from '../src/sampling.js';
import { verifyGreedy, verifyRejection } from '../src/verification.js';

/** Full next-token probabilities (shape `[V]`) of a target and a drafter. */
export interface DistModel {
  target(ctx: readonly number[]): Float32Array;
  draft(ctx: readonly number[]): Float32Array;
}

export interface DriveOptions extends OrchestratorOptions {
  readonly model: DistModel;
  readonly sampling: SamplingParams;
  readonly seed: number;
  /** Deliver pending events in random order. Defaults to true. */
  readonly shuffle?: boolean;
  /** Probability of delivering a verification result twice. Defaults to 0. */
  readonly duplicateRate?: number;
  /** Keep delivering results of cancelled tasks. Defaults to true. */
  readonly lateResults?: boolean;
  /** Probability that the pool declines a parallel task (load-aware DSI). Defaults to 0. */
  readonly declineRate?: number;
  /**
   * Pre-drafting: probability that a pre-draft request fails (answers with no tokens, as a drafter
   * that died), and that a greedy draft's runner-ups are random tokens instead of the drafter's
   * (branches that miss). Defaults to 0.
   */
  readonly predraftFailure?: number;
  readonly randomRunnerUps?: number;
  /** Sees every verification sent (to check where its drafts come from). */
  readonly onVerify?: (prefix: readonly number[], drafts: readonly DraftToken[]) => void;
}

/** The drafter's `m` most likely tokens after `skip`, with their probabilities. */
function runnerUps(probs: Float32Array, skip: number, m: number): DraftAlternative[] {
  const order = Array.from(probs.keys())
    .filter((t) => t !== skip && probs[t]! > 0)
    .sort((x, y) => probs[y]! - probs[x]! || x - y);
  return order.slice(0, m).map((token) => ({ token, prob: probs[token]! }));
}

export interface DriveResult {
  tokens: number[];
  orch: Orchestrator;
  sources: number[];
  /** Most pre-draft requests running at once (asked, neither answered nor dropped). */
  maxPredraftsRunning: number;
}

export function drive(o: DriveOptions): DriveResult {
  const orch = new Orchestrator(o);
  const rng = new Rng(o.seed);
  const pending: OrchestratorEvent[] = [];
  const tokens: number[] = [];
  const sources: number[] = [];
  let done = false;
  const greedy = o.sampling.temperature === 0;
  const m = o.predraft?.alternatives ?? 2;
  /** Drafts `n` tokens after `ctx`, which they extend. */
  const draftAfter = (ctx: number[], n: number): DraftToken[] => {
    const drafted: DraftToken[] = [];
    for (let i = 0; i < n; i++) {
      const probs = o.model.draft(ctx);
      const dist = processDistribution(probs, o.sampling);
      const token = greedy ? dist.tokens[0]! : sample(dist, rng);
      // Greedy drafts carry the drafter's runner-ups (sampled ones have them in `dist`), or random
      // tokens as runner-ups that mostly miss.
      if (!greedy || !o.predraft) drafted.push({ token, dist });
      else if (rng.float() < (o.randomRunnerUps ?? 0)) {
        const V = probs.length;
        const alternatives = Array.from({ length: m }, () => ({
          token: Math.floor(rng.float() * V),
          prob: rng.float(),
        }));
        drafted.push({ token, dist, alternatives });
      } else drafted.push({ token, dist, alternatives: runnerUps(probs, token, m) });
      ctx.push(token);
    }
    return drafted;
  };
  const running = new Set<string>();
  let maxPredraftsRunning = 0;
  /** Results that never come (`lateResults: false`): the pending events `dead` picks. */
  const dropPending = (dead: (e: OrchestratorEvent) => boolean) => {
    for (let i = pending.length - 1; i >= 0; i--) if (dead(pending[i]!)) pending.splice(i, 1);
  };
  const exec = (cmds: OrchestratorCommand[]) => {
    for (const c of cmds) {
      if (c.type === 'draft') {
        const drafted = draftAfter(Array.from(orch.context(c.pos)), c.n);
        pending.push({ type: 'drafted', epoch: c.epoch, pos: c.pos, tokens: drafted });
      } else if (c.type === 'predraft') {
        running.add(c.id);
        maxPredraftsRunning = Math.max(maxPredraftsRunning, running.size);
        const failed = rng.float() < (o.predraftFailure ?? 0);
        const drafted = failed ? [] : draftAfter(Array.from(c.prefix), c.n);
        pending.push({ type: 'predrafted', id: c.id, tokens: drafted });
      } else if (c.type === 'drop-predrafts') {
        const ids = new Set(c.ids);
        for (const id of ids) running.delete(id);
        if (o.lateResults === false) dropPending((e) => e.type === 'predrafted' && ids.has(e.id));
      } else if (c.type === 'verify') {
        o.onVerify?.(Array.from(c.prefix), c.drafts);
        if (c.parallel && rng.float() < (o.declineRate ?? 0)) {
          pending.push({ type: 'declined', taskId: c.taskId });
          continue;
        }
        const ctx = Array.from(c.prefix);
        const drafts = c.drafts.map((d) => d.token);
        const targetDists = [];
        for (let i = 0; i <= drafts.length; i++) {
          targetDists.push(processDistribution(o.model.target(ctx), o.sampling));
          if (i < drafts.length) ctx.push(drafts[i]!);
        }
        const r = greedy
          ? verifyGreedy(
              drafts,
              targetDists.map((d) => d.tokens[0]!),
            )
          : verifyRejection(
              drafts,
              c.drafts.map((d) => d.dist!),
              targetDists,
              rng.split(),
            );
        const ev: OrchestratorEvent = { type: 'verified', taskId: c.taskId, ...r };
        pending.push(ev);
        if (rng.float() < (o.duplicateRate ?? 0)) pending.push(ev);
      } else if (c.type === 'cancel') {
        const ids = new Set(c.taskIds);
        if (o.lateResults === false) dropPending((e) => e.type === 'verified' && ids.has(e.taskId));
      } else if (c.type === 'commit') {
        tokens.push(...c.tokens);
        sources.push(...c.sources);
      } else if (c.type === 'done') {
        done = true;
      }
    }
  };
  exec(orch.start());
  let steps = 0;
  while (!done) {
    if (pending.length === 0) throw new Error('stalled');
    if (++steps > 100_000) throw new Error('runaway');
    const i = o.shuffle === false ? 0 : Math.floor(rng.float() * pending.length);
    const [ev] = pending.splice(i, 1);
    if (ev!.type === 'predrafted') running.delete(ev!.id);
    exec(orch.handle(ev!));
  }
  return { tokens, orch, sources, maxPredraftsRunning };
}

/** The target's own greedy output: the reference every mode must reproduce. */
export function greedyReference(
  model: DistModel,
  prompt: readonly number[],
  maxTokens: number,
  eosId?: number,
): number[] {
  const ctx = [...prompt];
  const out: number[] = [];
  while (out.length < maxTokens) {
    const t = argmax(model.target(ctx));
    out.push(t);
    ctx.push(t);
    if (t === eosId) break;
  }
  return out;
}

/**
 * A small toy model pair: the target's distribution is a peaked function of the last two tokens; the
 * drafter matches it with probability `agreement` (per context), else peaks elsewhere.
 */
export function toyModel(vocab: number, agreement: number, seed: number, peak = 0.7): DistModel {
  const h = (ctx: readonly number[], salt: number) => {
    let x = (seed ^ salt) >>> 0;
    for (const t of ctx.slice(-2)) x = Math.imul(x ^ (t + 0x9e3779b9), 0x85ebca6b) >>> 0;
    x ^= x >>> 13;
    x = Math.imul(x, 0xc2b2ae35) >>> 0;
    return (x ^ (x >>> 16)) >>> 0;
  };
  const dist = (top: number, second: number) => {
    const p = new Float32Array(vocab).fill((1 - peak - 0.15) / Math.max(1, vocab - 2));
    p[top] = peak;
    p[second] = (p[second] ?? 0) + 0.15;
    let s = 0;
    for (const v of p) s += v;
    for (let i = 0; i < vocab; i++) p[i]! /= s;
    return p;
  };
  return {
    target: (ctx) => {
      const x = h(ctx, 1);
      return dist(x % vocab, (x >>> 8) % vocab);
    },
    draft: (ctx) => {
      const x = h(ctx, 1);
      const agree = h(ctx, 2) / 4294967296 < agreement;
      const top = agree ? x % vocab : ((x % vocab) + 1) % vocab;
      return dist(top, (x >>> 8) % vocab);
    },
  };
}
