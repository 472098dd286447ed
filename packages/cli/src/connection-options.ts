/**
 * The connection flags every command that talks to a cluster takes, so a flag means the same thing
 * everywhere. Values may also come from `specmesh.yaml` or `SPECMESH_*` variables (see config/): flag >
 * env > file > default. Declarations only: connecting is connect-client.ts, loaded by the handlers.
 */
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
  const reach = y
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
    });
  return withLogLevelOption(reach, 'Connection:')
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

/** `--log-level`: how much the JSON logs on stderr say (of this process and the ones it starts). */
export function withLogLevelOption<T>(y: Argv<T>, group?: string) {
  return y.option('log-level', {
    type: 'string',
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'warn',
    ...(group ? { group } : {}),
    describe: 'Level of the JSON logs written to stderr (env SPECMESH_LOG_LEVEL)',
  });
}
