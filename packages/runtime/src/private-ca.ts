/**
 * A private certificate authority for a cluster's TLS, made with the `openssl` command line (every
 * server distribution has it; Node cannot sign certificates by itself).
 *
 * One CA signs one server certificate, valid for every NATS server name and address of the cluster
 * and usable both ways (a route between two servers presents it as a client), and any number of
 * client certificates (for servers that verify clients). Keys are written readable by the owner only.
 * An existing CA in the folder is kept, so certificates can be added later and still trust each other.
 *
 * @example
 *   makePrivateCa({ dir: '/etc/specmesh/tls', hosts: ['nats-1', 'nats-2', 'nats-3'], clients: ['edge-7'] });
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { ConfigError, InternalError, MissingError } from '@specmesh/protocol';

export interface PrivateCaOptions {
  /** Folder the files go to; made if missing. */
  readonly dir: string;
  /** Names and addresses clients reach the servers at (the server certificate's subjectAltName). */
  readonly hosts: readonly string[];
  /** Names of client certificates to issue (their common name); none by default. */
  readonly clients?: readonly string[];
  /** Validity of new certificates, days. Defaults to 825. */
  readonly days?: number;
  /** Replace an existing server or client certificate of the same name. Defaults to false. */
  readonly force?: boolean;
  /** The openssl executable. Defaults to `openssl` on the PATH. */
  readonly openssl?: string;
}

/** One certificate and its key. */
export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

export interface PrivateCaFiles {
  readonly ca: CertFiles;
  /** False when the folder already held a CA, which was kept. */
  readonly newCa: boolean;
  readonly server: CertFiles;
  readonly clients: Readonly<Record<string, CertFiles>>;
  /** Files written by this call. */
  readonly written: readonly string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** A DNS name, possibly a wildcard (`*.nats.svc.cluster.local`: every pod of a StatefulSet). */
const HOST = /^(\*\.)?[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function makePrivateCa(options: PrivateCaOptions): PrivateCaFiles {
  const days = options.days ?? 825;
  if (!Number.isInteger(days) || days < 1)
    throw new ConfigError(`certificate validity must be a whole number of days >= 1, got ${days}`, {
      context: { option: 'days' },
    });
  if (options.hosts.length === 0)
    throw new ConfigError('the server certificate needs at least one host name or address', {
      context: { option: 'hosts' },
    });
  for (const host of options.hosts)
    if (!isIP(host) && !HOST.test(host))
      throw new ConfigError(`"${host}" is neither a host name nor an IP address`, {
        context: { option: 'hosts' },
      });
  for (const client of options.clients ?? [])
    if (!NAME.test(client) || client === 'ca' || client === 'server')
      throw new ConfigError(
        `"${client}" cannot name a client certificate (letters, digits, . _ -; not ca or server)`,
        {
          context: { option: 'clients' },
        },
      );

  const bin = options.openssl ?? 'openssl';
  const probe = spawnSync(bin, ['version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0)
    throw new MissingError(
      `cannot run ${bin}, which makes the certificates (Debian/Ubuntu: apt-get install -y openssl)`,
    );

  mkdirSync(options.dir, { recursive: true });
  const path = (name: string) => join(options.dir, name);
  const written: string[] = [];
  const openssl = (...args: string[]) => {
    const r = spawnSync(bin, args, { cwd: options.dir, encoding: 'utf8' });
    if (r.status !== 0)
      throw new InternalError(`openssl ${args[0]} failed: ${(r.stderr || r.stdout).trim()}`, {
        context: { dir: options.dir },
      });
  };
  const keyArgs = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const secret = (file: string) => chmodSync(path(file), 0o600);

  const ca: CertFiles = { cert: path('ca.pem'), key: path('ca-key.pem') };
  const newCa = !(existsSync(ca.cert) && existsSync(ca.key));
  if (newCa) {
    openssl(
      'req',
      '-x509',
      ...keyArgs,
      '-days',
      String(days),
      '-subj',
      '/CN=specmesh private CA',
      '-keyout',
      'ca-key.pem',
      '-out',
      'ca.pem',
    );
    secret('ca-key.pem');
    written.push(ca.cert, ca.key);
  }

  /** Issues `<file>.pem` and `<file>-key.pem` for `cn`, signed by the CA, with extensions `ext`. */
  const issue = (file: string, cn: string, ext: string[]): CertFiles => {
    const out: CertFiles = { cert: path(`${file}.pem`), key: path(`${file}-key.pem`) };
    if (!options.force && existsSync(out.cert) && existsSync(out.key)) return out;
    const extFile = `${file}.ext`;
    writeFileSync(path(extFile), `${ext.join('\n')}\n`);
    try {
      openssl('req', ...keyArgs, '-subj', `/CN=${cn}`, '-keyout', `${file}-key.pem`, '-out', `${file}.csr`);
      secret(`${file}-key.pem`);
      openssl(
        'x509',
        '-req',
        '-in',
        `${file}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca-key.pem',
        '-CAcreateserial',
        '-days',
        String(days),
        '-extfile',
        extFile,
        '-out',
        `${file}.pem`,
      );
    } finally {
      rmSync(path(extFile), { force: true });
      rmSync(path(`${file}.csr`), { force: true });
    }
    written.push(out.cert, out.key);
    return out;
  };

  const altNames = options.hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  const server = issue('server', options.hosts[0]!, [
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    // Routes and leaf links connect server to server: the same certificate is also a client's.
    'extendedKeyUsage=serverAuth,clientAuth',
    `subjectAltName=${altNames}`,
  ]);
  const clients: Record<string, CertFiles> = {};
  for (const name of options.clients ?? [])
    clients[name] = issue(name, name, [
      'basicConstraints=CA:FALSE',
      'keyUsage=digitalSignature',
      'extendedKeyUsage=clientAuth',
    ]);
  rmSync(path('ca.srl'), { force: true });
  return { ca, newCa, server, clients, written };
}
