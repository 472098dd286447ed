/**
 * A chaos run: concurrent greedy requests against a cluster of real processes while a seeded
 * injector kills (SIGKILL) and pauses (SIGSTOP, then SIGCONT) random role processes and, on a
 * 3-server NATS cluster, kills a NATS node and brings it back. Every output is compared with the
 * target model's own greedy output; every stream is checked for a missing or repeated token; after
 * the run, load reported in heartbeats must fall back to zero and the servers' subscription count to
 * what it was before the first request (nothing leaked: sessions, tasks, subscriptions).
 */
import { type Generation, generate } from '@specmesh/actors';
import { Rng } from '@specmesh/core';
import { asSpecmeshError, type Mode, type SpeculationTrace } from '@specmesh/protocol';
import { startupDeadlineMs } from '@specmesh/runtime';
import { ChaosCluster, type ChaosClusterSpec } from './chaos-cluster.js';
import { type FaultRecord, RecoveryTracker, type Stall } from './recovery-tracker.js';

export type FaultKind = 'kill' | 'pause' | 'nats';
export type VictimRole = 'scheduler' | 'batcher' | 'verifier' | 'drafter';

export interface ChaosOptions {
  readonly seconds: number;
  /** Time between two faults, ms. */
  readonly everyMs: number;
  /** Roles whose processes may be hit. */
  readonly victims: readonly VictimRole[];
  readonly faults: readonly FaultKind[];
  /** How long a paused process stays stopped, ms. */
  readonly pauseMs: number;
  readonly concurrency: number;
  readonly maxTokens: number;
  readonly seed: number;
  readonly cluster: ChaosClusterSpec;
  /**
   * The client's admission limits (see the client's GenerateOptions): the whole admission, and its
   * first attempt, ms. Default to the client's own (a deployment's).
   */
  readonly submitTimeoutMs?: number;
  readonly submitAttemptMs?: number;
  /** The target's greedy output for a prompt (the reference every output must equal). */
  readonly reference: (prompt: string, maxTokens: number) => Promise<number[]>;
  /** Told about each fault as it happens (progress lines). */
  readonly onFault?: (f: FaultRecord) => void;
}

/** An output that differed from the target's greedy output, to find why. */
export interface Difference {
  readonly requestId: string;
  readonly mode: string;
  /** First output index where it differs (the shorter length when one is a prefix of the other). */
  readonly at: number;
  readonly length: number;
  readonly expectedLength: number;
  /** The request's moves, in order (`reason from→to @committed`). */
  readonly moves: readonly string[];
  /**
   * The last session's verification spans that decided positions around `at`
   * (`verifierId outcome pos+n accepted`), from the trace on its last chunk.
   */
  readonly spans: readonly string[];
}

export interface ChaosSummary {
  readonly seed: number;
  readonly seconds: number;
  readonly requests: number;
  readonly identical: number;
  readonly different: number;
  /** Requests that ended in an error, by code. */
  readonly failed: Readonly<Record<string, number>>;
  /** Streams with a missing or repeated token (index out of step). */
  readonly brokenStreams: number;
  /** Each output that differed from the target's, with what is known of how it was made. */
  readonly differences: readonly Difference[];
  /** Times requests moved to another host. */
  readonly moves: number;
  readonly faults: readonly FaultRecord[];
  /** The longest time a request went without progress (start, chunk or end), whatever caused it. */
  readonly longestStall: Stall | undefined;
  readonly restarts: number;
  /** Restarts that promoted a warm spare instead of starting a process (included in `restarts`). */
  readonly promotions: number;
  /**
   * Subscriptions on the servers before the first request and after the run settled, and those
   * present after but not before (`<connection> <subject>`).
   */
  readonly subscriptions: { readonly before: number; readonly after: number; readonly extra: string[] };
  /** Load (in flight + queued) still reported by any instance after the run settled. */
  readonly leftoverLoad: number;
}

const MODES: readonly Mode[] = ['nonsi', 'si', 'dsi'];

export async function runChaos(o: ChaosOptions): Promise<ChaosSummary> {
  const cluster = await ChaosCluster.start(o.cluster);
  try {
    return await attack(cluster, o);
  } finally {
    await cluster.stop();
  }
}

