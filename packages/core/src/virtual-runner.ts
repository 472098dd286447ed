/**
 * Runs the orchestration state machine in virtual time against model latencies: DSI's "online
 * simulation", and the reference the real cluster is compared with. The drafter is one sequential
 * server that a rejection preempts: the orchestrator asks for a new draft only once the last one is
 * done or dead, so the new one starts at once and a dead one stops then. `targets` target servers
 * take verification tasks first come, first served; a cancelled task frees its server at once
 * (preemption). Tokens come from a {@link TokenOracle}, greedy.
 *
 * Service times: a server's first call costs `ttft`, later calls `tpot`; a verification also costs
 * `perToken` per draft it checks; a draft of `n` tokens is `n` drafter calls.
 *
 * Pre-drafting (`predraft`): `predraft.drafters` more drafter instances of the same latency run the
 * orchestrator's `predraft` requests at once (it never has more in flight), each on the lowest free
 * instance; an instance's first call costs `ttft` (it prefills the session's prefix, as a cluster's
 * lending drafter does on its first request of a session), later ones `tpot`. A dropped request
 * stops its instance at once. They never delay the main drafter.
 *
 * @example
 *   runVirtual({ mode: 'dsi', k: 5, targets: 4, maxTokens: 50, prompt: [1],
 *     oracle: agreementOracle({ acceptance: 0.94, seed: 1 }),
 *     drafter: { ttft: 57.25, tpot: 3.34 }, target: { ttft: 180.28, tpot: 100.18 } }).time
 */
import { ConfigError } from '@specmesh/protocol';
import { EventHeap } from './event-heap.js';
import type {
  DraftAlternative,
  DraftToken,
  OrchestrationMode,
  OrchestratorCommand,
  OrchestratorEvent,
} from './orchestration-types.js';
import { Orchestrator, type OrchestratorStats, type WindowStats } from './orchestrator.js';
import type { PredraftOptions, PredraftStats } from './predraft-branches.js';
import { hashTokens } from './rng.js';
import { verifyGreedy } from './verification.js';

/** Greedy next tokens of a target and its drafter. */
export interface TokenOracle {
  target(context: Uint32Array): number;
  draft(context: Uint32Array): number;
  /** The drafter's `m` runner-ups after its draft here, most likely first (pre-drafting). */
  alternatives?(context: Uint32Array, m: number): DraftAlternative[];
}

export interface LatencyProfile {
  /** First call (prefill). */
  readonly ttft: number;
  /** Each later call. */
  readonly tpot: number;
  /** Extra cost per draft token checked in one verification (target only). Defaults to 0. */
  readonly perToken?: number;
}

export interface VirtualRunOptions {
  readonly mode: OrchestrationMode;
  readonly k: number;
  /** Target servers (and DSI's tasks in flight). */
  readonly targets: number;
  readonly maxTokens: number;
  readonly prompt: ArrayLike<number>;
  readonly eosId?: number;
  readonly maxDepth?: number;
  readonly oracle: TokenOracle;
  readonly drafter: LatencyProfile;
  readonly target: LatencyProfile;
  readonly nextWindow?: (stats: WindowStats) => number;
  /** Pre-drafting on `predraft.drafters` extra drafter instances (the oracle gives the runner-ups). */
  readonly predraft?: PredraftOptions;
}

export interface VirtualRunResult {
  readonly tokens: number[];
  /** Virtual time at which each output token was committed. */
  readonly commitTimes: number[];
  /** Time of the last commit. */
  readonly time: number;
  readonly finishReason: string | undefined;
  readonly stats: OrchestratorStats;
  /** Target server time spent, and the part spent on tasks that were cancelled. */
  readonly targetBusy: number;
  readonly targetWasted: number;
  /** Pre-drafting: its counters, the pre-drafters' time spent, and the part on branches never used. */
  readonly predraft?: PredraftStats;
  readonly predraftBusy: number;
  readonly predraftUnused: number;
}

