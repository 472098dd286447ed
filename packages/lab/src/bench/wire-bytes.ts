/**
 * Bytes on the wire per committed token, per mode, for lean verify tasks (only the context a verifier
 * lacks, sparse draft distributions) against naive ones (the whole prefix every time, and for
 * sampled decoding the full distribution over the vocabulary at every draft position).
 *
 * One in-process cluster per configuration on its own nats-server (emulated models, 2 verifiers).
 * "lean" and "full prefix" are measured: the drafters run with leanContext on and off, and every
 * message any actor sends is counted by kind (specmesh_message_bytes_sent_total). "naive" adds, to
 * the full-prefix run, what dense distributions would cost: (vocab − support) × 8 bytes per sampled
 * draft position (a token id and a probability each), read off the sparse distributions of the
 * verify tasks seen on the wire.
 */
import { Batcher, collect, Drafter, generate, Scheduler, Verifier } from '@specmesh/actors';
import { emulatedPair } from '@specmesh/models';
import type { Mode } from '@specmesh/protocol';
import { Actor, createLogger, type NatsServerHandle, startNatsServer } from '@specmesh/runtime';

export interface WireBytesOptions {
  readonly requests: number;
  readonly maxTokens: number;
  readonly promptWords: number;
}

/** Bytes per committed token of one configuration (rounded). */
export interface WireBytesRow {
  readonly config: string;
  readonly lean: number;
  readonly fullPrefix: number;
  readonly naive: number;
  readonly leanVerify: number;
  readonly fullVerify: number;
  /**
   * Verify tasks the drafters sent in each run, re-sends included: the runs compare like for like
   * only when these agree (a loaded machine re-issues tasks that time out).
   */
  readonly leanTasks: number;
  readonly fullTasks: number;
  /** Share of the naive bytes lean saves, 0..1. */
  readonly saving: number;
}

export interface WireBytesReport {
  readonly options: WireBytesOptions;
  readonly rows: readonly WireBytesRow[];
}

interface Measured {
  readonly tokens: number;
  readonly total: number;
  readonly verify: number;
  readonly denseExtra: number;
  readonly tasks: number;
}

const logger = createLogger({ level: 'silent' });

async function measure(
  server: NatsServerHandle,
  o: WireBytesOptions,
  { mode, sampled, lean }: { mode: Mode; sampled: boolean; lean: boolean },
): Promise<Measured> {
  const { target, drafter } = emulatedPair({ agreement: 0.7, seed: 3, latency: { ttftMs: 1, tpotMs: 0.5 } });
  const prefix = `wire${mode}${sampled ? 's' : 'g'}${lean ? 'l' : 'f'}`;
  const common = { servers: server.url, subjects: { prefix }, heartbeatIntervalMs: 50, logger };
  const roles = [
    await Scheduler.start(common),
    await Batcher.start({ ...common, pool: 'p' }),
    await Verifier.start({ ...common, id: 'v0', pool: 'p', model: target }),
    await Verifier.start({ ...common, id: 'v1', pool: 'p', model: target }),
    await Drafter.start({ ...common, id: 'd0', model: drafter, leanContext: lean }),
  ];
  const client = await Actor.start({ ...common, role: 'gateway', heartbeatIntervalMs: 0 });
  // Dense-distribution cost, from the verify tasks themselves.
  let denseExtra = 0;
  const vocab = target.info.vocabSize;
  client.handle(client.subjects.verifyPool('p'), 'verify.task', (m) => {
    const d = m.body.draftDist;
    if (d)
      for (let i = 0; i + 1 < d.offsets.length; i++)
        denseExtra += (vocab - (d.offsets[i + 1]! - d.offsets[i]!)) * 8;
    return undefined;
  });
  await new Promise((r) => setTimeout(r, 300));
  let tokens = 0;
  const words = Array.from({ length: o.promptWords }, (_, i) => `word${i % 17}`).join(' ');
  await Promise.all(
    Array.from({ length: o.requests }, async (_, i) => {
      const out = await collect(
        await generate(client, {
          requestId: `${prefix}-${i}`,
          prompt: `${i}: ${words}`,
          maxTokens: o.maxTokens,
          sampling: sampled
            ? { temperature: 0.8, topK: 0, topP: 0.95, seed: i + 1 }
            : { temperature: 0, topK: 0, topP: 1, seed: 1 },
          mode,
          window: { policy: 'static', k: 4 },
        }),
      );
      tokens += out.tokens.length;
    }),
  );
  const byKind: Record<string, number> = {};
  let tasks = 0;
  for (const r of roles) {
    for (const [kind, sent] of await r.actor.metrics.sentByKind()) {
      byKind[kind] = (byKind[kind] ?? 0) + sent.bytes;
      if (kind === 'verify.task') tasks += sent.messages;
    }
  }
  await client.stop();
  for (const r of roles.reverse()) await r.stop();
  const total = Object.entries(byKind)
    .filter(([k]) => k !== 'heartbeat')
    .reduce((s, [, v]) => s + v, 0);
  return { tokens, total, verify: (byKind['verify.task'] ?? 0) + (byKind['batch'] ?? 0), denseExtra, tasks };
}

/** The five configurations measured: every mode greedy, and speculation sampled. */
export const WIRE_CONFIGS: ReadonlyArray<readonly [Mode, boolean]> = [
  ['nonsi', false],
  ['si', false],
  ['dsi', false],
  ['si', true],
  ['dsi', true],
];

export async function runWireBytes(
  o: WireBytesOptions,
  onConfig: (done: number, total: number) => void = () => undefined,
): Promise<WireBytesReport> {
  const server = await startNatsServer();
  const rows: WireBytesRow[] = [];
  try {
    for (const [mode, sampled] of WIRE_CONFIGS) {
      const lean = await measure(server, o, { mode, sampled, lean: true });
      const full = await measure(server, o, { mode, sampled, lean: false });
      const per = (x: number, n: number) => Math.round(x / n);
      rows.push({
        config: `${mode}${sampled ? ' sampled' : ' greedy'}`,
        lean: per(lean.total, lean.tokens),
        fullPrefix: per(full.total, full.tokens),
        naive: per(full.total + full.denseExtra, full.tokens),
        leanVerify: per(lean.verify, lean.tokens),
        fullVerify: per(full.verify, full.tokens),
        leanTasks: lean.tasks,
        fullTasks: full.tasks,
        saving: 1 - lean.total / lean.tokens / ((full.total + full.denseExtra) / full.tokens),
      });
      onConfig(rows.length, WIRE_CONFIGS.length);
    }
  } finally {
    await server.stop();
  }
  return { options: o, rows };
}

export function formatWireBytes(r: WireBytesReport): string {
  const { requests, maxTokens, promptWords } = r.options;
  return [
    `bytes per committed token (all messages but heartbeats; ${requests} requests × ${maxTokens} tokens, prompts of ${promptWords} words, 2 verifiers)\n`,
    '| config | lean | full prefix | naive (full prefix + dense distributions) | verify tasks+batches, lean | same, full prefix | lean saves vs naive |',
    '|---|---|---|---|---|---|---|',
    ...r.rows.map(
      (w) =>
        `| ${w.config} | ${w.lean} | ${w.fullPrefix} | ${w.naive} | ${w.leanVerify} | ${w.fullVerify} | ${(100 * w.saving).toFixed(0)}% |`,
    ),
  ].join('\n');
}
