/**
 * What `specmesh node --role <role>` does when it runs; the command and its flags are described in
 * commands/node.ts.
 */ import { ConfigError } from '@specmesh/protocol/errors';
import { createLogger, installGracefulShutdown, serveMetrics } from '@specmesh/runtime';
import type { ArgumentsCamelCase } from 'yargs';
import type { NodeArgs } from '../commands/node.js';
import { natsConnectionOf } from '../connect-client.js';
import { serveDrainControl } from '../drain-control.js';
import { createOutput } from '../output.js';
import { type NodeCommon, startRole } from './start-role.js';

export async function runNode(args: ArgumentsCamelCase<NodeArgs>): Promise<void> {
  if (!args.nats || args.nats.length === 0) {
    throw new ConfigError(
      'specmesh node needs --nats <url> (or SPECMESH_NATS, or nats: in specmesh.yaml) to reach the cluster',
      { context: { option: 'nats' } },
    );
  }
  const logger = createLogger({ level: args.logLevel });
  const common: NodeCommon = {
    servers: args.nats,
    subjects: { prefix: args.prefix },
    heartbeatIntervalMs: args.heartbeatMs,
    logger,
    nats: natsConnectionOf(args),
    ...(args.name ? { id: args.name } : {}),
  };
  const started = await startRole(args, common);
  installGracefulShutdown([started.role], { logger });
  serveDrainControl(started.role.actor);
  const metrics =
    args.metricsPort === undefined
      ? undefined
      : await serveMetrics([started.role.actor.metrics.registry], {
          port: args.metricsPort,
          host: args.host,
        });
  // Parents (the supervisor of `specmesh up`, tests) wait for this line.
  const ready = {
    event: 'ready',
    id: started.role.actor.id,
    role: args.role,
    ...(started.url ? { url: started.url } : {}),
    ...(metrics ? { metrics: metrics.url } : {}),
  };
  createOutput(args.json).result(
    ready,
    (r) => `${r.metrics ? `metrics ${r.metrics}\n` : ''}ready ${r.id}${r.url ? ` ${r.url}` : ''}`,
  );
}