async function attack(cluster: ChaosCluster, o: ChaosOptions): Promise<ChaosSummary> {
  const rng = new Rng(o.seed);
  const tracker = new RecoveryTracker();
  const stats = { requests: 0, identical: 0, brokenStreams: 0, moves: 0 };
  const differences: Difference[] = [];
  const failed: Record<string, number> = {};
  // Subscriptions settle a moment after everyone is up (membership, inboxes).
  await new Promise((r) => setTimeout(r, 500));
  const before = await cluster.subscriptions();

  const until = performance.now() + o.seconds * 1000;
  const paused = new Set<string>();
  const pending: Promise<unknown>[] = [];
  const injector = setInterval(() => {
    const f = pickFault(rng, cluster, o, paused);
    if (!f) return;
    const record = tracker.fault(f.kind, f.victim, f.kind === 'pause' ? o.pauseMs : undefined);
    o.onFault?.(record);
    if (f.kind === 'kill') cluster.supervisor.kill(f.victim, 'SIGKILL');
    else if (f.kind === 'pause') {
      paused.add(f.victim);
      cluster.supervisor.kill(f.victim, 'SIGSTOP');
      pending.push(
        new Promise<void>((resolve) =>
          setTimeout(() => {
            cluster.supervisor.kill(f.victim, 'SIGCONT');
            paused.delete(f.victim);
            resolve();
          }, o.pauseMs),
        ),
      );
    } else {
      const node = Number(f.victim.slice('nats-'.length));
      pending.push(
        cluster.killNats(node, 1000).catch((err: unknown) => {
          failed['nats-restart'] = (failed['nats-restart'] ?? 0) + 1;
          o.onFault?.({ ...record, kind: `nats restart failed: ${String(err)}` });
        }),
      );
    }
  }, o.everyMs);

  let n = 0;
  const worker = async () => {
    while (performance.now() < until) {
      const i = n++;
      const prompt = `chaos ${o.seed} request ${i}`;
      const requestId = `chaos-${o.seed}-${i}`;
      stats.requests++;
      tracker.started(requestId);
      const moves: string[] = [];
      try {
        const gen = await generate(
          cluster.client,
          {
            requestId,
            prompt,
            maxTokens: o.maxTokens,
            sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
            mode: MODES[i % MODES.length]!,
            window: { policy: 'static', k: 4 },
            deadlineAt: Date.now() + 120_000,
          },
          {
            ...(o.submitTimeoutMs !== undefined ? { submitTimeoutMs: o.submitTimeoutMs } : {}),
            ...(o.submitAttemptMs !== undefined ? { submitAttemptMs: o.submitAttemptMs } : {}),
            onMove: (m) => {
              tracker.noted(requestId, `${m.reason} ${m.fromHost}→${m.toHost}`);
              moves.push(`${m.reason} ${m.fromHost}→${m.toHost} @${m.committed}`);
            },
            schedulers: () => cluster.view.alive({ role: 'scheduler' }),
            onSubmitAttempt: (a) =>
              tracker.noted(
                requestId,
                `submit ${a.outcome}${a.scheduler ? ` (to ${a.scheduler})` : ''} ${(a.tookMs / 1000).toFixed(1)} s`,
              ),
          },
        );
        const { tokens, trace } = await drain(gen, requestId, tracker, stats);
        stats.moves += gen.moves;
        const expected = await o.reference(prompt, o.maxTokens);
        if (tokens.join(',') === expected.join(',')) stats.identical++;
        else
          differences.push(differenceOf(requestId, MODES[i % MODES.length]!, tokens, expected, moves, trace));
      } catch (err) {
        const code = asSpecmeshError(err).code;
        failed[code] = (failed[code] ?? 0) + 1;
      } finally {
        tracker.ended(requestId);
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  clearInterval(injector);
  await Promise.all(pending);
  const leftoverLoad = await settledLoad(cluster);
  const after = await settledSubscriptions(cluster, before.length);
  return {
    seed: o.seed,
    seconds: o.seconds,
    ...stats,
    different: differences.length,
    differences,
    failed,
    faults: tracker.faults,
    longestStall: tracker.longestStall,
    restarts: cluster.supervisor.status().reduce((s, c) => s + c.restarts, 0),
    promotions: cluster.supervisor.status().reduce((s, c) => s + c.promotions, 0),
    subscriptions: { before: before.length, after: after.length, extra: extraOf(after, before) },
    leftoverLoad,
  };
}

/**
 * Reads a generation to its end, reporting progress and checking that indexes never skip or repeat;
 * returns the tokens and the speculation trace of the last chunk.
 */
async function drain(
  gen: Generation,
  requestId: string,
  tracker: RecoveryTracker,
  stats: { brokenStreams: number },
): Promise<{ tokens: number[]; trace: SpeculationTrace | undefined }> {
  const tokens: number[] = [];
  let trace: SpeculationTrace | undefined;
  let broken = false;
  for await (const c of gen.chunks) {
    tracker.progressed(requestId);
    if (c.index !== tokens.length) broken = true;
    for (const t of c.tokens) tokens.push(t);
    if (c.trace) trace = c.trace;
  }
  if (broken) stats.brokenStreams++;
  return { tokens, trace };
}

function differenceOf(
  requestId: string,
  mode: string,
  tokens: readonly number[],
  expected: readonly number[],
  moves: readonly string[],
  trace: SpeculationTrace | undefined,
): Difference {
  let at = 0;
  while (at < tokens.length && at < expected.length && tokens[at] === expected[at]) at++;
  const spans = (trace?.spans ?? [])
    .filter((x) => x.kind === 'verify' && x.pos <= at + 1 && at <= x.pos + x.n + 1)
    .map((x) => `${x.verifierId ?? '?'} ${x.outcome ?? '?'} ${x.pos}+${x.n} ${x.accepted ?? '-'}`);
  return { requestId, mode, at, length: tokens.length, expectedLength: expected.length, moves, spans };
}

function pickFault(
  rng: Rng,
  cluster: ChaosCluster,
  o: ChaosOptions,
  paused: ReadonlySet<string>,
): { kind: FaultKind; victim: string } | undefined {
  const kind = o.faults[rng.next() % o.faults.length]!;
  if (kind === 'nats') {
    const i = cluster.natsVictim();
    return i === undefined ? undefined : { kind, victim: `nats-${i}` };
  }
  const candidates = cluster.names.filter(
    (name) => o.victims.some((r) => name.startsWith(`${r}-`)) && !paused.has(name),
  );
  if (candidates.length === 0) return undefined;
  return { kind, victim: candidates[rng.next() % candidates.length]! };
}

/**
 * Waits (bounded) for every instance to report no work in flight; returns what is left. The last
 * restarted processes may still be starting: the bound is a start-up deadline (it grows with the
 * machine's load).
 */
async function settledLoad(cluster: ChaosCluster): Promise<number> {
  const expected = cluster.names.length;
  let left = Number.POSITIVE_INFINITY;
  const until = performance.now() + startupDeadlineMs(1);
  while (performance.now() < until) {
    const members = cluster.view.alive();
    left = members.reduce((s, m) => s + m.heartbeat.load.inflight + m.heartbeat.load.queued, 0);
    if (members.length >= expected && left === 0) return 0;
    await new Promise((r) => setTimeout(r, 200));
  }
  return left;
}

/**
 * Waits (bounded, like `settledLoad`) for the subscription count to come back to `before`; returns
 * the last list.
 */
async function settledSubscriptions(cluster: ChaosCluster, before: number): Promise<string[]> {
  let now: string[] = [];
  const until = performance.now() + startupDeadlineMs(1);
  while (performance.now() < until) {
    now = await cluster.subscriptions();
    if (now.length === before) return now;
    await new Promise((r) => setTimeout(r, 250));
  }
  return now;
}

/** Entries of `after` beyond those in `before` (as multisets). */
function extraOf(after: readonly string[], before: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const b of before) left.set(b, (left.get(b) ?? 0) + 1);
  const extra: string[] = [];
  for (const a of after) {
    const n = left.get(a) ?? 0;
    if (n > 0) left.set(a, n - 1);
    else extra.push(a);
  }
  return extra;
}
