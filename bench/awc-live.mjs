#!/usr/bin/env node
/**
 * AWC against static windows and the acceptance baselines on the real cluster: every role a
 * `specmesh node` process, emulated models, the edge behind a delay proxy.
 *
 * Cloud: a NATS server (`--cloud-servers` for a routed cluster) with the scheduler, a batcher, 2 verifiers started with `--fused`
 * (each also holds the draft model, on the same compute slots as verification) and a cloud drafter
 * for the background load. Edge: a leaf nats-server through a delay proxy (`--rtts`) with the edge
 * drafter and the measured clients.
 *
 * Policies, as in the simulator's benchmark (docs/benchmarks/awc.md): `static-0` is plain decoding at
 * the target (every session on a fused host, no speculation); `static-1` is DSD's fused mode (every
 * session fused at the target, one draft per round); `static-2` … `static-8`, `backoff`, `threshold`
 * and `bandit` (discounted UCB over windows 0 … 8 on tokens per ms) run at the edge (scheduler
 * `--placement edge`); `awc` lets AWC pick each round's window (0: a plain step) and, through its
 * fused mode, where the session runs (scheduler `--placement adaptive`, window policy `awc`: see
 * packages/actors/src/session/window-control.ts).
 *
 * Targets batch like an accelerator (`--target-batching`, roofline of core's batch-cost.ts: 15 ms a
 * pass, 0.4 ms per further position up to `--knee` positions, proportional past it), so a busy cloud
 * means what it means on a GPU: past the knee every draft position costs a token's compute.
 * `--knee 0` runs the earlier non-batching targets (one thread per concurrent step).
 *
 * Per cell (RTT × cloud idle/busy) and policy: `--clients` closed-loop edge clients send SI requests
 * for `--seconds`; throughput is committed tokens over that time, TPOT the mean per request. "busy":
 * `--busy` background clients in the cloud keep the verifiers loaded (they avoid the edge drafter and
 * the fused hosts, so they are the same load under every policy). The figures that matter are the
 * ratios to the best static window of the same cell, measured minutes apart on the same machine.
 *
 *   node bench/awc-live.mjs                                  # RTT 10,20,50 × idle,busy
 *   node bench/awc-live.mjs --rtts 20 --loads idle --seconds 4 --json
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { generate } from '@specmesh/actors';
import { startEdgeCloudCluster } from './edge-cloud-cluster.mjs';

const { values: o } = parseArgs({
  options: {
    rtts: { type: 'string', default: '10,20,50' },
    loads: { type: 'string', default: 'idle,busy' },
    policies: {
      type: 'string',
      default: 'static-0,static-1,static-2,static-3,static-4,static-6,static-8,backoff,threshold,bandit,awc',
    },
    clients: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '8' },
    'max-tokens': { type: 'string', default: '64' },
    // 16 plain-decoding background sessions fill both verifiers' passes to the knee (8 positions each):
    // any draft position the measured sessions add is past it.
    busy: { type: 'string', default: '16' },
    'cloud-servers': { type: 'string', default: '1' },
    'verifier-threads': { type: 'string', default: '4' },
    knee: { type: 'string', default: '8' },
    'per-position-ms': { type: 'string', default: '0.4' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (o.help) {
  process.stdout.write(`Usage: node bench/awc-live.mjs [options]

AWC against static windows, plain decoding and the adaptive baselines on a real edge-cloud cluster of
processes (emulated batching targets, the edge behind a delay proxy); ratios to the best static window
of each cell. Results: docs/benchmarks/awc-cluster.md.

Options (defaults in brackets):
  --rtts LIST             edge round trips, ms [10,20,50]
  --loads LIST            cloud load per cell: idle, busy [idle,busy]
  --policies LIST         static-N, backoff, threshold, bandit, awc, awc@<weights.json> [all]
  --clients N             closed-loop edge clients [4]
  --seconds N             measured seconds per policy [8]
  --max-tokens N          tokens per request [64]
  --busy N                background sessions in busy cells [16]
  --cloud-servers N       NATS servers in the cloud cluster [1]
  --verifier-threads N    model threads per verifier [4]
  --knee N                batching target's knee, positions [8]
  --per-position-ms MS    batching target's cost per position [0.4]
  --json                  one JSON document on stdout
  -h, --help              this text
`);
  process.exit(0);
}
const CLIENTS = Number(o.clients);
const SECONDS = Number(o.seconds);
const MAX_TOKENS = Number(o['max-tokens']);
const BUSY = Number(o.busy);
// The DSD scenario's latencies (packages/sim/scenarios/dsd-gsm8k.yaml), so the weights trained in the
// simulator meet the figures they were trained on: target 15 ms per step and 0.4 ms per checked draft
// token; edge drafter 6 ms per token; the fused hosts' draft model 1.5 ms per token (next to the
// target); drafter agreement 0.9 (about the reference's 0.93 · 0.97^position over a window).
const KNEE = Number(o.knee);
const TARGET = [
  '--target-tpot-ms',
  '15',
  '--target-per-token-ms',
  '0.4',
  '--agreement',
  '0.9',
  ...(KNEE > 0
    ? ['--target-batching', '--target-per-position-ms', o['per-position-ms'], '--target-knee', o.knee]
    : []),
];
const EDGE_DRAFT = ['--draft-tpot-ms', '6'];
const FUSED_DRAFT = ['--draft-tpot-ms', '1.5'];

/** Which scheduler placement a policy runs under, and its window spec. */
function setup(policy) {
  if (policy === 'awc') return { placement: 'adaptive', window: { policy: 'awc', k: 4 } };
  // `awc@<file>`: AWC with other weights (every role gets `--awc-weights <file>`), on a cluster of its own.
  if (policy.startsWith('awc@'))
    return { placement: 'adaptive', weights: policy.slice(4), window: { policy: 'awc', k: 4 } };
  if (policy === 'static-0') return { placement: 'fused', window: { policy: 'static', k: 1 }, mode: 'nonsi' };
  if (policy === 'static-1') return { placement: 'fused', window: { policy: 'static', k: 1 } };
  if (policy.startsWith('static-'))
    return { placement: 'edge', window: { policy: 'static', k: Number(policy.slice(7)) } };
  return { placement: 'edge', window: { policy, k: 4 } };
}