interface TargetJob {
  taskId: string;
  prefix: Uint32Array;
  drafts: number[];
  server?: number;
  startedAt?: number;
  doneEvent?: symbol;
}

interface PredraftJob {
  readonly startedAt: number;
  readonly cost: number;
  /** The pre-drafter instance running it. */
  readonly instance: number;
  done: boolean;
}

type Sim =
  | { kind: 'drafted'; event: OrchestratorEvent }
  | { kind: 'predrafted'; event: OrchestratorEvent; job: PredraftJob }
  | { kind: 'verified'; job: TargetJob; token: symbol };

export function runVirtual(o: VirtualRunOptions): VirtualRunResult {
  if (!Number.isInteger(o.targets) || o.targets < 1)
    throw new ConfigError(`targets must be >= 1, got ${o.targets}`);
  const orch = new Orchestrator({
    mode: o.mode,
    k: o.k,
    maxTasks: o.mode === 'dsi' ? o.targets : 1,
    maxTokens: o.maxTokens,
    prompt: o.prompt,
    ...(o.eosId !== undefined ? { eosId: o.eosId } : {}),
    ...(o.maxDepth !== undefined ? { maxDepth: o.maxDepth } : {}),
    ...(o.nextWindow ? { nextWindow: o.nextWindow } : {}),
    ...(o.predraft ? { predraft: o.predraft } : {}),
  });
  const runnerUps = predraftRunnerUps(o.predraft);
  const predrafters = o.predraft?.drafters ?? 0;
  const instanceCalls = new Array<number>(predrafters).fill(0);
  const instanceJob = new Array<PredraftJob | undefined>(predrafters).fill(undefined);
  let predraftBusy = 0;
  let predraftUnused = 0;
  const predraftJobs = new Map<string, PredraftJob>();
  const heap = new EventHeap<Sim>();
  const tokens: number[] = [];
  const commitTimes: number[] = [];
  let now = 0;
  let drafterCalls = 0;
  const serverCalls = new Array<number>(o.targets).fill(0);
  const serverJob = new Array<TargetJob | undefined>(o.targets).fill(undefined);
  const queue: TargetJob[] = [];
  const jobs = new Map<string, TargetJob>();
  let targetBusy = 0;
  let targetWasted = 0;
  let done = false;

  const perToken = o.target.perToken ?? 0;
  const startJobs = () => {
    for (let s = 0; s < o.targets && queue.length > 0; s++) {
      if (serverJob[s]) continue;
      const job = queue.shift()!;
      const first = serverCalls[s] === 0;
      serverCalls[s] = (serverCalls[s] ?? 0) + 1;
      const cost = (first ? o.target.ttft : o.target.tpot) + perToken * job.drafts.length;
      job.server = s;
      job.startedAt = now;
      job.doneEvent = Symbol(job.taskId);
      serverJob[s] = job;
      heap.push(now + cost, { kind: 'verified', job, token: job.doneEvent });
    }
  };

  const execute = (cmds: OrchestratorCommand[]) => {
    for (const c of cmds) {
      switch (c.type) {
        case 'draft': {
          // The draft's duration first, then its end: the simulator's drafter adds them in this order.
          let cost = 0;
          for (let i = 0; i < c.n; i++) cost += drafterCalls++ === 0 ? o.drafter.ttft : o.drafter.tpot;
          const drafted = oracleDrafts(o.oracle, orch.context(c.pos), c.n, runnerUps);
          heap.push(now + cost, {
            kind: 'drafted',
            event: { type: 'drafted', epoch: c.epoch, pos: c.pos, tokens: drafted },
          });
          break;
        }
        case 'predraft': {
          const free = instanceJob.findIndex((j) => j === undefined);
          const instance = free >= 0 ? free : 0;
          let cost = 0;
          for (let i = 0; i < c.n; i++)
            cost += instanceCalls[instance]!++ === 0 ? o.drafter.ttft : o.drafter.tpot;
          const job: PredraftJob = { startedAt: now, cost, instance, done: false };
          instanceJob[instance] = job;
          predraftJobs.set(c.id, job);
          predraftBusy += cost;
          const tokens = oracleDrafts(o.oracle, c.prefix, c.n, runnerUps);
          heap.push(now + cost, { kind: 'predrafted', event: { type: 'predrafted', id: c.id, tokens }, job });
          break;
        }
        case 'drop-predrafts':
          for (const id of c.ids) {
            const job = predraftJobs.get(id);
            if (!job) continue;
            predraftJobs.delete(id);
            // A running one stops now: only the time it ran was spent.
            const spent = job.done ? job.cost : now - job.startedAt;
            if (!job.done) {
              predraftBusy -= job.cost - spent;
              if (instanceJob[job.instance] === job) instanceJob[job.instance] = undefined;
            }
            predraftUnused += spent;
          }
          break;
        case 'verify': {
          const job: TargetJob = { taskId: c.taskId, prefix: c.prefix, drafts: c.drafts.map((d) => d.token) };
          jobs.set(c.taskId, job);
          queue.push(job);
          break;
        }
        case 'cancel':
          for (const id of c.taskIds) {
            const job = jobs.get(id);
            if (!job) continue;
            jobs.delete(id);
            const qi = queue.indexOf(job);
            if (qi >= 0) queue.splice(qi, 1);
            if (job.server !== undefined && serverJob[job.server] === job) {
              // Preemption: the server stops working on the dead branch now.
              serverJob[job.server] = undefined;
              targetBusy += now - job.startedAt!;
              targetWasted += now - job.startedAt!;
            }
          }
          break;
        case 'commit':
          for (const t of c.tokens) {
            tokens.push(t);
            commitTimes.push(now);
          }
          break;
        case 'done':
          done = true;
          break;
      }
    }
    startJobs();
  };

  execute(orch.start());
  while (!done) {
    const next = heap.pop();
    if (!next) throw new ConfigError('virtual run stalled: no event pending and generation not done');
    now = next.time;
    const ev = next.value;
    if (ev.kind === 'drafted') {
      execute(orch.handle(ev.event));
      continue;
    }
    if (ev.kind === 'predrafted') {
      if (ev.job.done || ev.job !== predraftJobs.get((ev.event as { id: string }).id)) continue; // dropped
      ev.job.done = true;
      if (instanceJob[ev.job.instance] === ev.job) instanceJob[ev.job.instance] = undefined;
      execute(orch.handle(ev.event));
      continue;
    }
    const { job } = ev;
    if (job.doneEvent !== ev.token || !jobs.has(job.taskId)) continue; // preempted earlier
    jobs.delete(job.taskId);
    serverJob[job.server!] = undefined;
    targetBusy += now - job.startedAt!;
    const ctx = Array.from(job.prefix);
    const argmax: number[] = [];
    for (let i = 0; i <= job.drafts.length; i++) {
      argmax.push(o.oracle.target(Uint32Array.from(ctx)));
      if (i < job.drafts.length) ctx.push(job.drafts[i]!);
    }
    const r = verifyGreedy(job.drafts, argmax);
    execute(orch.handle({ type: 'verified', taskId: job.taskId, ...r }));
  }
  return {
    tokens,
    commitTimes,
    time: commitTimes.length > 0 ? commitTimes[commitTimes.length - 1]! : 0,
    finishReason: orch.finishReason,
    stats: orch.stats,
    targetBusy,
    targetWasted,
    ...(orch.predraftStats ? { predraft: orch.predraftStats } : {}),
    predraftBusy,
    predraftUnused,
  };
}

