/** Option groups shared by several commands, so a flag means the same thing everywhere. */
import { ConfigError } from '@specmesh/protocol';
import { Actor, createLogger } from '@specmesh/runtime';
import type { Argv } from 'yargs';

/**
 * Environment variables that stand in for the connection flags (a flag given on the command line wins).
 * Only these are read: a blanket `SPECMESH_*` mapping would turn unrelated variables (such as
 * `SPECMESH_NATS_SERVER`, the nats-server binary) into unknown options.
 */
export const CONNECTION_ENV = {
  nats: 'SPECMESH_NATS',
  prefix: 'SPECMESH_PREFIX',
  logLevel: 'SPECMESH_LOG_LEVEL',
} as const;

/** `--nats`, `--prefix`, `--log-level`: how to reach the cluster. */
export function withConnectionOptions<T>(y: Argv<T>) {
  const env = process.env;
  const natsEnv = env[CONNECTION_ENV.nats];
  return y
    .option('nats', {
      type: 'string',
      array: true,
      ...(natsEnv ? { default: [natsEnv] } : {}),
      describe:
        'NATS server URL(s); repeat or comma-separate for a cluster (env SPECMESH_NATS). Defaults to an embedded server where the command can start one',
      coerce: (v: string[]) => v.flatMap((s) => s.split(',')).filter(Boolean),
    })
    .option('prefix', {
      type: 'string',
      default: env[CONNECTION_ENV.prefix] ?? 'specmesh',
      describe: 'Subject prefix shared by every node of one cluster (env SPECMESH_PREFIX)',
    })
    .option('log-level', {
      type: 'string',
      choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: env[CONNECTION_ENV.logLevel] ?? 'warn',
      describe: 'Log level of the JSON logs written to stderr (env SPECMESH_LOG_LEVEL)',
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
