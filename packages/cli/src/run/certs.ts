/**
 * What `specmesh certs` does when it runs; the command and its flags are described in
 * commands/certs.ts.
 */
import { resolve } from 'node:path';
import { makePrivateCa } from '@specmesh/runtime';
import type { ArgumentsCamelCase } from 'yargs';
import type { CertsArgs } from '../commands/certs.js';
import { createOutput } from '../output.js';

export async function runCerts(args: ArgumentsCamelCase<CertsArgs>): Promise<void> {
  const dir = resolve(args.out);
  const made = makePrivateCa({
    dir,
    hosts: args.host,
    clients: args.client,
    days: args.days,
    force: args.force,
  });
  createOutput(args.json).result(
    {
      dir,
      ca: made.ca.cert,
      newCa: made.newCa,
      server: made.server,
      clients: made.clients,
      written: made.written,
    },
    (r) =>
      [
        r.newCa ? `new CA ${r.ca}` : `kept the CA ${r.ca}`,
        ...made.written.filter((f) => !f.startsWith(`${dir}/ca`)).map((f) => `wrote ${f}`),
        made.written.length === 0
          ? 'nothing new: every certificate asked for exists (--force replaces them)'
          : '',
        `NATS servers: ${r.server.cert} and ${r.server.key} (infra/nats/nats.env.example names them)`,
        `every node and edge server: ${r.ca} (--tls-ca, SPECMESH_TLS_CA)`,
      ]
        .filter(Boolean)
        .join('\n'),
  );
}
