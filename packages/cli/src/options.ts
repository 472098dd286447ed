/**
 * Option groups shared by several commands, so a flag means the same thing everywhere. Values may also
 * come from `specmesh.yaml` or `SPECMESH_*` variables (see config/): flag > env > file > default.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '@specmesh/protocol';
import { Actor, type ActorOptions, createLogger } from '@specmesh/runtime';
import type { Argv } from 'yargs';

/** Connection settings every command that talks to a cluster takes. */
export interface ConnectionArgs {
  nats?: string[];
  prefix: string;
  logLevel: string;
  user?: string;
  password?: string;
  token?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

/**
 * `--nats`, `--prefix`, `--log-level`, and the credential / TLS flags: how to reach the cluster.
 * `--nats` defaults to an embedded server where the command can start one (`up`, `demo`).
 */
export function withConnectionOptions<T>(y: Argv<T>) {
  return y
    .option('nats', {
      type: 'string',
      array: true,
      group: 'Connection:',
      describe:
        'NATS server URL(s); repeat or comma-separate for a cluster (env SPECMESH_NATS, file key nats). Defaults to an embedded server where the command can start one',
      coerce: (v: string[]) => v.flatMap((s) => String(s).split(',')).filter(Boolean),
    })
    .option('prefix', {
      type: 'string',
      default: 'specmesh',
      group: 'Connection:',
      describe: 'Subject prefix shared by every node of one cluster (env SPECMESH_PREFIX)',
    })
    .option('log-level', {
      type: 'string',
      choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'warn',
      group: 'Connection:',
      describe: 'Level of the JSON logs written to stderr (env SPECMESH_LOG_LEVEL)',
    })
    .option('user', {
      type: 'string',
      group: 'Credentials and TLS:',
      describe: 'NATS user name, e.g. the per-role users of infra/nats (env SPECMESH_USER)',
    })
    .option('password', {
      type: 'string',
      group: 'Credentials and TLS:',
      describe: 'NATS password of --user; prefer the env or the file to a flag (env SPECMESH_PASSWORD)',
    })
    .option('token', {
      type: 'string',
      group: 'Credentials and TLS:',
      describe: 'NATS authentication token, instead of --user (env SPECMESH_TOKEN)',
    })
    .option('tls-ca', {
      type: 'string',
      group: 'Credentials and TLS:',
      describe:
        'PEM file of the CA that signed the servers’ certificates; turns TLS on (env SPECMESH_TLS_CA)',
    })
    .option('tls-cert', {
      type: 'string',
      group: 'Credentials and TLS:',
      describe: 'PEM client certificate, for servers that verify clients (env SPECMESH_TLS_CERT)',
    })
    .option('tls-key', {
      type: 'string',
      group: 'Credentials and TLS:',
      describe: 'PEM private key of --tls-cert (env SPECMESH_TLS_KEY)',
    });
}

/**
 * NATS connection options (credentials, TLS) from the flags. Files are checked here, so a wrong path
 * is one clear error naming the flag.
 * @throws ConfigError naming the flag.
 */
export function natsConnectionOf(a: ConnectionArgs): NonNullable<ActorOptions['nats']> {
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
  return Actor.start({
    role: 'gateway',
    servers: args.nats,
    subjects: { prefix: args.prefix },
    heartbeatIntervalMs: 0,
    logger: createLogger({ level: args.logLevel }),
    nats: natsConnectionOf(args),
  });
}
