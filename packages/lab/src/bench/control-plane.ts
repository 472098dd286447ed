/**
 * The control plane alone: how many admissions per second one scheduler makes, and how many verify
 * tasks per second pass through one batcher to a verifier, with models that cost nothing (so only
 * specmesh is measured), and how both grow with a second instance in the queue group.
 *
 * The measured instances are role processes (`specmesh node`), pinned with `taskset` to the last core
 * where the machine has one to spare; everything else (the nats-server, the stand-ins for the other
 * roles, the load generator) runs in this process and its children on the other cores. Each figure
 * comes with the measured processes' CPU use over the window, read from /proc: a process near 100 %
 * of its core is the limit; one well below it was held back by something else (the generator, the
 * server, the machine's other load), which the report then says.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Verifier } from '@specmesh/actors';
import { EmulatedModel } from '@specmesh/models';
import { type BodyOf, ConfigError } from '@specmesh/protocol';
import { sampleBodies, sampleVerifyTask } from '@specmesh/protocol/internal';
import {
  Actor,
  createLogger,
  MembershipView,
  type NatsServerHandle,
  Supervisor,
  startNatsServer,
  startupDeadlineMs,
} from '@specmesh/runtime';
import { roleProcesses } from '../role-processes.js';
import { formatSessionsStage, runSessionsStage, type SessionsStageReport } from './control-plane-sessions.js';
import { processCpuSeconds } from './process-usage.js';

export interface ControlPlaneOptions {
  /** The `specmesh` entry script each measured role process runs as `node <nodeBin> node --role …`. */
  readonly nodeBin: string;
  /** Seconds each measurement runs (after a warm-up of a quarter of it). */
  readonly seconds: number;
  /** Requests (admissions, or verify tasks) kept in flight by the generator. */
  readonly inflight: number;
  /** Instances of the measured role to try: [1] or [1, 2]. */
  readonly instances: readonly number[];
  /** Then this many concurrent sessions through a whole cluster (0: skip that stage). */
  readonly sessions?: number;
  /** Drafter processes the sessions are spread over. Defaults to 4. */
  readonly drafters?: number;
  readonly logLevel?: string;
}

/** One measurement. */
export interface ControlPlaneFigure {
  readonly stage: 'admissions' | 'verify-tasks';
  readonly instances: number;
  /** Completed per second over the window. */
  readonly perSecond: number;
  readonly completed: number;
  readonly errors: number;
  /** Round trip of one admission or task, ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU of the measured processes over the window, in cores (1.0 = one core busy). */
  readonly measuredCpu: number;
  /** CPU of this process (generator, stand-ins) over the window, in cores. */
  readonly generatorCpu: number;
}

export interface ControlPlaneReport {
  readonly figures: readonly ControlPlaneFigure[];
  readonly cores: number;
  /** Core the measured processes were pinned to, or undefined when they were not (no taskset, one core). */
  readonly pinnedCore: number | undefined;
  readonly sessions?: SessionsStageReport;
  readonly loadAverage: readonly [number, number, number];
}

const POOL = 'cp';

const quantile = (sorted: readonly number[], q: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** Keeps `inflight` calls of `once` running for `ms`, counting completions and latencies. */
async function drive(
  once: () => Promise<unknown>,
  inflight: number,
  ms: number,
): Promise<{ completed: number; errors: number; latencies: number[]; wallMs: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + ms;
  const lane = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await once();
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: inflight }, lane));
  return { completed: latencies.length, errors, latencies, wallMs: performance.now() - start };
}

/** `taskset -c <core>` in front of a command where the machine has a core to spare and taskset exists. */
function pinning(): { core: number | undefined; prefix: string[] } {
  const cores = availableParallelism();
  if (cores < 2 || spawnSync('taskset', ['--version']).status !== 0) return { core: undefined, prefix: [] };
  return { core: cores - 1, prefix: ['taskset', '-c', String(cores - 1)] };
}

