/** Commands that can run without a cluster start their own nats-server when no `--nats` is given. */
import { type NatsServerHandle, startNatsServer } from '@specmesh/runtime';

export interface ClusterServers {
  servers: string[];
  /** The embedded server, when one was started (stop it on exit). */
  embedded: NatsServerHandle | undefined;
}

export async function serversOrEmbedded(
  nats: string[] | undefined,
  say: (line: string) => void,
): Promise<ClusterServers> {
  if (nats && nats.length > 0) return { servers: nats, embedded: undefined };
  say('• starting an embedded nats-server …');
  const embedded = await startNatsServer();
  say(`  nats-server pid ${embedded.pid} on ${embedded.url}`);
  return { servers: [embedded.url], embedded };
}
