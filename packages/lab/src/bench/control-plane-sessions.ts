/**
 * Many concurrent sessions through the whole cluster: `sessions` requests at once across `drafters`
 * drafter processes, with a scheduler, a batcher and a verifier process, every model emulated and
 * cheap (a batching target whose pass costs `passMs` whatever it holds, so sessions mostly wait). It
 * reports failures, the drafters' memory per session held (resident set at the peak against before),
 * and how much longer than the model's own time the requests take (the cluster's overhead per round).
 */
import { performance } from 'node:perf_hooks';
import { collect, generate } from '@specmesh/actors';
import { ConfigError } from '@specmesh/protocol';
import {
  Actor,
  createLogger,
  MembershipView,
  Supervisor,
  startNatsServer,
  startupDeadlineMs,
} from '@specmesh/runtime';
import { roleProcesses } from '../role-processes.js';
import { processRssBytes } from './process-usage.js';

export interface SessionsStageOptions {
  readonly nodeBin: string;
  readonly sessions: number;
  readonly drafters: number;
  /** Output tokens per request. */
  readonly tokens: number;
  /** Cost of one target pass, ms (the emulated target batches every session waiting into it). */
  readonly passMs: number;
}

export interface SessionsStageReport {
  readonly sessions: number;
  readonly drafters: number;
  readonly completed: number;
  readonly failed: number;
  /** Codes of the failures, counted. */
  readonly failures: Readonly<Record<string, number>>;
  readonly wallMs: number;
  /** Drafter processes' resident memory: before the requests, and the highest while they ran. */
  readonly drafterRssBeforeMb: number;
  readonly drafterRssPeakMb: number;
  /** (peak − before) / sessions, KiB. */
  readonly kibPerSession: number;
  /** Wall time of a request, ms. */
  readonly requestP50Ms: number;
  readonly requestP99Ms: number;
  /** Rounds a request takes (SI, window 4, all drafts accepted: tokens / 5), each at least one pass. */
  readonly roundsPerRequest: number;
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

export async function runSessionsStage(o: SessionsStageOptions): Promise<SessionsStageReport> {
  if (!(Number.isInteger(o.sessions) && o.sessions >= 1 && Number.isInteger(o.drafters) && o.drafters >= 1))
    throw new ConfigError('sessions and drafters must be positive integers');
  const server = await startNatsServer();
  const sup = new Supervisor({ stdio: ['ignore', 'ignore', 'inherit'] });
  const logger = createLogger({ level: 'warn' });
  const perDrafter = Math.ceil(o.sessions / o.drafters);
  // Agreement 1: every draft is accepted, so the rounds per request are known and equal for all.
  const model = [
    '--seed',
    '5',
    '--vocab',
    '512',
    '--agreement',
    '1',
    '--draft-ttft-ms',
    '0',
    '--draft-tpot-ms',
    '0',
  ];
  const target = [
    ...model,
    '--target-ttft-ms',
    '0',
    '--target-tpot-ms',
    String(o.passMs),
    '--target-batching',
    '--target-per-position-ms',
    '0',
    '--target-knee',
    String(1_000_000),
  ];
  const procs = roleProcesses(sup, { nodeBin: o.nodeBin, natsUrl: server.url });
  const role = (name: string, r: string, extra: readonly string[]) => procs.start(name, r, extra);
  const drafterNames = Array.from({ length: o.drafters }, (_, i) => `drafter-${i + 1}`);
  let client: Actor | undefined;
  const view = new MembershipView();
  try {
    role('scheduler-1', 'scheduler', ['--max-queue', String(o.sessions * 2)]);
    role('batcher-1', 'batcher', ['--pool', 'p']);
    role('verifier-1', 'verifier', ['--pool', 'p', '--host-sessions', '0', ...target]);
    for (const name of drafterNames) role(name, 'drafter', ['--max-sessions', String(perDrafter), ...model]);
    client = await Actor.start({ role: 'gateway', servers: server.url, heartbeatIntervalMs: 0, logger });
    view.start(client, 50);
    await view.waitFor(
      (ms) =>
        ms.filter((m) => m.role === 'drafter').length === o.drafters &&
        ['scheduler', 'batcher', 'verifier'].every((r) => ms.some((m) => m.role === r)),
      startupDeadlineMs(3 + o.drafters),
    );
    const pids = () => procs.pids(drafterNames);
    const rss = () => pids().reduce((s, pid) => s + processRssBytes(pid), 0);
    const before = rss();
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss());
    }, 100);
    const failures: Record<string, number> = {};
    const times: number[] = [];
    const started = performance.now();
    const c = client;
    await Promise.all(
      Array.from({ length: o.sessions }, async (_, i) => {
        const t0 = performance.now();
        try {
          await collect(
            await generate(
              c,
              {
                requestId: `cps-${i}`,
                prompt: `session ${i}`,
                maxTokens: o.tokens,
                sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
                mode: 'si',
                window: { policy: 'static', k: 4 },
                deadlineAt: Date.now() + 600_000,
              },
              { idleTimeoutMs: 120_000 },
            ),
          );
          times.push(performance.now() - t0);
        } catch (err) {
          const code = (err as { code?: string }).code ?? 'other';
          failures[code] = (failures[code] ?? 0) + 1;
        }
      }),
    );
    clearInterval(sampler);
    const wallMs = performance.now() - started;
    const sorted = times.sort((a, b) => a - b);
    const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
    return {
      sessions: o.sessions,
      drafters: o.drafters,
      completed: times.length,
      failed: o.sessions - times.length,
      failures,
      wallMs,
      drafterRssBeforeMb: mb(before),
      drafterRssPeakMb: mb(peak),
      kibPerSession: Math.round(((peak - before) / 1024 / o.sessions) * 10) / 10,
      requestP50Ms: quantile(sorted, 0.5),
      requestP99Ms: quantile(sorted, 0.99),
      roundsPerRequest: Math.ceil(o.tokens / 5),
    };
  } finally {
    view.stop();
    await client?.stop();
    await sup.stopAll();
    await server.stop();
  }
}

export function formatSessionsStage(r: SessionsStageReport): string {
  const failures = Object.entries(r.failures)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  return [
    `${r.sessions} concurrent sessions over ${r.drafters} drafter processes: ${r.completed} completed, ${r.failed} failed${failures ? ` (${failures})` : ''}, in ${(r.wallMs / 1000).toFixed(1)} s`,
    `drafters' memory: ${r.drafterRssBeforeMb} MiB before, ${r.drafterRssPeakMb} MiB at the peak: ${r.kibPerSession} KiB per session`,
    `request wall time: p50 ${r.requestP50Ms.toFixed(0)} ms, p99 ${r.requestP99Ms.toFixed(0)} ms for ${r.roundsPerRequest} rounds each`,
  ].join('\n');
}
