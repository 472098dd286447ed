#!/usr/bin/env node
/**
 * Gateway overhead: the same generation requests (emulated models at zero latency) sent through the
 * gateway's HTTP API vs straight to the scheduler over NATS (`generate()` from @specmesh/actors, what
 * the gateway itself calls), from one load-generator process against one cluster process.
 *
 * 1. Latency, closed loop, concurrency 1 (`--seconds` each, alternating rounds so noise hits both):
 *    p50/p99 per side and the difference = what the gateway adds (HTTP parse, JSON, validation).
 * 2. Max sustained requests/s: autocannon against the gateway vs a closed loop of `--connections`
 *    concurrent direct generations, each for `--seconds`.
 *
 * Usage: node bench/gateway-overhead.mjs [--seconds 5] [--rounds 4] [--connections 32] [--tokens 16]
 *        [--json out.json] [--profile dir] [--only latency] [--gateway-module path/to/dist/index.js]
 * `--profile dir` writes a V8 CPU profile of the cluster process (gateway included) into `dir`
 * (`node --cpu-prof`); `--only latency` skips the max-throughput part; `--gateway-module` runs another
 * build of the gateway (e.g. the last commit's, built elsewhere) for a before/after comparison.
 * Needs a build (`npx tsc -b`). Not a test: figures depend on the machine; see docs/benchmarks/gateway.md.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const seconds = Number(arg('seconds', '5'));
const rounds = Number(arg('rounds', '4'));
const connections = Number(arg('connections', '32'));
const tokens = Number(arg('tokens', '16'));
const jsonOut = arg('json', undefined);
const profileDir = arg('profile', undefined);
const only = arg('only', undefined);
const gatewayModuleArg = arg('gateway-module', undefined);

if (process.argv.includes('--serve')) {
  // The cluster process: nats-server, scheduler, batcher, two verifiers, a drafter and the gateway.
  const { Batcher, Drafter, Scheduler, Verifier } = await import('@specmesh/actors');
  const gatewayModule = process.env.SPECMESH_BENCH_GATEWAY_MODULE;
  const { Gateway } = await import(gatewayModule ? pathToFileURL(gatewayModule).href : '@specmesh/gateway');
  const { emulatedPair } = await import('@specmesh/models');
  const { startNatsServer } = await import('@specmesh/runtime');
  const server = await startNatsServer();
  const { target, drafter } = emulatedPair({ agreement: 0.8, seed: 3 });
  const common = { servers: server.url, heartbeatIntervalMs: 200 };
  const actors = [
    await Scheduler.start({ ...common, maxQueue: 4096 }),
    await Batcher.start({ ...common, pool: 'p' }),
    await Verifier.start({ ...common, id: 'bv0', pool: 'p', model: target }),
    await Verifier.start({ ...common, id: 'bv1', pool: 'p', model: target }),
    await Drafter.start({ ...common, id: 'bd0', model: drafter, maxSessions: 256 }),
  ];
  const gw = await Gateway.start({ ...common, port: 0 });
  while ((await fetch(`${gw.url}/ready`)).status !== 200) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 600));
  process.stdout.write(`${JSON.stringify({ nats: server.url, gateway: gw.url })}\n`);
  process.on('SIGTERM', async () => {
    await gw.stop();
    for (const a of actors.reverse()) await a.stop();
    await server.stop();
    process.exit(0);
  });
} else {
  await main();
}

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  process.env.SPECMESH_LOG_LEVEL ??= 'error';
  const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const child = spawn(process.execPath, [...profile, fileURLToPath(import.meta.url), '--serve'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      SPECMESH_LOG_LEVEL: 'error',
      ...(gatewayModuleArg ? { SPECMESH_BENCH_GATEWAY_MODULE: gatewayModuleArg } : {}),
    },
  });
  const urls = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) resolve(JSON.parse(buf.split('\n')[0]));
    });
    child.on('exit', (code) => reject(new Error(`cluster process exited with ${code}`)));
  });
  const { generate, collect } = await import('@specmesh/actors');
  const { Actor } = await import('@specmesh/runtime');
  const client = await Actor.start({ role: 'gateway', servers: urls.nats, heartbeatIntervalMs: 0 });
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const body = JSON.stringify({ model: 'm', prompt: 'bench', max_tokens: tokens, temperature: 0, seed: 1 });
  const url = new URL('/v1/completions', urls.gateway);

  const viaGateway = () =>
    new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () =>
            res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}: ${text}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const direct = async () => {
    const gen = await generate(client, {
      requestId: `bench-${randomBytes(6).toString('hex')}`,
      prompt: 'bench',
      maxTokens: tokens,
      sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
      mode: 'si',
      window: { policy: 'static', k: 5 },
    });
    return collect(gen);
  };

  async function closedLoop(fn, concurrency, ms) {
    const lat = [];
    const until = performance.now() + ms;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < until) {
          const t = performance.now();
          await fn();
          lat.push(performance.now() - t);
        }
      }),
    );
    return lat;
  }

  // Warm both paths.
  await closedLoop(viaGateway, 4, 1000);
  await closedLoop(direct, 4, 1000);

  const lat = { gateway: [], direct: [] };
  for (let r = 0; r < rounds; r++) {
    lat.direct.push(...(await closedLoop(direct, 1, (seconds * 1000) / rounds)));
    lat.gateway.push(...(await closedLoop(viaGateway, 1, (seconds * 1000) / rounds)));
  }
  const summary = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return { n: s.length, p50: pct(s, 50), p99: pct(s, 99) };
  };
  const latency = { direct: summary(lat.direct), gateway: summary(lat.gateway) };

  const latencyOnly = only === 'latency';
  const directMax = latencyOnly
    ? 0
    : (await closedLoop(direct, connections, seconds * 1000)).length / seconds;
  const { default: autocannon } = await import('autocannon');
  const ac = latencyOnly
    ? { requests: { average: 0 }, non2xx: 0, errors: 0 }
    : await autocannon({
        url: url.href,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections,
        duration: seconds,
      });
  const result = {
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    settings: { seconds, rounds, connections, tokens },
    latencyMs: {
      direct: latency.direct,
      gateway: latency.gateway,
      addedP50: latency.gateway.p50 - latency.direct.p50,
      addedP99: latency.gateway.p99 - latency.direct.p99,
    },
    maxRequestsPerSecond: {
      direct: directMax,
      gateway: ac.requests.average,
      gatewayNon2xx: ac.non2xx,
      gatewayErrors: ac.errors,
    },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(result, null, 2));
  agent.destroy();
  await client.stop();
  child.kill('SIGTERM');
  // Let the cluster process write its CPU profile before this one goes.
  await new Promise((resolve) => child.once('exit', resolve));
}
