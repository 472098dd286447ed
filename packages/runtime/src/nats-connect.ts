/**
 * Opens an actor's NATS connection, and fails with the cause rather than a timeout when the server
 * refuses this client's TLS handshake (see {@link tlsRefusal}).
 */
import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { ConnectionError } from '@specmesh/protocol';
import { type TlsFiles, tlsRefusal } from './tls-refusal.js';

export async function connectNats(options: NodeConnectionOptions): Promise<NatsConnection> {
  const servers = typeof options.servers === 'string' ? [options.servers] : (options.servers ?? []);
  const where = servers.join(', ');
  const connecting = connect(options);
  const tls = options.tls;
  const probeDone = new AbortController();
  // Runs beside the connect and only ever rejects: a refusal it finds wins the race.
  const refused =
    tls && typeof tls === 'object' && servers[0]
      ? tlsRefusal(servers[0], tls as TlsFiles, 5000, probeDone.signal).then((reason) =>
          reason === undefined
            ? new Promise<never>(() => {})
            : Promise.reject(
                new ConnectionError(`cannot connect to NATS at ${servers[0]}: ${reason}`, {
                  context: { servers: where, tls: 'refused' },
                }),
              ),
        )
      : new Promise<never>(() => {});
  try {
    return await Promise.race([connecting, refused]);
  } catch (cause) {
    // A connect still in flight is closed when it ends, so nothing is left open.
    connecting.then(
      (nc) => nc.close(),
      () => {},
    );
    if (cause instanceof ConnectionError) throw cause;
    throw new ConnectionError(`cannot connect to NATS at ${where}: ${(cause as Error).message}`, {
      cause,
      context: { servers: where.replaceAll(' ', '') },
    });
  } finally {
    // Connected or failed: the probe's own connection is of no more use.
    probeDone.abort();
  }
}
