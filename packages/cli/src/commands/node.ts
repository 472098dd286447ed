/**
 * `specmesh node --role <role>`: run this process as one actor of the cluster, on any machine that
 * reaches the NATS servers. Drains on SIGTERM / SIGINT.
 */
import { ConfigError } from '@specmesh/protocol';
import { createLogger, runEchoProcess } from '@specmesh/runtime';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { withConnectionOptions } from '../options.js';

interface NodeArgs {
  nats?: string[];
  prefix: string;
  logLevel: string;
  role: string;
  name?: string;
  heartbeatMs: number;
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
    default:
      throw new ConfigError(`role ${args.role} is not available in this build`);
  }
}

export const nodeCommand: CommandModule<object, NodeArgs> = {
  command: 'node',
  describe: 'Run one actor of the cluster in this process',
  builder: (y: Argv) =>
    withConnectionOptions(y)
      .option('role', {
        type: 'string',
        choices: ['echo'],
        demandOption: true,
        describe: 'Role this process plays',
      })
      .option('name', {
        type: 'string',
        describe: 'Instance id, unique in the cluster. Defaults to <role>-<random>',
      })
      .option('heartbeat-ms', { type: 'number', default: 1000, describe: 'Heartbeat interval, ms' })
      .example(
        '$0 node --role echo --nats nats://10.0.0.5:4222',
        'serve the echo role against a remote cluster',
      ) as unknown as Argv<NodeArgs>,
  handler: runNode,
};