async function measure(
  stage: ControlPlaneFigure['stage'],
  instances: number,
  pids: () => number[],
  once: () => Promise<unknown>,
  o: ControlPlaneOptions,
): Promise<ControlPlaneFigure> {
  await drive(once, o.inflight, (o.seconds * 1000) / 4);
  const cpu0 = pids().map(processCpuSeconds);
  const self0 = process.cpuUsage();
  const run = await drive(once, o.inflight, o.seconds * 1000);
  const cpu1 = pids().map(processCpuSeconds);
  const self = process.cpuUsage(self0);
  const sorted = [...run.latencies].sort((a, b) => a - b);
  const wallS = run.wallMs / 1000;
  return {
    stage,
    instances,
    perSecond: run.completed / wallS,
    completed: run.completed,
    errors: run.errors,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    measuredCpu: cpu1.reduce((s, c, i) => s + (c - (cpu0[i] ?? c)), 0) / wallS,
    generatorCpu: (self.user + self.system) / 1e6 / wallS,
  };
}

/** Stand-ins that only heartbeat: what a scheduler needs to see to admit (a pool with a batcher). */
async function heartbeating(server: NatsServerHandle, role: 'verifier' | 'batcher', id: string) {
  return Actor.start({
    role,
    id,
    pool: POOL,
    servers: server.url,
    heartbeatIntervalMs: 100,
    load: () => ({ inflight: 0, queued: 0, capacity: 1_000_000 }),
    logger: createLogger({ level: 'warn' }),
  });
}