/** Runs `policies` (all under one scheduler placement) on one fresh cluster. */
async function cluster(rttMs, load, { placement, weights }, policies) {
  const c = await startEdgeCloudCluster({
    rttMs,
    cloudSize: Number(o['cloud-servers']),
    prefix: 'awclive',
    placement,
    ...(weights ? { allArgs: ['--awc-weights', weights] } : {}),
    // Model worker threads per verifier: an emulated call holds its thread for its whole latency, so
    // one thread makes the target run one forward at a time (no batching across sessions, unlike the
    // simulator's and a GPU's targets); several let concurrent sessions' steps overlap.
    verifierArgs: [...TARGET, ...FUSED_DRAFT, '--model-threads', o['verifier-threads']],
    // The edge drafter stands for one edge device per client: as many model threads as clients, so
    // their drafting does not queue behind each other's.
    drafterArgs: [...TARGET, ...EDGE_DRAFT, '--model-threads', String(CLIENTS)],
    // Only the background load uses the cloud drafter, and it fills it: the measured requests (and a
    // fused session judging whether the edge would do better) see the edge drafter alone.
    cloudDrafterSessions: load === 'busy' ? BUSY : 0,
  });
  try {
    await c.ready();
    if (load === 'busy') await c.background(BUSY);
    const rows = [];
    for (const policy of policies)
      rows.push({ rttMs, load, policy, ...(await measure(c.edgeClient, setup(policy))) });
    return rows;
  } finally {
    await c.stop();
  }
}

