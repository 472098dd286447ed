/**
 * Turns the connection flags (connection-options.ts) into a NATS connection: credentials and TLS
 * files checked up front, and a short-lived client actor for commands that talk to a running cluster.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '@specmesh/protocol';
import { Actor, type ActorOptions, createLogger } from '@specmesh/runtime';
import type { ConnectionArgs } from './connection-options.js';

/** Credentials and TLS of a NATS connection, as actors take them. */
export type NatsConnection = NonNullable<ActorOptions['nats']>;

/**
 * NATS connection options (credentials, TLS) from the flags. Files are checked here, so a wrong path
 * is one clear error naming the flag.
 * @throws ConfigError naming the flag.
 */
export function natsConnectionOf(a: ConnectionArgs): NatsConnection {
  if (a.token && a.user)
    throw new ConfigError('give either --token or --user/--password, not both', {
      context: { option: 'token' },
    });
  if (a.password && !a.user)
    throw new ConfigError('--password needs --user', { context: { option: 'password' } });
  if (Boolean(a.tlsCert) !== Boolean(a.tlsKey))
    throw new ConfigError('--tls-cert and --tls-key go together', {
      context: { option: a.tlsCert ? 'tls-key' : 'tls-cert' },
    });
  const files: Array<[string, string | undefined]> = [
    ['tls-ca', a.tlsCa],
    ['tls-cert', a.tlsCert],
    ['tls-key', a.tlsKey],
  ];
  for (const [flag, path] of files) {
    if (!path) continue;
    try {
      readFileSync(path);
    } catch (cause) {
      throw new ConfigError(`--${flag}: cannot read ${path}: ${(cause as Error).message}`, {
        cause,
        context: { option: flag },
      });
    }
  }
  const tls =
    a.tlsCa || a.tlsCert
      ? {
          ...(a.tlsCa ? { caFile: a.tlsCa } : {}),
          ...(a.tlsCert ? { certFile: a.tlsCert, keyFile: a.tlsKey } : {}),
        }
      : undefined;
  return {
    ...(a.user ? { user: a.user } : {}),
    ...(a.password ? { pass: a.password } : {}),
    ...(a.token ? { token: a.token } : {}),
    ...(tls ? { tls } : {}),
  };
}

/** Connects a short-lived client actor for commands that talk to a running cluster. */
export async function connectClient(args: ConnectionArgs, command: string): Promise<Actor> {
  if (!args.nats || args.nats.length === 0)
    throw new ConfigError(
      `specmesh ${command} needs --nats <url> (or SPECMESH_NATS, or nats: in specmesh.yaml)`,
      {
        context: { option: 'nats' },
      },
    );
  const generating = command === 'generate';
  return Actor.start({
    role: 'gateway',
    // `generate` is a client of the gateway's kind; `status` and `drain` run as operators, whose
    // NATS user reads the operator's inbox only.
    inbox: generating ? 'gateway' : 'operator',
    // A client's user is its instance (`specmesh creds`): its inbox and its requests' token streams
    // are under that id, the only ones the user may read.
    ...(generating && args.user ? { id: args.user } : {}),
    servers: args.nats,
    subjects: { prefix: args.prefix },
    heartbeatIntervalMs: 0,
    logger: createLogger({ level: args.logLevel }),
    nats: natsConnectionOf(args),
  });
}
