/**
 * A gateway in front of a real cluster for the HTTP tests: its own nats-server, the roles of
 * {@link startRoles} (in this process, emulated models), a gateway on a free port, and the official
 * `openai` client pointed at it. Resolves once the gateway is ready and the scheduler has heard
 * every role.
 */
import { Gateway } from '@specmesh/gateway';
import { type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import OpenAI from 'openai';
import { waitGatewayReady } from './gateway.js';
import { startRoles, type TestRoles } from './roles.js';

export interface GatewayCluster {
  readonly server: NatsServerHandle;
  /** The gateway's base URL (no `/v1`). */
  readonly url: string;
  readonly client: OpenAI;
  /** Stops the gateway, the roles and the server. */
  stop(): Promise<void>;
}

export async function startGatewayCluster(roles: TestRoles): Promise<GatewayCluster> {
  const server = await startNatsServer();
  const common = { servers: server.url, heartbeatIntervalMs: 50 };
  const stopRoles = await startRoles(common, roles);
  const gw = await Gateway.start({ ...common, port: 0, heartbeatIntervalMs: 0 });
  await waitGatewayReady(gw.url);
  return {
    server,
    url: gw.url,
    client: new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 }),
    stop: async () => {
      await gw.stop();
      await stopRoles();
      await server.stop();
    },
  };
}
