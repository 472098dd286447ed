/**
 * The networks of `bench load` on one machine: a cloud nats-server with a leaf-node port, and an edge
 * nats-server that joins it as a leaf node through a {@link DelayProxy} adding the edge's round trip
 * (half each way), in the shape of infra/nats/cloud.conf and edge-leaf.conf and of
 * examples/edge-cloud/topology.mjs. Everything listens on 127.0.0.1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DelayProxy, freePort, type NatsServerHandle, startNatsServer } from '@specmesh/runtime';

export interface LoadNetwork {
  /** Client URL of the cloud server (scheduler, batcher, verifiers, the bench's clients). */
  readonly cloudUrl: string;
  /** Client URL of the edge server (drafters). */
  readonly edgeUrl: string;
  /** Stops the edge server, the proxy and the cloud server, and removes their files. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

/** Starts the cloud server, the proxy adding `rttMs` of round trip, and the edge leaf behind it. */
export async function startLoadNetwork(rttMs: number): Promise<LoadNetwork> {
  const dir = mkdtempSync(join(tmpdir(), 'specmesh-bench-load-'));
  const started: Array<{ stop(): Promise<void> }> = [];
  const stop = async () => {
    for (const s of started.reverse()) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const leafPort = await freePort(HOST);
    const cloudConf = join(dir, 'cloud.conf');
    writeFileSync(cloudConf, `leafnodes {\n  listen: ${HOST}:${leafPort}\n}\n`);
    const cloud: NatsServerHandle = await startNatsServer({ name: 'load-cloud', args: ['-c', cloudConf] });
    started.push(cloud);
    const proxy = await DelayProxy.start({ targetPort: leafPort, oneWayMs: rttMs / 2 });
    started.push(proxy);
    const edgeConf = join(dir, 'edge.conf');
    writeFileSync(edgeConf, `leafnodes {\n  remotes: [ { url: "nats-leaf://${HOST}:${proxy.port}" } ]\n}\n`);
    const edge = await startNatsServer({ name: 'load-edge', args: ['-c', edgeConf] });
    started.push(edge);
    return { cloudUrl: cloud.url, edgeUrl: edge.url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
