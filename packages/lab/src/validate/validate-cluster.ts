/**
 * The measured side of a validation: a real cluster on this machine, every role its own `specmesh
 * node` process with the emulated backend. Drafters reach nats-server through one delay proxy each (the
 * edge), the scheduler, batcher and verifiers connect directly (the cloud), and so does the client,
 * which runs the plan's closed loop and timestamps every token chunk as it arrives.
 *
 * Acceptance is read off the wire: the client also listens (outside the batchers' queue group) to the
 * pool's verify tasks and to preempts, to count the drafts of tasks sent and never preempted, and
 * counts accepted drafts from the chunks' per-token sources. The simulator counts the same two
 * figures from its sessions' commands, so DSI's preempted tasks count on neither side.
 */

import { performance } from 'node:perf_hooks';
import { generate } from '@specmesh/actors';
import type { BodyOf, Mode, Role } from '@specmesh/protocol';
import { DelayProxy, startupDeadlineMs } from '@specmesh/runtime';
import { startLocalCluster } from '../local-cluster.js';
import { type ModelArgs, modelFlags } from '../model-args.js';
import type { ValidateRecord } from './validate-metrics.js';
import type { ValidatePlan } from './validate-plan.js';

const POOL = 'default';

export interface ClusterRunOptions {
  /** The `specmesh` entry script each role process runs as `node <nodeBin> node --role …`. */
  readonly nodeBin: string;
  /** Prompt text of request `id` (the same prompts the simulator gets as tokens). */
  readonly promptOf: (id: number) => string;
  /** Seed of the emulated language. */
  readonly seed: number;
  readonly vocab: number;
  /** Subject prefix of this run's cluster. Defaults to `specmesh`. */
  readonly prefix?: string;
  /** Progress lines. */
  readonly say?: (line: string) => void;
  /** Called as each measured request completes, with the count done and the total. */
  readonly onRequest?: (done: number, total: number) => void;
  /**
   * Runs before the roles start, with the embedded nats-server (the cost profile measures on it, so
   * both sides see the same broker).
   */
  readonly beforeRoles?: (nats: NatsAt) => Promise<void>;
  /** Starts a probe right before the measured loop; it is stopped right after the loop. */
  readonly probe?: (nats: NatsAt) => Promise<{ stop(): Promise<unknown> }>;
}

/** Where the run's nats-server listens. */
export interface NatsAt {
  readonly url: string;
  readonly port: number;
  readonly prefix: string;
}

export interface ClusterRun {
  readonly records: ValidateRecord[];
  /** Wall time of the measured loop, ms. */
  readonly wallMs: number;
  /** Bytes the drafters' proxies carried, each way. */
  readonly proxyBytes: { readonly up: number; readonly down: number };
}

/**
 * The emulated models of a plan as CLI model flags: the one description the role processes, the cost
 * probes and the simulator's oracle all build from (through `modelFlags` / `modelSpecOf`).
 */
