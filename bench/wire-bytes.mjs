#!/usr/bin/env node
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
 *
 *   node bench/wire-bytes.mjs [--requests 12] [--max-tokens 96] [--prompt-words 60]
 */
import { parseArgs } from 'node:util';
import { Batcher, collect, Drafter, generate, Scheduler, Verifier } from '@specmesh/actors';
import { emulatedPair } from '@specmesh/models';
import { Actor, createLogger, startNatsServer } from '@specmesh/runtime';

const { values: o } = parseArgs({
  options: {
    requests: { type: 'string', default: '12' },
    'max-tokens': { type: 'string', default: '96' },
    'prompt-words': { type: 'string', default: '60' },
  },
});
const REQUESTS = Number(o.requests);
const MAX_TOKENS = Number(o['max-tokens']);
const WORDS = Number(o['prompt-words']);
const logger = createLogger({ level: 'silent' });

async function measure(server, { mode, sampled, lean }) {
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
  client.handle(`${prefix}.v1.verify.p`, 'verify.task', (m) => {
    const d = m.body.draftDist;
    if (d)
      for (let i = 0; i + 1 < d.offsets.length; i++)
        denseExtra += (vocab - (d.offsets[i + 1] - d.offsets[i])) * 8;
    return undefined;
  });
  await new Promise((r) => setTimeout(r, 300));
  let tokens = 0;
  const words = Array.from({ length: WORDS }, (_, i) => `word${i % 17}`).join(' ');
  await Promise.all(
    Array.from({ length: REQUESTS }, async (_, i) => {
      const out = await collect(
        await generate(client, {
          requestId: `${prefix}-${i}`,
          prompt: `${i}: ${words}`,
          maxTokens: MAX_TOKENS,
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
  const byKind = {};
  for (const r of roles) {
    for (const v of (await r.actor.metrics.sentBytes.get()).values) {
      byKind[v.labels.kind] = (byKind[v.labels.kind] ?? 0) + v.value;
    }
  }
  await client.stop();
  for (const r of roles.reverse()) await r.stop();
  const total = Object.entries(byKind)
    .filter(([k]) => k !== 'heartbeat')
    .reduce((s, [, v]) => s + v, 0);
  return { tokens, total, verify: (byKind['verify.task'] ?? 0) + (byKind.batch ?? 0), denseExtra, byKind };
}

const server = await startNatsServer();
const rows = [];
for (const [mode, sampled] of [
  ['nonsi', false],
  ['si', false],
  ['dsi', false],
  ['si', true],
  ['dsi', true],
]) {
  const lean = await measure(server, { mode, sampled, lean: true });
  const full = await measure(server, { mode, sampled, lean: false });
  const per = (x, n) => (x / n).toFixed(0);
  rows.push({
    config: `${mode}${sampled ? ' sampled' : ' greedy'}`,
    lean: per(lean.total, lean.tokens),
    fullPrefix: per(full.total, full.tokens),
    naive: per(full.total + full.denseExtra, full.tokens),
    leanVerify: per(lean.verify, lean.tokens),
    fullVerify: per(full.verify, full.tokens),
    saving: `${(100 * (1 - lean.total / lean.tokens / ((full.total + full.denseExtra) / full.tokens))).toFixed(0)}%`,
  });
}
await server.stop();
console.log(
  `bytes per committed token (all messages but heartbeats; ${REQUESTS} requests × ${MAX_TOKENS} tokens, prompts of ${WORDS} words, 2 verifiers)\n`,
);
console.log(
  '| config | lean | full prefix | naive (full prefix + dense distributions) | verify tasks+batches, lean | same, full prefix | lean saves vs naive |',
);
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.config} | ${r.lean} | ${r.fullPrefix} | ${r.naive} | ${r.leanVerify} | ${r.fullVerify} | ${r.saving} |`,
  );
}
