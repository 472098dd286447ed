/**
 * What `specmesh node --role <role>` does when it runs; the command and its flags are described in
 * commands/node.ts.
 */ import { ConfigError } from '@specmesh/protocol/errors';
import {
  awaitPromotion,
  createLogger,
  installGracefulShutdown,
  isStandby,
  reportStarted,
  serveMetrics,
} from '@specmesh/runtime';
import type { ArgumentsCamelCase } from 'yargs';
import type { NodeArgs } from '../commands/node.js';
import { natsConnectionOf } from '../connect-client.js';
import { serveDrainControl } from '../drain-control.js';
import { createOutput } from '../output.js';
import { loadRole, type NodeCommon } from './start-role.js';

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
  const start = await loadRole(args);
  // A warm spare of `--supervise` (SPECMESH_STANDBY=1): loaded and checked, it waits here, out of the
  // cluster, until its supervisor promotes it; it exits if the supervisor goes away first.
  if (isStandby()) await awaitPromotion();
  const started = await start(common);
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
  // A supervisor keeping a warm spare boots the next one now (no-op without one).
  reportStarted();
}
