/**
 * Client connections over TLS with client certificates required: a throwaway CA signs a server
 * certificate and a client certificate (`makePrivateCa`, as `specmesh certs`, in a temporary folder); nats-server accepts only TLS
 * clients whose certificate that CA signed (`--tlsverify`). A cluster of role processes given
 * `--tls-ca`, `--tls-cert` and `--tls-key` generates the target's greedy output; a client that lacks
 * the CA (cannot trust the server), lacks a client certificate, brings one from another CA, or does
 * not speak TLS at all is refused.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatedModel } from '@specmesh/models';
import { makePrivateCa, type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from './helpers/cli.js';
import { fastEmulatedFlags } from './helpers/emulated-flags.js';
import { greedyReference } from './helpers/reference.js';
import { within } from './helpers/within.js';

const OPENSSL = spawnSync('openssl', ['version'], { encoding: 'utf8' });
const HAVE_OPENSSL = OPENSSL.status === 0;
if (!HAVE_OPENSSL) {
  console.warn('openssl not found (Debian: apt-get install -y openssl): the TLS tests are skipped');
}

const SEED = 47;
const dir = mkdtempSync(join(tmpdir(), 'specmesh-tls-'));
let certs: ReturnType<typeof makeCertificates>;

/**
 * The cluster's CA (a server certificate for localhost, a client certificate) and another CA with a
 * client certificate of its own, made as `specmesh certs` makes them.
 */
function makeCertificates() {
  const cluster = makePrivateCa({
    dir: join(dir, 'cluster'),
    hosts: ['localhost', '127.0.0.1'],
    clients: ['client'],
    days: 1,
  });
  const other = makePrivateCa({
    dir: join(dir, 'other'),
    hosts: ['localhost'],
    clients: ['stranger'],
    days: 1,
  });
  return { cluster, client: cluster.clients['client']!, stranger: other.clients['stranger']! };
}

describe.skipIf(!HAVE_OPENSSL)('TLS with client certificates (openssl-made throwaway CA)', () => {
  let server: NatsServerHandle;
  let url: string;
  const children: ChildProcess[] = [];
  const tlsFlags = () => [
    '--tls-ca',
    certs.cluster.ca.cert,
    '--tls-cert',
    certs.client.cert,
    '--tls-key',
    certs.client.key,
  ];

  beforeAll(async () => {
    certs = makeCertificates();
    server = await startNatsServer({
      args: [
        '--tls',
        '--tlscert',
        certs.cluster.server.cert,
        '--tlskey',
        certs.cluster.server.key,
        '--tlscacert',
        certs.cluster.ca.cert,
        '--tlsverify',
      ],
    });
    url = `tls://127.0.0.1:${server.port}`;
    const start = (role: string) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [
            CLI,
            'node',
            '--role',
            role,
            '--name',
            `${role}-tls`,
            '--nats',
            url,
            '--heartbeat-ms',
            '100',
            ...tlsFlags(),
            ...(role === 'verifier' || role === 'drafter' ? fastEmulatedFlags(SEED) : []),
          ],
          { stdio: ['ignore', 'pipe', 'inherit'] },
        );
        children.push(child);
        child.stdout!.on('data', (d: Buffer) => {
          if (d.toString().includes('ready')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
      });
    await Promise.all(['scheduler', 'batcher', 'verifier', 'drafter'].map(start));
  }, within(60_000));

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'a cluster of role processes over TLS generates the target’s greedy output in every mode',
    async () => {
      const status = await runCli([
        'status',
        '--json',
        '--expect',
        '4',
        '--listen-ms',
        '5000',
        '--nats',
        url,
        ...tlsFlags(),
      ]);
      expect(status.stderr).toBe('');
      expect((JSON.parse(status.stdout) as Array<{ id: string }>).map((r) => r.id)).toEqual([
        'batcher-tls',
        'drafter-tls',
        'scheduler-tls',
        'verifier-tls',
      ]);
      const want = greedyReference(new EmulatedModel({ seed: SEED }), 'over tls', 16);
      for (const mode of ['nonsi', 'si', 'dsi']) {
        const gen = await runCli([
          'generate',
          'over tls',
          '--json',
          '--mode',
          mode,
          '--max-tokens',
          '16',
          '--nats',
          url,
          ...tlsFlags(),
        ]);
        expect(gen.stderr, mode).toBe('');
        expect((JSON.parse(gen.stdout) as { tokenIds: number[] }).tokenIds, mode).toEqual(want);
      }
    },
    within(60_000),
  );

  it(
    'refuses a client without the CA, without a client certificate, or with another CA’s',
    async () => {
      const refusals: Array<[string, string[]]> = [
        // The server's certificate cannot be trusted without the CA that signed it.
        ['no CA', ['--tls-cert', certs.client.cert, '--tls-key', certs.client.key]],
        // The server asks for a client certificate and gets none, or one it cannot trust: it ends
        // the handshake with an alert, which the client reports at once with its cause.
        ['no client certificate', ['--tls-ca', certs.cluster.ca.cert]],
        [
          'client certificate of another CA',
          [
            '--tls-ca',
            certs.cluster.ca.cert,
            '--tls-cert',
            certs.stranger.cert,
            '--tls-key',
            certs.stranger.key,
          ],
        ],
      ];
      const runs = await Promise.all(
        refusals.map(([, flags]) => runCli(['status', '--listen-ms', '300', '--nats', url, ...flags])),
      );
      runs.forEach((r, i) => {
        const what = refusals[i]![0];
        expect(r.code, what).toBe(4);
        expect(r.stderr, what).toMatch(/E_CONNECTION: cannot connect to NATS/);
      });
      expect(runs[0]!.stderr).toMatch(/unable to verify the first certificate/);
      expect(runs[1]!.stderr).toMatch(/it requires a client certificate \(give --tls-cert and --tls-key/);
      expect(runs[2]!.stderr).toMatch(/it does not trust the client certificate/);
    },
    // No refusal waits for the client's connect timeout (20 s) any more.
    within(15_000),
  );

  it('refuses a client that does not speak TLS: the plain protocol is never answered', async () => {
    const began = Date.now();
    const said = await new Promise<string>((resolve) => {
      const sock = netConnect({ host: '127.0.0.1', port: server.port });
      let got = '';
      let sent = false;
      sock.on('data', (d: Buffer) => {
        got += d.toString();
        if (!sent && got.includes('\r\n')) {
          sent = true;
          sock.write('CONNECT {"verbose":false}\r\nPING\r\n');
        }
      });
      sock.on('close', () => resolve(got));
      sock.on('error', () => undefined);
      setTimeout(() => sock.destroy(), 5000).unref();
    });
    // The server announces TLS, reads the plain CONNECT as a broken handshake and hangs up.
    expect(said).toMatch(/"tls_required":true/);
    expect(said).not.toMatch(/PONG|\+OK/);
    expect(Date.now() - began).toBeLessThan(4000);
  });
});
