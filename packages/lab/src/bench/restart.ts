/**
 * How fast a supervised role comes back after SIGKILL: from the kill to the first heartbeat of its
 * new process, with and without a warm spare, a few times each (medians), and the memory of a spare
 * waiting in standby beside that of the running role. Each role runs under the runtime's Supervisor
 * at `specmesh node --supervise`'s settings (first restart delay 100 ms), except that a role counts
 * as stable after 1 s instead of 10 s, and each kill waits for that (and for the spare to be ready):
 * every kill is a single crash, the case a spare is for. The load average is part of the report: a
 * restart without a spare is a process start, whose time grows with the machine's load.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { DeadlineError } from '@specmesh/protocol';
import {
  Actor,
  createLogger,
  type MembershipEvent,
  MembershipView,
  type NatsServerHandle,
  Supervisor,
  startNatsServer,
  startupDeadlineMs,
} from '@specmesh/runtime';
import { median } from '../median.js';
import { roleArgs } from '../role-processes.js';
import { processRssBytes } from './process-usage.js';

/** Uptime after which a role counts as stable (its next crash restarts without back-off), ms. */
const STABLE_AFTER_MS = 1000;

export interface RestartBenchOptions {
  /** The `specmesh` entry script each role process runs. */
  readonly nodeBin: string;
  readonly roles: readonly string[];
  /** Kills of each role, with and without a spare (the median is reported). */
  readonly runs: number;
}

export interface RestartFigures {
  readonly role: string;
  readonly warmSpare: boolean;
  /** From SIGKILL to the new process's first heartbeat, ms, each kill. */
  readonly restartMs: readonly number[];
  readonly medianMs: number;
  /** Restarts that promoted a spare. */
  readonly promotions: number;
  /** Resident memory of the running role before the first kill, MB. */
  readonly roleRssMb: number;
  /** Resident memory of its spare in standby, MB (runs with a spare). */
  readonly spareRssMb?: number;
}

export interface RestartReport {
  readonly loadAverageStart: readonly number[];
  readonly loadAverageEnd: readonly number[];
  readonly rows: readonly RestartFigures[];
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const mb = (bytes: number) => round1(bytes / 2 ** 20);

/** Polls `done` every 10 ms until it holds; rejects after `timeoutMs`. */
async function until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > end) throw new DeadlineError(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves with the time of the first heartbeat of `id` from a process other than `startedAt`'s. */
function nextLife(view: MembershipView, id: string, startedAt: number, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new DeadlineError(`${id} sent no heartbeat within ${timeoutMs} ms of its kill`));
    }, timeoutMs);
    const off = view.on((e: MembershipEvent) => {
      if (e.type === 'leave' || e.member.id !== id || e.member.heartbeat.startedAt === startedAt) return;
      clearTimeout(timer);
      off();
      resolve(performance.now());
    });
  });
}

async function measureRole(
  nats: NatsServerHandle,
  view: MembershipView,
  o: RestartBenchOptions,
  role: string,
  warmSpare: boolean,
): Promise<RestartFigures> {
  const name = `${role}-${warmSpare ? 'warm' : 'cold'}`;
  const sup = new Supervisor({ stdio: 'ignore', stableAfterMs: STABLE_AFTER_MS, maxRestarts: 10_000 });
  let lastStart = performance.now();
  sup.on((e) => {
    if (e.type === 'spawn' && e.name === name) lastStart = performance.now();
  });
  const status = () => sup.status()[0]!;
  try {
    sup.start({
      name,
      args: roleArgs(o.nodeBin, role, name, nats.url, [
        '--prefix',
        'restart',
        '--port',
        '0',
        '--log-level',
        'error',
      ]),
      warmSpare,
    });
    const deadline = startupDeadlineMs(2);
    await view.waitFor((ms) => ms.some((m) => m.id === name), deadline);
    const restartMs: number[] = [];
    let roleRss = Number.NaN;
    let spareRss: number | undefined;
    for (let i = 0; i < o.runs; i++) {
      await until(
        () =>
          view.get(name) !== undefined &&
          performance.now() - lastStart >= STABLE_AFTER_MS &&
          (!warmSpare || status().spare?.ready === true),
        deadline,
        `${name} stable${warmSpare ? ' with a spare ready' : ''}`,
      );
      if (i === 0) {
        roleRss = processRssBytes(status().pid ?? -1);
        const sparePid = status().spare?.pid;
        if (sparePid !== undefined) spareRss = processRssBytes(sparePid);
      }
      const back = nextLife(view, name, view.get(name)!.heartbeat.startedAt, deadline);
      const killedAt = performance.now();
      sup.kill(name, 'SIGKILL');
      restartMs.push(round1((await back) - killedAt));
    }
    return {
      role,
      warmSpare,
      restartMs,
      medianMs: round1(median(restartMs)),
      promotions: status().promotions,
      roleRssMb: mb(roleRss),
      ...(spareRss !== undefined ? { spareRssMb: mb(spareRss) } : {}),
    };
  } finally {
    await sup.stopAll();
  }
}

export async function runRestartBench(
  o: RestartBenchOptions,
  onStep: (what: string) => void = () => undefined,
): Promise<RestartReport> {
  const loadAverageStart = loadavg().map((x) => Math.round(x * 100) / 100);
  const nats = await startNatsServer();
  const observer = await Actor.start({
    role: 'gateway',
    servers: nats.url,
    subjects: { prefix: 'restart' },
    heartbeatIntervalMs: 0,
    logger: createLogger({ level: 'silent' }),
  });
  const view = new MembershipView().start(observer, 50);
  try {
    const rows: RestartFigures[] = [];
    for (const role of o.roles) {
      for (const warmSpare of [false, true]) {
        onStep(`${role} ${warmSpare ? 'with' : 'without'} a warm spare`);
        rows.push(await measureRole(nats, view, o, role, warmSpare));
      }
    }
    return { loadAverageStart, loadAverageEnd: loadavg().map((x) => Math.round(x * 100) / 100), rows };
  } finally {
    view.stop();
    await observer.stop();
    await nats.stop();
  }
}

export function formatRestartBench(r: RestartReport): string {
  const lines = [
    `load average ${r.loadAverageStart.join(' ')} at the start, ${r.loadAverageEnd.join(' ')} at the end`,
    'role        warm spare   kill → heartbeat median ms   each run ms            promoted  role RSS MB  spare RSS MB',
  ];
  for (const f of r.rows) {
    lines.push(
      `${f.role.padEnd(12)}${(f.warmSpare ? 'yes' : 'no').padEnd(13)}${f.medianMs.toFixed(0).padStart(26)}   ${f.restartMs
        .map((x) => x.toFixed(0))
        .join(', ')
        .padEnd(
          23,
        )}${String(f.promotions).padStart(8)}${f.roleRssMb.toFixed(0).padStart(13)}${f.spareRssMb === undefined ? '' : f.spareRssMb.toFixed(0).padStart(14)}`,
    );
  }
  return lines.join('\n');
}
