/**
 * `specmesh certs`: a private certificate authority and the certificates a cluster's TLS needs (the
 * shipped NATS configurations require TLS on every port that leaves a machine). Writes `ca.pem` (give
 * it to every node and edge server), `server.pem` and `server-key.pem` (every cloud NATS server), and
 * `<name>.pem` / `<name>-key.pem` per `--client`. Runs the `openssl` command line.
 */
import type { Argv, CommandModule } from 'yargs';
import { withJsonOption } from '../output.js';

export interface CertsArgs {
  out: string;
  host: string[];
  client: string[];
  days: number;
  force: boolean;
  json: boolean;
}

export const certsCommand: CommandModule<object, CertsArgs> = {
  command: 'certs',
  describe: 'Make a private CA and the TLS certificates of a cluster (NATS servers, clients)',
  builder: (y: Argv) =>
    withJsonOption(y, 'the files written')
      .option('out', {
        type: 'string',
        default: 'specmesh-tls',
        describe: 'Folder for the files (an existing CA there is kept and signs the new certificates)',
      })
      .option('host', {
        type: 'string',
        array: true,
        default: ['nats-1', 'nats-2', 'nats-3', 'localhost', '127.0.0.1'],
        describe: 'Names and addresses the NATS servers are reached at (repeat the flag)',
      })
      .option('client', {
        type: 'string',
        array: true,
        default: [],
        describe: 'Also issue a client certificate with this name (repeat; for servers that verify clients)',
      })
      .option('days', { type: 'number', default: 825, describe: 'Validity of new certificates, days' })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'Replace existing server and client certificates (the CA is always kept)',
      })
      .example('$0 certs --out /etc/specmesh/tls', 'CA and server certificate for nats-1..3')
      .example(
        '$0 certs --out tls --host nats.example.com --host 10.0.0.5 --client edge-7',
        'other server names, and a client certificate',
      )
      .epilogue(
        'Exit codes: 0 written, 1 openssl failed, 2 bad usage, 3 openssl missing.',
      ) as unknown as Argv<CertsArgs>,
  handler: async (args) => (await import('../run/certs.js')).runCerts(args),
};
