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
import { parseArgs } from 'node:util';
import { collect, generate } from '@specmesh/actors';
import { startEdgeCloudCluster } from './edge-cloud-cluster.mjs';

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

async function cell(rttMs, load, policy) {
  const c = await startEdgeCloudCluster({
    rttMs,
    prefix: 'place',
    placement: policy,
    verifierArgs: MODEL,
    drafterArgs: MODEL,
  });
  const edgeClient = c.edgeClient;
  try {
    await c.ready();
    if (load === 'busy') await c.background(BUSY);
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
          for await (const ch of gen.chunks) {
            if (ch.tokens.length > 0 && first === undefined) first = performance.now();
            yield ch;
          }
        },
      };
      const out = await collect({ chunks: timed });
      const end = performance.now();
      if (i < 0) {
        // warm-up: background tokens count from here
        c.takeBackgroundTokens();
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
      backgroundTokensPerS: Number(
        ((c.takeBackgroundTokens() / (performance.now() - measuredFrom)) * 1000).toFixed(1),
      ),
    };
  } finally {
    await c.stop();
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
