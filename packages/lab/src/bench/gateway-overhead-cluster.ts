/**
 * The cluster process of the gateway-overhead benchmark (gateway-overhead.ts starts it with
 * `node <this file>`): nats-server, a scheduler, a batcher, two verifiers and a drafter on emulated
 * models at zero latency, and the gateway. Prints one JSON line with the NATS and gateway URLs once the
 * gateway is ready; stops on SIGTERM. `SPECMESH_BENCH_GATEWAY_MODULE` names another build of the
 * gateway to load instead (a before/after comparison).
 */
import { pathToFileURL } from 'node:url';
import { Batcher, Drafter, Scheduler, Verifier } from '@specmesh/actors';
import { emulatedPair } from '@specmesh/models';
import { startNatsServer } from '@specmesh/runtime';

type GatewayModule = typeof import('@specmesh/gateway');

const gatewayModule = process.env['SPECMESH_BENCH_GATEWAY_MODULE'];
const { Gateway } = (await import(
  gatewayModule ? pathToFileURL(gatewayModule).href : '@specmesh/gateway'
)) as GatewayModule;
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
// `off` measures the gateway without its check of the verifiers' signatures (what a build from
// before verified output did), for a before/after of the rest.
const verifiedOutput = process.env['SPECMESH_BENCH_VERIFIED_OUTPUT'] as 'reject' | 'drop' | 'off' | undefined;
const gw = await Gateway.start({ ...common, port: 0, ...(verifiedOutput ? { verifiedOutput } : {}) });
while ((await fetch(`${gw.url}/ready`)).status !== 200) await new Promise((r) => setTimeout(r, 20));
// Heartbeats settle, so the first measured requests find every role.
await new Promise((r) => setTimeout(r, 600));
process.stdout.write(`${JSON.stringify({ nats: server.url, gateway: gw.url })}\n`);
process.on('SIGTERM', async () => {
  await gw.stop();
  for (const a of actors.reverse()) await a.stop();
  await server.stop();
  process.exit(0);
});
