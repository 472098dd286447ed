import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makePrivateCa } from '../src/private-ca.js';

const HAVE_OPENSSL = spawnSync('openssl', ['version']).status === 0;

describe.skipIf(!HAVE_OPENSSL)('makePrivateCa', () => {
  const dir = mkdtempSync(join(tmpdir(), 'specmesh-ca-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const verify = (cert: string) =>
    spawnSync('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), cert], { encoding: 'utf8' });

  it('issues a server certificate for every host, both ways, and client certificates, from one CA', () => {
    const made = makePrivateCa({ dir, hosts: ['nats-1', '*.nats.svc', '10.0.0.5'], clients: ['edge-7'] });
    expect(made.newCa).toBe(true);
    const text = spawnSync('openssl', ['x509', '-in', made.server.cert, '-noout', '-text'], {
      encoding: 'utf8',
    }).stdout;
    expect(text).toMatch(/DNS:nats-1, DNS:\*\.nats\.svc, IP Address:10\.0\.0\.5/);
    expect(text).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(verify(made.server.cert).status).toBe(0);
    expect(verify(made.clients['edge-7']!.cert).status).toBe(0);
    for (const key of [made.ca.key, made.server.key, made.clients['edge-7']!.key])
      expect(statSync(key).mode & 0o777, key).toBe(0o600);
  });

  it('keeps the CA and existing certificates; new ones are signed by the same CA', () => {
    const ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
    const server = readFileSync(join(dir, 'server.pem'), 'utf8');
    const again = makePrivateCa({ dir, hosts: ['nats-1'], clients: ['edge-8'] });
    expect(again.newCa).toBe(false);
    expect(readFileSync(join(dir, 'ca.pem'), 'utf8')).toBe(ca);
    expect(readFileSync(join(dir, 'server.pem'), 'utf8')).toBe(server);
    expect(again.written).toEqual([join(dir, 'edge-8.pem'), join(dir, 'edge-8-key.pem')]);
    expect(verify(again.clients['edge-8']!.cert).status).toBe(0);
  });

  it('refuses names that cannot be hosts or certificate names, before touching the folder', () => {
    expect(() => makePrivateCa({ dir, hosts: ['bad host'] })).toThrow(/neither a host name nor an IP/);
    expect(() => makePrivateCa({ dir, hosts: [] })).toThrow(/at least one host/);
    expect(() => makePrivateCa({ dir, hosts: ['a'], clients: ['ca'] })).toThrow(/cannot name a client/);
    expect(() => makePrivateCa({ dir, hosts: ['a'], days: 0 })).toThrow(/days/);
  });
});
