#!/usr/bin/env node
/**
 * Adaptive placement against fixed placements, edge-cloud, every role a `specmesh node` process.
 *
 * Cloud: a 3-server NATS cluster with the scheduler, a batcher, 2 verifiers started with `--fused`
 * (each also holds the draft model and can run requests fused: drafting next to the target, on the
 * same compute slots), and a cloud drafter that serves the background load. Edge: a nats-server joined
 * as a leaf node through a delay proxy (`--rtt`), with the edge drafter and the measured client.
 *
 * Per cell (RTT × cloud idle/busy) and placement policy (edge, fused, adaptive): `--requests`
 * sequential SI requests from the edge client; tokens/s over their summed wall time and mean TPOT.
 * "busy": `--busy` concurrent background requests from a cloud client keep the verifiers' slots full
 * (they avoid the edge drafter and the fused hosts, so they are the same load under every policy).
 *
 *   node bench/placement.mjs                              # RTT 5,10,20,50 × idle,busy × 3 policies
 *   node bench/placement.mjs --rtts 20 --loads idle --json
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { collect, generate } from '@specmesh/actors';
import { Actor, createLogger, MembershipView, Supervisor } from '@specmesh/runtime';
import { startEdgeCloud } from '../examples/edge-cloud/topology.mjs';

const CLI = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const { values: o } = parseArgs({
  options: {
    rtts: { type: 'string', default: '5,10,20,50' },
    loads: { type: 'string', default: 'idle,busy' },
    policies: { type: 'string', default: 'edge,fused,adaptive' },
    requests: { type: 'string', default: '5' },
    'max-tokens': { type: 'string', default: '48' },
    busy: { type: 'string', default: '16' },
    json: { type: 'boolean', default: false },
  },
});
const REQUESTS = Number(o.requests);
const MAX_TOKENS = Number(o['max-tokens']);
const BUSY = Number(o.busy);
// Target 12 ms per step, 0.5 ms per extra verified token; drafter 2 ms per token; agreement 0.8.
const MODEL = [
  '--target-tpot-ms',
  '12',
  '--target-per-token-ms',
  '0.5',
  '--draft-tpot-ms',
  '2',
  '--agreement',
  '0.8',
];
const silent = createLogger({ level: 'silent' });

async function cell(rttMs, load, policy) {
  const net = await startEdgeCloud({ rttMs, edges: 1 });
  const sup = new Supervisor({ stdio: ['ignore', 'ignore', 'inherit'] });
  const cloud = net.cloudUrls.join(',');
  const common = ['--prefix', 'place', '--heartbeat-ms', '200', '--log-level', 'warn'];
  const start = (name, role, nats, extra = []) =>
    sup.start({
      name,
      args: [CLI, 'node', '--role', role, '--name', name, '--nats', nats, ...common, ...extra],
    });
  start('scheduler', 'scheduler', cloud, ['--placement', policy]);
  start('batcher', 'batcher', cloud);
  start('verifier-1', 'verifier', cloud, [...MODEL, '--fused', '--host-sessions', '8']);
  start('verifier-2', 'verifier', cloud, [...MODEL, '--fused', '--host-sessions', '8']);
  start('drafter-cloud', 'drafter', cloud, MODEL);
  start('drafter-edge', 'drafter', net.edgeUrls[0], MODEL);
  const edgeClient = await Actor.start({
    role: 'gateway',
    servers: net.edgeUrls[0],
    subjects: { prefix: 'place' },
    heartbeatIntervalMs: 0,
    logger: silent,
  });
  const cloudClient = await Actor.start({
    role: 'gateway',
    servers: net.cloudUrls[0],
    subjects: { prefix: 'place' },
    heartbeatIntervalMs: 0,
    logger: silent,
  });
  const view = new MembershipView().start(edgeClient, 50);
  let stopBackground = false;
  const background = [];
  // Tokens the background requests got while the measured ones ran: what fused drafting costs others.
  let bgTokens = 0;
  let measuring = false;
  try {
    await view.waitFor((ms) => ms.length >= 6, 30_000);
    // The edge drafter's round trip reaches its heartbeat after a few pings.
    await new Promise((r) => setTimeout(r, 1500));
    if (load === 'busy') {
      for (let w = 0; w < BUSY; w++) {
        background.push(
          (async () => {
            for (let i = 0; !stopBackground; i++) {
              const out = await collect(
                await generate(cloudClient, {
                  requestId: `bg-${w}-${i}`,
                  prompt: `background ${w} ${i}`,
                  maxTokens: 64,
                  sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
                  mode: 'nonsi',
                  window: { policy: 'static', k: 1 },
                  avoid: ['drafter-edge', 'verifier-1', 'verifier-2'],
                }),
              ).catch(() => undefined);
              if (measuring && out) bgTokens += out.tokens.length;
            }
          })(),
        );
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    let tokens = 0;
    let wall = 0;
    let tpot = 0;
    const hosts = new Map();
    let measuredFrom = 0;
    for (let i = -1; i < REQUESTS; i++) {
      const started = performance.now();
      let first;
      const gen = await generate(edgeClient, {
        requestId: `m-${i}-${Math.random().toString(36).slice(2, 8)}`,
        prompt: `measured request ${i}`,
        maxTokens: MAX_TOKENS,
        sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
        mode: 'si',
        window: { policy: 'static', k: 4 },
      });
      const timed = {
        [Symbol.asyncIterator]: async function* () {
          for await (const c of gen.chunks) {
            if (c.tokens.length > 0 && first === undefined) first = performance.now();
            yield c;
          }
        },
      };
      const out = await collect({ chunks: timed });
      const end = performance.now();
      if (i < 0) {
        // warm-up
        measuring = true;
        measuredFrom = performance.now();
        continue;
      }
      const host = gen.accepted.drafterId.startsWith('verifier') ? 'fused' : 'edge';
      hosts.set(host, (hosts.get(host) ?? 0) + 1);
      tokens += out.tokens.length;
      wall += end - started;
      tpot += (end - first) / Math.max(1, out.tokens.length - 1);
    }
    return {
      rttMs,
      load,
      policy,
      tokensPerS: Number(((tokens / wall) * 1000).toFixed(1)),
      tpotMs: Number((tpot / REQUESTS).toFixed(2)),
      placed: Object.fromEntries(hosts),
      backgroundTokensPerS: Number(((bgTokens / (performance.now() - measuredFrom)) * 1000).toFixed(1)),
    };
  } finally {
    stopBackground = true;
    await Promise.race([Promise.all(background), new Promise((r) => setTimeout(r, 5000))]);
    view.stop();
    await edgeClient.stop();
    await cloudClient.stop();
    await sup.stopAll();
    await net.stop();
  }
}

const rows = [];
for (const rtt of o.rtts.split(',').map(Number)) {
  for (const load of o.loads.split(',')) {
    for (const policy of o.policies.split(',')) {
      const r = await cell(rtt, load, policy);
      rows.push(r);
      if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else
        process.stdout.write(
          `RTT ${String(rtt).padStart(2)} ms · ${load.padEnd(4)} · ${policy.padEnd(8)} ${String(r.tokensPerS).padStart(6)} tokens/s · TPOT ${r.tpotMs} ms · background ${r.backgroundTokensPerS} tokens/s · placed ${JSON.stringify(r.placed)}\n`,
        );
    }
  }
}
if (!o.json) {
  process.stdout.write(
    '\n| RTT ms | cloud | edge tokens/s | fused tokens/s | adaptive tokens/s | adaptive / best fixed |\n|---:|---|---:|---:|---:|---:|\n',
  );
  for (const rtt of o.rtts.split(',').map(Number)) {
    for (const load of o.loads.split(',')) {
      const get = (p) => rows.find((r) => r.rttMs === rtt && r.load === load && r.policy === p)?.tokensPerS;
      const e = get('edge');
      const f = get('fused');
      const a = get('adaptive');
      const best = Math.max(e ?? 0, f ?? 0);
      process.stdout.write(
        `| ${rtt} | ${load} | ${e} | ${f} | ${a} | ${best ? (a / best).toFixed(2) : '–'}x |\n`,
      );
    }
  }
}
