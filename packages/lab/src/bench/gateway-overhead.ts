/**
 * Gateway overhead: the same generation requests (emulated models at zero latency) sent through the
 * gateway's HTTP API vs straight to the scheduler over NATS (`generate()` from @specmesh/actors, what
 * the gateway itself calls), from this process against one cluster process (gateway-overhead-cluster.ts).
 *
 * 1. Latency, closed loop, concurrency 1 (`seconds` each, alternating rounds so noise hits both):
 *    p50/p99 per side and the difference = what the gateway adds (HTTP parse, JSON, validation).
 * 2. Max sustained requests/s: autocannon against the gateway vs a closed loop of `connections`
 *    concurrent direct generations, each for `seconds`.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { collect, generate } from '@specmesh/actors';
import { InternalError } from '@specmesh/protocol';
import { Actor, createLogger } from '@specmesh/runtime';

const CLUSTER = fileURLToPath(new URL('./gateway-overhead-cluster.js', import.meta.url));

export interface GatewayOverheadOptions {
  readonly seconds: number;
  readonly rounds: number;
  readonly connections: number;
  readonly tokens: number;
  /** Only the latency part (no max-throughput runs). */
  readonly latencyOnly?: boolean;
  /** Folder for a V8 CPU profile of the cluster process (gateway included). */
  readonly profileDir?: string;
  /** Another build of the gateway (its dist/index.js), for a before/after comparison. */
  readonly gatewayModule?: string;
}

interface LatencySummary {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
}

export interface GatewayOverheadReport {
  readonly machine: { readonly cpus: number; readonly node: string };
  readonly settings: {
    readonly seconds: number;
    readonly rounds: number;
    readonly connections: number;
    readonly tokens: number;
  };
  readonly latencyMs: {
    readonly direct: LatencySummary;
    readonly gateway: LatencySummary;
    readonly addedP50: number;
    readonly addedP99: number;
  };
  readonly maxRequestsPerSecond: {
    readonly direct: number;
    readonly gateway: number;
    readonly gatewayNon2xx: number;
    readonly gatewayErrors: number;
  };
}

/** The script's own rank (floor), kept so figures stay comparable with earlier runs. */
function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(xs: readonly number[]): LatencySummary {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: pct(s, 50), p99: pct(s, 99) };
}

async function closedLoop(fn: () => Promise<unknown>, concurrency: number, ms: number): Promise<number[]> {
  const lat: number[] = [];
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

export async function runGatewayOverhead(o: GatewayOverheadOptions): Promise<GatewayOverheadReport> {
  const profile = o.profileDir ? ['--cpu-prof', '--cpu-prof-dir', o.profileDir] : [];
  const child = spawn(process.execPath, [...profile, CLUSTER], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      SPECMESH_LOG_LEVEL: 'error',
      ...(o.gatewayModule ? { SPECMESH_BENCH_GATEWAY_MODULE: o.gatewayModule } : {}),
    },
  });
  const urls = await new Promise<{ nats: string; gateway: string }>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) resolve(JSON.parse(buf.split('\n')[0]!));
    });
    child.on('exit', (code) =>
      reject(new InternalError(`the benchmark's cluster process exited with ${code}`)),
    );
  });
  const client = await Actor.start({
    role: 'gateway',
    servers: urls.nats,
    heartbeatIntervalMs: 0,
    logger: createLogger({ level: process.env['SPECMESH_LOG_LEVEL'] ?? 'warn' }),
  });
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections });
  try {
    const body = JSON.stringify({
      model: 'specmesh',
      prompt: 'bench',
      max_tokens: o.tokens,
      temperature: 0,
      seed: 1,
    });
    const url = new URL('/v1/completions', urls.gateway);
    const viaGateway = () =>
      new Promise<string>((resolve, reject) => {
        const req = request(
          url,
          {
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            let text = '';
            res.on('data', (d: Buffer) => {
              text += d.toString();
            });
            res.on('end', () =>
              res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}: ${text}`)),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const direct = async () =>
      collect(
        await generate(client, {
          requestId: `bench-${randomBytes(6).toString('hex')}`,
          prompt: 'bench',
          maxTokens: o.tokens,
          sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
          mode: 'si',
          window: { policy: 'static', k: 5 },
        }),
      );

    // Warm both paths.
    await closedLoop(viaGateway, 4, 1000);
    await closedLoop(direct, 4, 1000);
    const lat: { gateway: number[]; direct: number[] } = { gateway: [], direct: [] };
    for (let r = 0; r < o.rounds; r++) {
      lat.direct.push(...(await closedLoop(direct, 1, (o.seconds * 1000) / o.rounds)));
      lat.gateway.push(...(await closedLoop(viaGateway, 1, (o.seconds * 1000) / o.rounds)));
    }
    const latency = { direct: summary(lat.direct), gateway: summary(lat.gateway) };
    const directMax = o.latencyOnly
      ? 0
      : (await closedLoop(direct, o.connections, o.seconds * 1000)).length / o.seconds;
    const ac = o.latencyOnly
      ? { requests: { average: 0 }, non2xx: 0, errors: 0 }
      : await (await import('autocannon')).default({
          url: url.href,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          connections: o.connections,
          duration: o.seconds,
        });
    return {
      machine: { cpus: cpus().length, node: process.version },
      settings: { seconds: o.seconds, rounds: o.rounds, connections: o.connections, tokens: o.tokens },
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
  } finally {
    agent.destroy();
    await client.stop();
    child.kill('SIGTERM');
    // Let the cluster process write its CPU profile before this one goes.
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

const ms = (x: number) => x.toFixed(2);

export function formatGatewayOverhead(r: GatewayOverheadReport): string {
  const { direct, gateway, addedP50, addedP99 } = r.latencyMs;
  const m = r.maxRequestsPerSecond;
  const lines = [
    `gateway overhead (${r.settings.tokens} tokens a request, ${r.machine.cpus} CPUs, Node ${r.machine.node})`,
    '                     n    p50 ms   p99 ms',
    `direct (NATS) ${String(direct.n).padStart(7)} ${ms(direct.p50).padStart(9)} ${ms(direct.p99).padStart(8)}`,
    `gateway (HTTP)${String(gateway.n).padStart(7)} ${ms(gateway.p50).padStart(9)} ${ms(gateway.p99).padStart(8)}`,
    `added by the gateway: p50 ${ms(addedP50)} ms, p99 ${ms(addedP99)} ms`,
  ];
  if (m.direct > 0 || m.gateway > 0)
    lines.push(
      `max requests/s with ${r.settings.connections} connections: direct ${m.direct.toFixed(0)}, gateway ${m.gateway.toFixed(0)} (non-2xx ${m.gatewayNon2xx}, errors ${m.gatewayErrors})`,
    );
  return lines.join('\n');
}
