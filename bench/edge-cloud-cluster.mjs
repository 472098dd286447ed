/**
 * The edge-cloud process cluster of the placement and AWC benchmarks: cloud NATS (one server or a
 * routed cluster) with the scheduler, a batcher, two verifiers started with `--fused` (each also holds
 * the draft model) and a cloud drafter for background load; an edge nats-server joined as a leaf node
 * through a delay proxy (`rttMs`) with the edge drafter. Every role is a `specmesh node` process; the
 * clients are actors in this process (`edgeClient` behind the proxy, `cloudClient` in the cloud).
 *
 * `background(n)` starts `n` closed-loop cloud clients sending non-speculative requests that avoid
 * the edge drafter and the fused hosts, so they load the verifiers the same way whatever the
 * measured requests do; `stop()` ends them and everything else.
 */
import { fileURLToPath } from 'node:url';
import { collect, generate } from '@specmesh/actors';
import { Actor, createLogger, MembershipView, Supervisor } from '@specmesh/runtime';
import { startEdgeCloud } from '../examples/edge-cloud/topology.mjs';

const CLI = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const silent = createLogger({ level: 'silent' });

/**
 * @param {object} o
 * @param {number} o.rttMs edge ↔ cloud round trip
 * @param {number} [o.cloudSize] cloud nats-servers (default 3)
 * @param {string} o.prefix subject prefix
 * @param {string} o.placement scheduler `--placement`
 * @param {string[]} o.verifierArgs model flags of the verifiers (their draft model included)
 * @param {string[]} o.drafterArgs model flags of the drafters
 * @param {number} [o.cloudDrafterSessions] sessions of the cloud drafter (default 16; 0: none)
 * @param {string[]} [o.allArgs] flags every role gets (e.g. `--awc-weights <file>`)
 */
export async function startEdgeCloudCluster(o) {
  const net = await startEdgeCloud({ rttMs: o.rttMs, edges: 1, cloudSize: o.cloudSize ?? 3 });
  const sup = new Supervisor({ stdio: ['ignore', 'ignore', 'inherit'] });
  const cloud = net.cloudUrls.join(',');
  const common = ['--prefix', o.prefix, '--heartbeat-ms', '200', '--log-level', 'warn', ...(o.allArgs ?? [])];
  const start = (name, role, nats, extra = []) =>
    sup.start({
      name,
      args: [CLI, 'node', '--role', role, '--name', name, '--nats', nats, ...common, ...extra],
    });
  start('scheduler', 'scheduler', cloud, ['--placement', o.placement]);
  start('batcher', 'batcher', cloud);
  start('verifier-1', 'verifier', cloud, [...o.verifierArgs, '--fused', '--host-sessions', '8']);
  start('verifier-2', 'verifier', cloud, [...o.verifierArgs, '--fused', '--host-sessions', '8']);
  if (o.cloudDrafterSessions !== 0)
    start('drafter-cloud', 'drafter', cloud, [
      ...o.drafterArgs,
      '--max-sessions',
      String(o.cloudDrafterSessions ?? 16),
    ]);
  start('drafter-edge', 'drafter', net.edgeUrls[0], o.drafterArgs);
  const actor = (servers) =>
    Actor.start({
      role: 'gateway',
      servers,
      subjects: { prefix: o.prefix },
      heartbeatIntervalMs: 0,
      logger: silent,
    });
  const edgeClient = await actor(net.edgeUrls[0]);
  const cloudClient = await actor(net.cloudUrls[0]);
  const view = new MembershipView().start(edgeClient, 50);
  let stopBackground = false;
  const loops = [];
  /** Tokens the background requests got since the last `takeBackgroundTokens()`. */
  let bgTokens = 0;
  const cluster = {
    edgeClient,
    /** Waits until every role is heard, and the edge drafter's round trip is in its heartbeat. */
    async ready() {
      // Generous: on a loaded machine five node processes may take a while to join.
      await view.waitFor((ms) => ms.length >= (o.cloudDrafterSessions === 0 ? 5 : 6), 90_000);
      await new Promise((r) => setTimeout(r, 1500));
    },
    /** Starts `n` background clients and lets them fill the verifiers for a second. */
    async background(n) {
      for (let w = 0; w < n; w++) {
        loops.push(
          (async () => {
            for (let i = 0; !stopBackground; i++) {
              const out = await collect(
                await generate(cloudClient, {
                  requestId: `bg-${w}-${i}-${Math.random().toString(36).slice(2, 6)}`,
                  prompt: `background ${w} ${i}`,
                  maxTokens: 64,
                  sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
                  mode: 'nonsi',
                  window: { policy: 'static', k: 1 },
                  avoid: ['drafter-edge', 'verifier-1', 'verifier-2'],
                }),
              ).catch(() => undefined);
              if (out) bgTokens += out.tokens.length;
            }
          })(),
        );
      }
      await new Promise((r) => setTimeout(r, 1000));
    },
    takeBackgroundTokens() {
      const n = bgTokens;
      bgTokens = 0;
      return n;
    },
    async stop() {
      stopBackground = true;
      await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, 5000))]);
      view.stop();
      await edgeClient.stop();
      await cloudClient.stop();
      await sup.stopAll();
      await net.stop();
    },
  };
  return cluster;
}
