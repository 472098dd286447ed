/**
 * nats-server configurations of the multi-host test, in the shape infra/nats ships: a 3-server cloud
 * cluster (routes between them, a leaf-node port on each, JetStream off) and edge servers that join
 * it as leaf nodes. Ports are fixed per server: every host is its own namespace, so nothing collides.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Client, route and leaf-node ports of cloud server `i` (0-based). */
export function cloudPorts(i: number): { client: number; route: number; leaf: number } {
  return { client: 4222 + i, route: 6222 + i, leaf: 7422 + i };
}

/** Writes the config of cloud server `i` of `size`, all on `address`; returns its path. */
export function writeCloudConfig(dir: string, i: number, size: number, address: string): string {
  const p = cloudPorts(i);
  const routes = Array.from({ length: size }, (_, j) => j)
    .filter((j) => j !== i)
    .map((j) => `    nats-route://${address}:${cloudPorts(j).route}`);
  const text = `server_name: cloud-${i}
listen: 0.0.0.0:${p.client}
cluster {
  name: specmesh-cloud
  listen: 0.0.0.0:${p.route}
  routes: [
${routes.join('\n')}
  ]
}
leafnodes {
  listen: 0.0.0.0:${p.leaf}
}
`;
  const path = join(dir, `cloud-${i}.conf`);
  writeFileSync(path, text);
  return path;
}

/** Writes the config of an edge server listening on loopback and joining through `hubUrl`. */
export function writeEdgeConfig(dir: string, name: string, hubUrl: string): string {
  const text = `server_name: ${name}
listen: 127.0.0.1:4222
leafnodes {
  remotes: [
    { url: "${hubUrl}" }
  ]
}
`;
  const path = join(dir, `${name}.conf`);
  writeFileSync(path, text);
  return path;
}