/** `CLIENTS` closed-loop clients for a second of warm-up, then `SECONDS` measured. */
async function measure(client, { window, mode = 'si' }) {
  let tokens = 0;
  let tpotSum = 0;
  let requests = 0;
  const fused = { n: 0, of: 0 };
  const warmUntil = performance.now() + 1000;
  const endAt = warmUntil + SECONDS * 1000;
  const loop = async (c) => {
    for (let i = 0; performance.now() < endAt; i++) {
      const started = performance.now();
      let first;
      let got = 0;
      const gen = await generate(client, {
        requestId: `m-${c}-${i}-${Math.random().toString(36).slice(2, 8)}`,
        prompt: `measured request ${c} ${i}`,
        maxTokens: MAX_TOKENS,
        sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
        mode,
        window,
        avoid: ['drafter-cloud'],
      });
      let movedToCloud = gen.accepted.drafterId.startsWith('verifier');
      for await (const ch of gen.chunks) {
        if (ch.tokens.length > 0 && first === undefined) first = performance.now();
        const now = performance.now();
        // Tokens committed inside the measured interval count, whichever request they belong to.
        if (now >= warmUntil && now <= endAt) tokens += ch.tokens.length;
        got += ch.tokens.length;
      }
      movedToCloud ||= gen.moves > 0;
      const end = performance.now();
      if (started >= warmUntil && end <= endAt && first !== undefined) {
        requests++;
        tpotSum += (end - first) / Math.max(1, got - 1);
        fused.of++;
        if (movedToCloud) fused.n++;
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => loop(c)));
  return {
    tokensPerS: Number(((tokens / SECONDS) * 1).toFixed(1)),
    tpotMs: Number((tpotSum / Math.max(1, requests)).toFixed(2)),
    requests,
    /** Requests that ran fused at some point (placed there or moved). */
    fusedShare: Number((fused.n / Math.max(1, fused.of)).toFixed(2)),
  };
}

const policies = o.policies.split(',');
const rows = [];
const loadAtStart = loadavg();
for (const rtt of o.rtts.split(',').map(Number)) {
  for (const load of o.loads.split(',')) {
    const byPlacement = new Map();
    for (const p of policies) {
      const { placement, weights } = setup(p);
      const key = `${placement}|${weights ?? ''}`;
      byPlacement.set(key, [...(byPlacement.get(key) ?? []), p]);
    }
    for (const [key, ps] of byPlacement) {
      const [placement, weights] = key.split('|');
      for (const r of await cluster(rtt, load, { placement, weights: weights || undefined }, ps)) {
        rows.push(r);
        if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else
          process.stdout.write(
            `RTT ${String(rtt).padStart(2)} ms · ${load.padEnd(4)} · ${r.policy.padEnd(9)} ${String(r.tokensPerS).padStart(7)} tokens/s · TPOT ${r.tpotMs} ms · ${r.requests} requests · fused ${r.fusedShare}\n`,
          );
      }
    }
  }
}
if (!o.json) {
  const statics = policies.filter((p) => p.startsWith('static-'));
  const others = policies.filter((p) => !p.startsWith('static-'));
  process.stdout.write(
    `\nthroughput relative to the best static window of the cell\n| RTT ms | cloud | best static (tokens/s) | ${[...statics, ...others].join(' | ')} |\n|${'---|'.repeat(3 + policies.length)}\n`,
  );
  for (const rtt of o.rtts.split(',').map(Number)) {
    for (const load of o.loads.split(',')) {
      const get = (p) =>
        rows.find((r) => r.rttMs === rtt && r.load === load && r.policy === p)?.tokensPerS ?? 0;
      const best = statics.reduce((b, p) => (get(p) > get(b) ? p : b), statics[0]);
      const ratio = (p) => (get(best) > 0 ? (get(p) / get(best)).toFixed(3) : '–');
      process.stdout.write(
        `| ${rtt} | ${load} | ${best} (${get(best)}) | ${[...statics, ...others].map(ratio).join(' | ')} |\n`,
      );
    }
  }
  const geoMean = (xs) => Math.exp(xs.reduce((s, r) => s + Math.log(r), 0) / xs.length);
  const cellsOf = () => [...new Set(rows.map((r) => `${r.rttMs}|${r.load}`))];
  const tps = (key, p) =>
    rows.find((r) => `${r.rttMs}|${r.load}` === key && r.policy === p)?.tokensPerS || Number.NaN;
  // The best single static window: the one with the highest geometric mean over the cells.
  const single = statics.reduce(
    (b, p) => (geoMean(cellsOf().map((k) => tps(k, p))) > geoMean(cellsOf().map((k) => tps(k, b))) ? p : b),
    statics[0],
  );
  const bestOf = (k) => Math.max(...statics.map((p) => tps(k, p)));
  process.stdout.write(
    `\nagainst the best single static window (${single}) and each cell's best static window:\n`,
  );
  for (const p of others) {
    const vsSingle = geoMean(cellsOf().map((k) => tps(k, p) / tps(k, single)));
    const perCell = cellsOf().map((k) => tps(k, p) / bestOf(k));
    const perSingle = cellsOf().map((k) => tps(k, p) / tps(k, single));
    process.stdout.write(
      `${p.padEnd(9)} vs ${single}: ${((vsSingle - 1) * 100).toFixed(1)}% (geometric mean), worst cell ${((Math.min(...perSingle) - 1) * 100).toFixed(1)}%; ` +
        `vs each cell's best: mean ${((geoMean(perCell) - 1) * 100).toFixed(1)}%, worst ${((Math.min(...perCell) - 1) * 100).toFixed(1)}%\n`,
    );
  }
  const end = loadavg();
  process.stdout.write(
    `\nload average (1, 5, 15 min): at start ${loadAtStart.map((x) => x.toFixed(2)).join(' ')}, at end ${end.map((x) => x.toFixed(2)).join(' ')}; targets ${KNEE > 0 ? `batching, knee ${KNEE}, ${o['per-position-ms']} ms per position` : 'non-batching'}\n`,
  );
}