/** Runner-ups each draft carries for pre-drafting: `predraft.alternatives` when it is on, else none. */
export function predraftRunnerUps(p: PredraftOptions | undefined): number {
  return p && p.drafters > 0 ? (p.alternatives ?? 2) : 0;
}

/**
 * The oracle's greedy drafts of `n` tokens after `prefix`, each with the drafter's `runnerUps`
 * runner-ups when that is above 0 (pre-drafting needs them).
 */
export function oracleDrafts(
  oracle: TokenOracle,
  prefix: ArrayLike<number>,
  n: number,
  runnerUps: number,
): DraftToken[] {
  // One buffer, viewed at each length: the oracle reads a prefix, copying it per token is O(L²).
  const ctx = new Uint32Array(prefix.length + n);
  ctx.set(prefix);
  const out: DraftToken[] = [];
  for (let i = 0; i < n; i++) {
    const view = ctx.subarray(0, prefix.length + i);
    const token = oracle.draft(view);
    const alternatives = runnerUps > 0 ? oracle.alternatives?.(view, runnerUps) : undefined;
    out.push(alternatives ? { token, alternatives } : { token });
    ctx[prefix.length + i] = token;
  }
  return out;
}

export interface AgreementOracleOptions {
  /** Probability that the drafter's token equals the target's, per position. */
  readonly acceptance: number;
  readonly seed: number;
  /** Vocabulary size. Defaults to 32000. */
  readonly vocab?: number;
  /** Tokens of context that decide the next token. Defaults to 4. */
  readonly window?: number;
  /**
   * Where the draft is wrong, the probability that the target's token is the drafter's 1st, 2nd, …
   * runner-up (pre-drafting's guess of the verification outcome). Defaults to {@link RUNNER_UP_HITS}.
   */
  readonly runnerUpHits?: readonly number[];
}

