/**
 * The networks of the edge-cloud example on one machine: a routed cloud cluster of nats-servers with
 * a leaf-node port each, and edge nats-servers that join it as leaf nodes through a DelayProxy (half
 * the RTT each way), in the shape of infra/nats/cloud.conf and edge-leaf.conf. Everything listens on
 * 127.0.0.1; separate machines are what test/multihost does with network namespaces.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DelayProxy, freePort, startNatsServer } from '@specmesh/runtime';

/**
 * Starts `cloudSize` routed servers and `edges` leaf servers, each edge behind a proxy adding `rttMs`
 * round trip to everything it exchanges with the cloud.
 * @returns cloud client URLs, edge client URLs, and stop().
 */
export async function startEdgeCloud({ cloudSize = 3, edges = 1, rttMs = 20 }) {
  const dir = mkdtempSync(join(tmpdir(), 'specmesh-edge-cloud-'));
  const host = '127.0.0.1';
  const routePorts = [];
  const leafPorts = [];
  for (let i = 0; i < cloudSize; i++) {
    routePorts.push(await freePort(host));
    leafPorts.push(await freePort(host));
  }
  const cloud = await Promise.all(
    routePorts.map((port, i) => {
      const conf = join(dir, `cloud-${i}.conf`);
      writeFileSync(conf, `leafnodes {\n  listen: ${host}:${leafPorts[i]}\n}\n`);
      return startNatsServer({
        name: `cloud-${i}`,
        cluster: {
          name: 'specmesh-cloud',
          port,
          routes: routePorts.filter((_, j) => j !== i).map((p) => `nats-route://${host}:${p}`),
        },
        args: ['-c', conf],
      });
    }),
  );
  const proxies = [];
  const edgeServers = [];
  for (let e = 0; e < edges; e++) {
    const proxy = await DelayProxy.start({ targetPort: leafPorts[e % cloudSize], oneWayMs: rttMs / 2 });
    proxies.push(proxy);
    const conf = join(dir, `edge-${e}.conf`);
    writeFileSync(conf, `leafnodes {\n  remotes: [ { url: "nats-leaf://${host}:${proxy.port}" } ]\n}\n`);
    edgeServers.push(await startNatsServer({ name: `edge-${e}`, args: ['-c', conf] }));
  }
  return {
    cloudUrls: cloud.map((s) => s.url),
    edgeUrls: edgeServers.map((s) => s.url),
    proxies,
    stop: async () => {
      await Promise.all(edgeServers.map((s) => s.stop()));
      await Promise.all(proxies.map((p) => p.stop()));
      await Promise.all(cloud.map((s) => s.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
