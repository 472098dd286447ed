#!/usr/bin/env node
/**
 * Edge-cloud speculative decoding on one machine: targets (verifiers, batcher, scheduler) on a 3-server
 * cloud NATS cluster, the drafter and the client on an edge nats-server that joins the cloud as a leaf
 * node through a delay proxy adding `--rtt` ms round trip. `--layout cloud` puts the drafter in the
 * cloud too (the client stays at the edge), the baseline "everything in the cloud".
 *
 *   node examples/edge-cloud/run.mjs --rtt 20                 # edge drafter, SI and DSI, table
 *   node examples/edge-cloud/run.mjs --rtt 20 --layout cloud  # everything in the cloud
 *   node examples/edge-cloud/run.mjs --rtt 50 --json          # one JSON line per mode (benchmarks)
 *
 * Every role is a `specmesh node` process; greedy outputs are compared across modes (lossless).
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { collect, generate } from '@specmesh/actors';
import { Actor, createLogger, MembershipView, Supervisor } from '@specmesh/runtime';
import { startEdgeCloud } from './topology.mjs';

const CLI = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const { values: o } = parseArgs({
  options: {
    rtt: { type: 'string', default: '20' },
    layout: { type: 'string', default: 'edge' },
    modes: { type: 'string', default: 'si,dsi' },
    requests: { type: 'string', default: '6' },
    'max-tokens': { type: 'string', default: '48' },
    verifiers: { type: 'string', default: '3' },
    k: { type: 'string', default: '5' },
    'target-tpot-ms': { type: 'string', default: '20' },
    'draft-tpot-ms': { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
  },
});
const rttMs = Number(o.rtt);
const requests = Number(o.requests);
const maxTokens = Number(o['max-tokens']);
const verifiers = Number(o.verifiers);
const k = Number(o.k);
if (!['edge', 'cloud'].includes(o.layout)) throw new Error(`--layout must be edge or cloud, got ${o.layout}`);
for (const [name, v] of Object.entries({ rtt: rttMs, requests, 'max-tokens': maxTokens, verifiers, k }))
  if (!(Number.isFinite(v) && v >= 0)) throw new Error(`--${name} must be a number >= 0, got ${v}`);
const modes = o.modes.split(',');
const say = (line) => {
  if (!o.json) process.stdout.write(`${line}\n`);
};

const net = await startEdgeCloud({ rttMs, edges: 1 });
const sup = new Supervisor({ stdio: ['ignore', 'ignore', 'inherit'] });
let client;
try {
  const model = ['--target-tpot-ms', o['target-tpot-ms'], '--draft-tpot-ms', o['draft-tpot-ms']];
  const common = ['--prefix', 'edgecloud', '--heartbeat-ms', '250'];
  const cloud = net.cloudUrls.join(',');
  const drafterNats = o.layout === 'edge' ? net.edgeUrls[0] : cloud;
  const plan = [
    ['scheduler', 1, cloud, []],
    ['batcher', 1, cloud, []],
    ['verifier', verifiers, cloud, model],
    ['drafter', 1, drafterNats, model],
  ];
  let total = 0;
  for (const [role, n, nats, extra] of plan)
    for (let i = 1; i <= n; i++, total++)
      sup.start({
        name: `${role}-${i}`,
        args: [CLI, 'node', '--role', role, '--name', `${role}-${i}`, '--nats', nats, ...common, ...extra],
      });
  say(
    `• RTT ${rttMs} ms edge↔cloud; drafter in the ${o.layout}; ${verifiers} verifiers; launching ${total} roles …`,
  );
  client = await Actor.start({
    role: 'gateway',
    servers: net.edgeUrls[0],
    subjects: { prefix: 'edgecloud' },
    heartbeatIntervalMs: 0,
    logger: createLogger({ level: 'warn' }),
  });
  const view = new MembershipView().start(client, 50);
  await view.waitFor((ms) => ms.length >= total, 30_000);
  await new Promise((r) => setTimeout(r, 500));

  const once = async (prompt, mode) => {
    const started = performance.now();
    let first;
    const gen = await generate(client, {
      requestId: `ec-${mode}-${Math.random().toString(36).slice(2, 10)}`,
      prompt,
      maxTokens,
      sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
      mode,
      window: { policy: 'static', k },
      deadlineAt: Date.now() + 120_000,
    });
    const timed = {
      [Symbol.asyncIterator]: async function* () {
        for await (const c of gen.chunks) {
          if (c.tokens.length > 0 && first === undefined) first = performance.now();
          yield c;
        }
      },
    };
    const out = await collect({ accepted: gen.accepted, chunks: timed });
    const end = performance.now();
    return {
      tokens: out.tokens,
      wallMs: end - started,
      tpotMs: (end - first) / Math.max(1, out.tokens.length - 1),
    };
  };
  for (const mode of modes) await once('warm up', mode);

  const outputs = new Map();
  const rows = [];
  for (const mode of modes) {
    let tokens = 0;
    let wall = 0;
    let tpot = 0;
    for (let i = 0; i < requests; i++) {
      const prompt = `edge request ${i}`;
      const r = await once(prompt, mode);
      tokens += r.tokens.length;
      wall += r.wallMs;
      tpot += r.tpotMs;
      const key = r.tokens.join(',');
      if (outputs.has(prompt) && outputs.get(prompt) !== key)
        throw new Error(`${mode} output differs for "${prompt}"`);
      outputs.set(prompt, key);
    }
    const row = {
      layout: o.layout,
      rttMs,
      mode,
      requests,
      tokens,
      tokensPerS: Number(((tokens / wall) * 1000).toFixed(1)),
      tpotMs: Number((tpot / requests).toFixed(2)),
    };
    rows.push(row);
    if (o.json) process.stdout.write(`${JSON.stringify(row)}\n`);
    else
      say(
        `  ${mode.padEnd(5)} ${row.tokensPerS} tokens/s · TPOT ${row.tpotMs} ms (${tokens} tokens, ${requests} requests)`,
      );
  }
  say(`• same greedy output in every mode: yes (${outputs.size} prompts)`);
  view.stop();
} finally {
  await client?.stop();
  await sup.stopAll();
  await net.stop();
}