/**
 * The runner-up model's default: the target's token is among the drafter's top-F runner-ups with
 * probability `1 - 1/(F+1)` (0.5, 0.67, 0.75, 0.8 for F = 1..4). An assumption shaped after SSD's
 * observation that the cache miss rate falls as a power law of the fan-out F (Kumar et al. 2026,
 * who reach about 90 % bonus-token prediction with budgets of 20-30 guesses); exponent 1 is ours.
 */
export const RUNNER_UP_HITS: readonly number[] = [
  1 / 2,
  1 / 6,
  1 / 12,
  1 / 20,
  1 / 30,
  1 / 42,
  1 / 56,
  1 / 72,
];

/**
 * A token oracle with i.i.d. per-position acceptance `a` (DSI's acceptance model): the target's token
 * is a hash of the recent context; the drafter agrees with probability `a`, decided by another hash
 * of the same context, so runs are deterministic and every mode sees the same tokens.
 */
export function agreementOracle(o: AgreementOracleOptions): TokenOracle {
  const vocab = o.vocab ?? 32_000;
  const window = o.window ?? 4;
  const threshold = Math.floor(o.acceptance * 4294967296);
  // Ids 0-2 stay special (unk, bos, eos): the oracle never emits them.
  const target = (ctx: Uint32Array) => 3 + (hashTokens(ctx, ctx.length, window, o.seed) % (vocab - 3));
  const hits = o.runnerUpHits ?? RUNNER_UP_HITS;
  const other = (t: number, step: number) => 3 + ((t - 3 + step) % (vocab - 3));
  return {
    target,
    draft: (ctx) => {
      const t = target(ctx);
      const agree = hashTokens(ctx, ctx.length, window, o.seed ^ 0x5bd1e995) < threshold;
      return agree ? t : other(t, 1);
    },
    // Runner-up r (0-based) is the target's token when the draw falls in its share of `hits`, a token
    // neither the target's nor the draft otherwise; it reports its share as the drafter's probability.
    alternatives: (ctx, m) => {
      const t = target(ctx);
      const wrong = hashTokens(ctx, ctx.length, window, o.seed ^ 0x5bd1e995) >= threshold;
      const u = hashTokens(ctx, ctx.length, window, o.seed ^ 0x27d4eb2f) / 4294967296;
      const out: DraftAlternative[] = [];
      let below = 0;
      for (let r = 0; r < m; r++) {
        const share = hits[r] ?? 0;
        const hit = wrong && u >= below && u < below + share;
        below += share;
        out.push({ token: hit ? t : other(t, 2 + r), prob: share });
      }
      return out;
    },
  };
}