export function modelArgs(plan: ValidatePlan, seed: number, vocab: number): ModelArgs {
  return {
    backend: 'emulated',
    seed,
    agreement: plan.agreement,
    vocab,
    targetTtftMs: plan.target.ttftMs,
    targetTpotMs: plan.target.tpotMs,
    targetPerTokenMs: plan.target.perTokenMs,
    draftTtftMs: plan.drafter.ttftMs,
    draftTpotMs: plan.drafter.tpotMs,
    modelThreads: 1,
    llamaThreads: 1,
    sequences: 1,
    gpu: 'false',
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runCluster(plan: ValidatePlan, o: ClusterRunOptions): Promise<ClusterRun> {
  const say = o.say ?? (() => undefined);
  const prefix = o.prefix ?? 'specmesh';
  const cluster = await startLocalCluster({ prefix, logLevel: 'warn' }, say);
  const proxies: DelayProxy[] = [];
  try {
    const url = new URL(cluster.servers[0]!.replace(/^nats:/, 'http:'));
    const port = Number(url.port);
    const nats = { url: cluster.servers[0]!, port, prefix };
    await o.beforeRoles?.(nats);
    const common = ['--prefix', prefix, '--log-level', 'warn', '--heartbeat-ms', '250'];
    const models = modelFlags(modelArgs(plan, o.seed, o.vocab));
    const plain = ['--nats', cluster.servers.join(','), ...common];
    const roles: Array<[Role, string, string[]]> = [
      ['scheduler', 'scheduler-1', plain],
      ['batcher', 'batcher-1', [...plain, '--pool', POOL]],
    ];
    for (let i = 1; i <= plan.verifiers; i++)
      roles.push(['verifier', `verifier-${i}`, [...plain, '--pool', POOL, ...models]]);
    for (let i = 1; i <= plan.drafters; i++) {
      // One proxy per drafter: each edge device has its own path to the cloud.
      const proxy = await DelayProxy.start({
        targetPort: port,
        oneWayMs: plan.oneWayMs,
        jitter: plan.jitter,
        seed: 1000 + i,
      });
      proxies.push(proxy);
      roles.push(['drafter', `drafter-${i}`, ['--nats', proxy.url, ...common, ...models]]);
    }
    for (const [role, name, args] of roles)
      cluster.supervisor.start({ name, args: [o.nodeBin, 'node', '--role', role, '--name', name, ...args] });
    say(`• ${roles.length} role processes (${plan.drafters} drafters behind ${plan.oneWayMs} ms proxies) …`);
    await cluster.view.waitFor((ms) => ms.length >= roles.length, startupDeadlineMs(roles.length));
    // Schedulers and drafters size their choices from heartbeats: let a few arrive everywhere.
    await sleep(1500);
    return await measure(plan, o, cluster.client, proxies, say, nats);
  } finally {
    await cluster.stop();
    for (const p of proxies) await p.stop();
  }
}

async function measure(
  plan: ValidatePlan,
  o: ClusterRunOptions,
  client: Parameters<typeof generate>[0],
  proxies: readonly DelayProxy[],
  say: (line: string) => void,
  nats: NatsAt,
): Promise<ClusterRun> {
  // Drafts per session of the tasks sent and not preempted: a preempted task's verdict is never used,
  // so it counts for neither side (the simulator counts the same from its verify and cancel commands).
  const drafts = new Map<string, number>();
  const taskDrafts = new Map<string, { sessionId: string; n: number }>();
  const onTask = (msg: { body: BodyOf<'verify.task'> }) => {
    const t = msg.body;
    drafts.set(t.sessionId, (drafts.get(t.sessionId) ?? 0) + t.drafts.length);
    taskDrafts.set(t.taskId, { sessionId: t.sessionId, n: t.drafts.length });
    return undefined;
  };
  // Tasks reach the pool's batchers, or (direct verification) the verifier holding the session.
  const taskSubs = [
    client.handle(client.subjects.verifyPool(POOL), 'verify.task', onTask),
    ...Array.from({ length: plan.verifiers }, (_, i) =>
      client.handle(client.subjects.directOf(`verifier-${i + 1}`), 'verify.task', onTask),
    ),
  ];
  const stopTasks = () => {
    for (const stop of taskSubs) stop();
  };
  const stopPreempts = client.handle(client.subjects.preemptAll(), 'preempt', (msg) => {
    for (const id of msg.body.taskIds) {
      const t = taskDrafts.get(id);
      if (!t) continue;
      taskDrafts.delete(id);
      drafts.set(t.sessionId, (drafts.get(t.sessionId) ?? 0) - t.n);
    }
    return undefined;
  });
  const stopListening = () => {
    stopTasks();
    stopPreempts();
  };
  await client.flush();
  let probe: { stop(): Promise<unknown> } | undefined;
  const runId = Date.now().toString(36);
  const once = async (requestId: string, prompt: string, maxTokens: number, origin: number) => {
    const arrivedAt = performance.now() - origin;
    const gen = await generate(
      client,
      {
        requestId,
        prompt,
        maxTokens,
        sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
        mode: plan.mode as Mode,
        window: { policy: 'static', k: plan.k },
        deadlineAt: Date.now() + 120_000,
      },
      { idleTimeoutMs: 30_000 },
    );
    let firstTokenAt = -1;
    let lastTokenAt = -1;
    let accepted = 0;
    const output: number[] = [];
    for await (const c of gen.chunks) {
      if (c.tokens.length === 0) continue;
      const at = performance.now() - origin;
      if (firstTokenAt < 0) firstTokenAt = at;
      lastTokenAt = at;
      for (const t of c.tokens) output.push(t);
      for (const s of c.sources ?? []) accepted += s;
    }
    return { sessionId: gen.accepted.sessionId, arrivedAt, firstTokenAt, lastTokenAt, accepted, output };
  };
  try {
    // Warm every process (worker threads, JIT, first-call paths) outside the figures.
    say('• warming up …');
    await Promise.all(
      Array.from({ length: Math.max(plan.drafters, plan.verifiers) * 2 }, (_, i) =>
        once(`warm-${runId}-${i}`, o.promptOf(100_000 + i), 8, performance.now()),
      ),
    );
    say(`• ${plan.requests} requests from ${plan.clients} closed-loop clients …`);
    probe = await o.probe?.(nats);
    const finished: Array<{
      id: number;
      sessionId: string;
      r: Omit<ValidateRecord, 'id' | 'verifiedDrafts'>;
    }> = [];
    let next = 0;
    const origin = performance.now();
    const loop = async () => {
      for (;;) {
        await sleep(plan.thinkMs);
        if (next >= plan.requests) return;
        const id = next++;
        const x = await once(`val-${runId}-${id}`, o.promptOf(id), plan.outputTokens, origin);
        const { sessionId, accepted, output, ...times } = x;
        finished.push({
          id,
          sessionId,
          r: { ...times, tokens: output.length, acceptedDrafts: accepted, output },
        });
        o.onRequest?.(finished.length, plan.requests);
      }
    };
    await Promise.all(Array.from({ length: Math.min(plan.clients, plan.requests) }, loop));
    const wallMs = performance.now() - origin;
    await probe?.stop();
    probe = undefined;
    // A session's last task may still be on its way to this listener: count drafts only now.
    await client.flush();
    const records: ValidateRecord[] = finished
      .map(({ id, sessionId, r }) => ({ id, ...r, verifiedDrafts: drafts.get(sessionId) ?? 0 }))
      .sort((a, b) => a.id - b.id);
    let up = 0;
    let down = 0;
    for (const p of proxies) {
      up += p.stats.bytesToTarget;
      down += p.stats.bytesToClient;
    }
    return { records, wallMs, proxyBytes: { up, down } };
  } finally {
    stopListening();
    // A run that failed midway still frees the probe's workers, actors and proxy.
    await probe?.stop().catch(() => undefined);
  }
}
