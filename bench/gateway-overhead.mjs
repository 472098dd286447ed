#!/usr/bin/env node
/**
 * Gateway overhead: the same generation requests (emulated models at zero latency) sent through the
 * gateway's HTTP API vs straight to the scheduler over NATS, from one load-generator process against
 * one cluster process: latency at concurrency 1, then max sustained requests/s (see @specmesh/lab's
 * bench/gateway-overhead.ts). `specmesh bench gateway-overhead` runs the same.
 *
 * Usage: node bench/gateway-overhead.mjs [--seconds 5] [--rounds 4] [--connections 32] [--tokens 16]
 *        [--json out.json] [--profile dir] [--only latency] [--gateway-module path/to/dist/index.js]
 * `--profile dir` writes a V8 CPU profile of the cluster process (gateway included) into `dir`
 * (`node --cpu-prof`); `--only latency` skips the max-throughput part; `--gateway-module` runs another
 * build of the gateway (e.g. the last commit's, built elsewhere) for a before/after comparison.
 * Needs a build (`npx tsc -b`). Not a test: figures depend on the machine; see docs/benchmarks/gateway.md.
 */
import { writeFileSync } from 'node:fs';
import { runGatewayOverhead } from '@specmesh/lab';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
process.env.SPECMESH_LOG_LEVEL ??= 'error';
const profileDir = arg('profile', undefined);
const gatewayModule = arg('gateway-module', undefined);
const result = await runGatewayOverhead({
  seconds: Number(arg('seconds', '5')),
  rounds: Number(arg('rounds', '4')),
  connections: Number(arg('connections', '32')),
  tokens: Number(arg('tokens', '16')),
  latencyOnly: arg('only', undefined) === 'latency',
  ...(profileDir ? { profileDir } : {}),
  ...(gatewayModule ? { gatewayModule } : {}),
});
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
const jsonOut = arg('json', undefined);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(result, null, 2));