export async function runControlPlane(o: ControlPlaneOptions): Promise<ControlPlaneReport> {
  if (!(o.seconds > 0 && Number.isInteger(o.inflight) && o.inflight >= 1))
    throw new ConfigError('control-plane bench: seconds must be > 0 and inflight a positive integer');
  const server = await startNatsServer();
  const pin = pinning();
  const logger = createLogger({ level: o.logLevel ?? 'warn' });
  const sup = new Supervisor({ stdio: ['ignore', 'ignore', 'inherit'] });
  const actors: Array<{ stop(): Promise<void> }> = [];
  const figures: ControlPlaneFigure[] = [];
  const procs = roleProcesses(sup, { nodeBin: o.nodeBin, natsUrl: server.url, wrapper: pin.prefix });
  const role = (name: string, r: string, extra: readonly string[]) =>
    procs.start(name, r, ['--heartbeat-ms', '100', ...extra]);
  const pidsOf = (names: readonly string[]) => () => procs.pids(names);
  try {
    const client = await Actor.start({
      role: 'gateway',
      servers: server.url,
      heartbeatIntervalMs: 0,
      logger,
    });
    actors.push(client);
    const view = new MembershipView().start(client, 50);
    const deadline = startupDeadlineMs(4);

    // Admissions: drafters that accept every session at once, a pool that looks alive.
    const standIns = [
      await heartbeating(server, 'verifier', 'cp-v'),
      await heartbeating(server, 'batcher', 'cp-b'),
    ];
    for (let d = 0; d < 4; d++) {
      const drafter = await Actor.start({
        role: 'drafter',
        id: `cp-d${d}`,
        servers: server.url,
        heartbeatIntervalMs: 100,
        load: () => ({ inflight: 0, queued: 0, capacity: 1_000_000 }),
        logger,
      });
      drafter.handle(drafter.subjects.session(drafter.id), 'session.start', (m) => ({
        kind: 'session.ok',
        body: { sessionId: m.body.sessionId, drafterId: drafter.id },
      }));
      actors.push(drafter);
    }
    let seq = 0;
    const submit = sampleBodies().submit;
    const admit = () =>
      client.request(
        client.subjects.submit(),
        'submit',
        { ...submit, client: client.id, requestId: `cp-${++seq}`, deadlineAt: Date.now() + 60_000 },
        { expect: 'submit.ok', timeoutMs: 10_000 },
      );
    const schedulers: string[] = [];
    for (const n of o.instances) {
      while (schedulers.length < n) {
        const name = `scheduler-${schedulers.length + 1}`;
        role(name, 'scheduler', ['--max-queue', '100000']);
        schedulers.push(name);
      }
      await view.waitFor((ms) => ms.filter((m) => m.role === 'scheduler').length >= n, deadline);
      figures.push(await measure('admissions', n, pidsOf(schedulers), admit, o));
    }

    // The pool's stand-ins leave: a batcher would send batches to the heartbeating verifier.
    for (const a of standIns) await a.stop();
    await view.waitFor((ms) => !ms.some((m) => m.id === 'cp-v' || m.id === 'cp-b'), deadline);

    // Verify tasks: a batcher (measured) in front of a verifier whose model costs nothing; the
    // generator is the session's host, with tasks spread over many sessions (a verifier runs one
    // session's tasks in order).
    const model = new EmulatedModel({ seed: 1, vocabSize: 260, latency: { ttftMs: 0, tpotMs: 0 } });
    const verifier = await Verifier.start({
      id: 'cp-verifier',
      pool: POOL,
      model,
      concurrency: 64,
      servers: server.url,
      heartbeatIntervalMs: 100,
      hostSessions: 0,
      logger,
    });
    actors.push(verifier);
    const host = await Actor.start({
      role: 'drafter',
      id: 'cp-host',
      servers: server.url,
      heartbeatIntervalMs: 0,
      logger,
    });
    actors.push(host);
    const waiting = new Map<string, () => void>();
    host.handle(host.subjects.result(host.id, 'x').replace(/\.x$/, '.*'), ['verify.result', 'error'], (m) => {
      const id = 'taskId' in m.body ? m.body.taskId : String((m.body as BodyOf<'error'>).context?.['taskId']);
      waiting.get(id)?.();
      waiting.delete(id);
      return undefined;
    });
    await host.flush();
    // Greedy tasks: no draft probabilities to carry.
    const { draftProbs: _probs, draftDist: _dist, ...base } = sampleVerifyTask(4, 1, 8);
    let taskSeq = 0;
    const verifyOnce = () =>
      new Promise<void>((resolve, reject) => {
        const n = ++taskSeq;
        const sessionId = `cp-s${n % 1024}`;
        const task: BodyOf<'verify.task'> = {
          ...base,
          taskId: `${sessionId}:t${n}`,
          sessionId,
          host: host.id,
          pool: POOL,
          basePos: 0,
          context: Uint32Array.of(1, 2, 3, 4, 5, 6, 7, 8),
          drafts: Uint32Array.of(9, 10, 11, 12),
          sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
          epoch: 0,
          attempt: 1,
        };
        const timer = setTimeout(() => {
          waiting.delete(task.taskId);
          reject(new Error(`task ${task.taskId} got no result`));
        }, 10_000);
        waiting.set(task.taskId, () => {
          clearTimeout(timer);
          resolve();
        });
        host.publish(host.subjects.verify(POOL, host.id), 'verify.task', task);
      });
    const batchers: string[] = [];
    for (const n of o.instances) {
      while (batchers.length < n) {
        const name = `batcher-${batchers.length + 1}`;
        role(name, 'batcher', ['--pool', POOL]);
        batchers.push(name);
      }
      await view.waitFor(
        (ms) => ms.filter((m) => m.role === 'batcher' && m.id.startsWith('batcher-')).length >= n,
        deadline,
      );
      figures.push(await measure('verify-tasks', n, pidsOf(batchers), verifyOnce, o));
    }
    view.stop();
  } finally {
    await sup.stopAll();
    for (const a of actors.reverse()) await a.stop().catch(() => undefined);
    await server.stop();
  }
  const sessions =
    (o.sessions ?? 0) > 0
      ? await runSessionsStage({
          nodeBin: o.nodeBin,
          sessions: o.sessions!,
          drafters: o.drafters ?? 4,
          tokens: 20,
          passMs: 20,
        })
      : undefined;
  return {
    figures,
    cores: availableParallelism(),
    pinnedCore: pin.core,
    ...(sessions ? { sessions } : {}),
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100) as [number, number, number],
  };
}

/** The report as a table, with what limits each figure. */
export function formatControlPlane(r: ControlPlaneReport): string {
  const rows = r.figures.map((f) =>
    [
      f.stage.padEnd(13),
      String(f.instances).padStart(9),
      f.perSecond.toFixed(0).padStart(9),
      f.p50Ms.toFixed(2).padStart(8),
      f.p99Ms.toFixed(2).padStart(8),
      f.measuredCpu.toFixed(2).padStart(12),
      f.generatorCpu.toFixed(2).padStart(13),
      String(f.errors).padStart(7),
    ].join('  '),
  );
  return [
    `control plane, zero-cost models: ${r.cores} cores, measured processes ${r.pinnedCore === undefined ? 'not pinned' : `pinned to core ${r.pinnedCore}`}, load average ${r.loadAverage.join(' ')}`,
    'stage          instances   per s   p50 ms   p99 ms  measured cpu  generator cpu  errors',
    ...rows,
    'measured cpu: cores the measured processes used (1.00 = one core busy); below ~0.9 something else held them back',
    ...(r.sessions ? ['', formatSessionsStage(r.sessions)] : []),
  ].join('\n');
}
