/** Option groups shared by several commands, so a flag means the same thing everywhere. */
import { ConfigError } from '@specmesh/protocol';
import { Actor, createLogger } from '@specmesh/runtime';
import type { Argv } from 'yargs';

/** `--nats`, `--prefix`, `--log-level`: how to reach the cluster. */
export function withConnectionOptions<T>(y: Argv<T>) {
  return y
    .option('nats', {
      type: 'string',
      array: true,
      describe:
        'NATS server URL(s); repeat or comma-separate for a cluster. Defaults to an embedded server where the command can start one',
      coerce: (v: string[]) => v.flatMap((s) => s.split(',')).filter(Boolean),
    })
    .option('prefix', {
      type: 'string',
      default: 'specmesh',
      describe: 'Subject prefix shared by every node of one cluster',
    })
    .option('log-level', {
      type: 'string',
      choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'warn',
      describe: 'Log level of the JSON logs written to stderr',
    });
}

/** Connects a short-lived client actor for commands that talk to a running cluster. */
export async function connectClient(
  args: { nats?: string[]; prefix: string; logLevel: string },
  command: string,
): Promise<Actor> {
  if (!args.nats || args.nats.length === 0) throw new ConfigError(`specmesh ${command} needs --nats <url>`);
  return Actor.start({
    role: 'gateway',
    servers: args.nats,
    subjects: { prefix: args.prefix },
    heartbeatIntervalMs: 0,
    logger: createLogger({ level: args.logLevel }),
  });
}
