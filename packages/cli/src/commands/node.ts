/**
 * `specmesh node --role <role>`: run this process as one actor of the cluster, on any machine that
 * reaches the NATS servers. Drains on SIGTERM / SIGINT.
 */
import { Batcher, Drafter, Scheduler, Verifier } from '@specmesh/actors';
import { Gateway } from '@specmesh/gateway';
import { ConfigError } from '@specmesh/protocol';
import { createLogger, installGracefulShutdown, runEchoProcess } from '@specmesh/runtime';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { createModel, type ModelArgs, withModelOptions } from '../model-options.js';
import { withConnectionOptions } from '../options.js';

interface NodeArgs extends ModelArgs {
  nats?: string[];
  prefix: string;
  logLevel: string;
  role: string;
  name?: string;
  heartbeatMs: number;
  pool: string;
  windowMs: number;
  maxJobs: number;
  maxQueue: number;
  port: number;
  host: string;
}

async function runNode(args: ArgumentsCamelCase<NodeArgs>): Promise<void> {
  if (!args.nats || args.nats.length === 0) {
    throw new ConfigError('specmesh node needs --nats <url> (or SPECMESH_NATS) to reach the cluster');
  }
  const logger = createLogger({ level: args.logLevel });
  const common = {
    servers: args.nats,
    subjects: { prefix: args.prefix },
    heartbeatIntervalMs: args.heartbeatMs,
    logger,
    ...(args.name ? { id: args.name } : {}),
  };
  switch (args.role) {
    case 'echo':
      await runEchoProcess(common);
      return;
    case 'batcher': {
      const b = await Batcher.start({
        ...common,
        pool: args.pool,
        windowMs: args.windowMs,
        maxJobs: args.maxJobs,
      });
      installGracefulShutdown([b], { logger });
      process.stdout.write(`ready ${b.actor.id}\n`);
      return;
    }
    case 'scheduler': {
      const s = await Scheduler.start({ ...common, maxQueue: args.maxQueue });
      installGracefulShutdown([s], { logger });
      process.stdout.write(`ready ${s.actor.id}\n`);
      return;
    }
    case 'verifier': {
      const v = await Verifier.start({ ...common, pool: args.pool, model: createModel(args, 'target') });
      installGracefulShutdown([v], { logger });
      process.stdout.write(`ready ${v.actor.id}\n`);
      return;
    }
    case 'drafter': {
      const d = await Drafter.start({ ...common, model: createModel(args, 'drafter') });
      installGracefulShutdown([d], { logger });
      process.stdout.write(`ready ${d.actor.id}\n`);
      return;
    }
    case 'gateway': {
      const g = await Gateway.start({ ...common, port: args.port, host: args.host });
      installGracefulShutdown([g], { logger });
      process.stdout.write(`ready ${g.actor.id} ${g.url}\n`);
      return;
    }
    default:
      throw new ConfigError(`role ${args.role} is not available in this build`);
  }
}

export const nodeCommand: CommandModule<object, NodeArgs> = {
  command: 'node',
  describe: 'Run one actor of the cluster in this process',
  builder: (y: Argv) =>
    withModelOptions(withConnectionOptions(y))
      .option('role', {
        type: 'string',
        choices: ['scheduler', 'batcher', 'verifier', 'drafter', 'gateway', 'echo'],
        demandOption: true,
        describe: 'Role this process plays',
      })
      .option('pool', { type: 'string', default: 'default', describe: 'Target pool (batcher, verifier)' })
      .option('window-ms', { type: 'number', default: 0.3, describe: 'Batching window, ms (batcher)' })
      .option('max-jobs', { type: 'number', default: 12, describe: 'Most verify tasks per batch (batcher)' })
      .option('port', {
        type: 'number',
        default: 8080,
        describe: 'HTTP port of the OpenAI-compatible API (gateway)',
      })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'HTTP bind address (gateway)' })
      .option('max-queue', {
        type: 'number',
        default: 256,
        describe: 'Requests that may wait for a drafter (scheduler)',
      })
      .option('name', {
        type: 'string',
        describe: 'Instance id, unique in the cluster. Defaults to <role>-<random>',
      })
      .option('heartbeat-ms', { type: 'number', default: 1000, describe: 'Heartbeat interval, ms' })
      .example('$0 node --role scheduler --nats nats://10.0.0.5:4222', 'a scheduler against a remote cluster')
      .example(
        '$0 node --role batcher --pool gpu-a --nats nats://10.0.0.5:4222',
        'a batcher for pool gpu-a',
      ) as unknown as Argv<NodeArgs>,
  handler: runNode,
};
