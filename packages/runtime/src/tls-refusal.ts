/**
 * Tells why a NATS server refuses this client's TLS handshake, while the NATS client connects.
 *
 * Under TLS 1.3 a client finishes its side of the handshake before the server has checked the client's
 * certificate. A server that wants one and gets none (or one from a CA it does not trust) then sends an
 * alert and closes, and the NATS client library takes that close for a lost connection: it keeps
 * trying until its connect timeout and reports "timeout". This probe makes the same handshake on a
 * connection of its own and reads the alert, so the caller can fail at once with the cause.
 *
 * It never sends the NATS CONNECT (no credentials leave it) and resolves `undefined` whenever it
 * finds no refusal: plain servers, accepted certificates, servers it cannot reach (the NATS client
 * reports those well itself).
 */
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** The TLS material of a NATS connection, as nats.js takes it: files, or their contents. */
export interface TlsFiles {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

/** Why a server that sent a TLS alert refused us, given whether we offered a certificate. */
function explain(alert: string, offeredCertificate: boolean): string {
  if (/CERTIFICATE_EXPIRED/.test(alert))
    return 'it refused the TLS handshake: the client certificate has expired';
  if (/CERTIFICATE_REVOKED/.test(alert))
    return 'it refused the TLS handshake: the client certificate was revoked';
  if (!offeredCertificate && /CERTIFICATE_REQUIRED|BAD_CERTIFICATE|HANDSHAKE_FAILURE/.test(alert))
    return 'it requires a client certificate (give --tls-cert and --tls-key, or SPECMESH_TLS_CERT and SPECMESH_TLS_KEY)';
  if (/UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|DECRYPT_ERROR|HANDSHAKE_FAILURE/.test(alert))
    return 'it does not trust the client certificate (is it signed by the CA the server was given?)';
  return `it refused the TLS handshake (${alert.trim()})`;
}

function hostPort(url: string): { host: string; port: number } | undefined {
  try {
    const u = new URL(url.includes('://') ? url : `nats://${url}`);
    return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 4222) };
  } catch {
    return undefined;
  }
}

/** The server's first line, `INFO {...}`, parsed; undefined if it sends something else. */
function readInfo(socket: Socket): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += d.toString('latin1');
      const end = text.indexOf('\r\n');
      if (end < 0 && text.length < 64 * 1024) return;
      socket.off('data', onData);
      const line = end < 0 ? '' : text.slice(0, end);
      try {
        resolve(
          line.startsWith('INFO ') ? (JSON.parse(line.slice(5)) as Record<string, unknown>) : undefined,
        );
      } catch {
        resolve(undefined);
      }
    };
    socket.on('data', onData);
    socket.once('close', () => resolve(undefined));
  });
}

/**
 * Resolves with a sentence naming why the server at `url` refuses a TLS handshake with `files`, or
 * `undefined` if it does not within `timeoutMs`, or once `signal` aborts (the caller connected: the
 * probe's connection must not keep a short command's process alive).
 */
export async function tlsRefusal(
  url: string,
  files: TlsFiles,
  timeoutMs = 5000,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const target = hostPort(url);
  if (!target || signal?.aborted) return undefined;
  const sockets: Socket[] = [];
  const timer = new Promise<undefined>((resolve) => {
    const t = setTimeout(() => resolve(undefined), timeoutMs);
    t.unref();
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve(undefined);
      },
      { once: true },
    );
  });
  const probe = (async (): Promise<string | undefined> => {
    const socket = netConnect(target.port, target.host);
    sockets.push(socket);
    socket.on('error', () => {});
    const info = await readInfo(socket);
    if (!info || (info.tls_required !== true && info.tls_available !== true)) return undefined;
    const read = (file: string | undefined, text: string | undefined) => (file ? readFileSync(file) : text);
    const secure = tlsConnect({
      socket,
      servername: /^[\d.:]+$/.test(target.host) ? undefined : target.host,
      ca: read(files.caFile, files.ca),
      cert: read(files.certFile, files.cert),
      key: read(files.keyFile, files.key),
      rejectUnauthorized: true,
    });
    sockets.push(secure);
    return new Promise<string | undefined>((resolve) => {
      secure.once('error', (err: NodeJS.ErrnoException) => {
        // Only the server's alerts: errors of our own side (an untrusted server certificate) the
        // NATS client reports well itself.
        const alert = err.code ?? '';
        resolve(/ALERT/.test(alert) ? explain(alert, Boolean(files.certFile ?? files.cert)) : undefined);
      });
      // Accepted: the server now waits for CONNECT and says nothing; the timer ends the wait.
      secure.once('close', () => resolve(undefined));
    });
  })().catch(() => undefined);
  try {
    return await Promise.race([probe, timer]);
  } finally {
    for (const s of sockets) s.destroy();
  }
}
