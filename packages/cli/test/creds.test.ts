import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNatsServer } from '@specmesh/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { runCliHere } from './run-in-process.js';

const dirs: string[] = [];
const freshDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'specmesh-creds-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const envOf = (file: string) =>
  Object.fromEntries(
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('=') as [string, string]),
  );

describe('specmesh creds', () => {
  it('gives each instance its own user and password, and keeps the passwords when run again', async () => {
    const out = freshDir();
    const first = await runCliHere('creds', '--out', out, '--drafter', 'd-1,d-2', '--json');
    expect(first.code).toBe(0);
    const accounts = readFileSync(join(out, 'accounts.conf'), 'utf8');
    expect(accounts).toContain('user: d-1, password: $SPECMESH_PASSWORD_D_1');
    // Each drafter reads its own sessions only.
    expect(accounts).toContain('"specmesh.v2.session.d-1"');
    expect(accounts).not.toContain('"specmesh.v2.session.*"');
    const passwords = envOf(join(out, 'nats.env'));
    expect(passwords['SPECMESH_PASSWORD_D_1']).toMatch(/^k[0-9a-f]{48}$/);
    expect(passwords['SPECMESH_PASSWORD_D_1']).not.toBe(passwords['SPECMESH_PASSWORD_D_2']);
    expect(envOf(join(out, 'd-1.env'))).toEqual({
      SPECMESH_USER: 'd-1',
      SPECMESH_PASSWORD: passwords['SPECMESH_PASSWORD_D_1'],
    });

    // Adding an instance later keeps everyone else's password.
    expect((await runCliHere('creds', '--out', out, '--drafter', 'd-1,d-2,d-3')).code).toBe(0);
    const again = envOf(join(out, 'nats.env'));
    expect(again['SPECMESH_PASSWORD_D_1']).toBe(passwords['SPECMESH_PASSWORD_D_1']);
    expect(again['SPECMESH_PASSWORD_D_3']).toMatch(/^k[0-9a-f]{48}$/);
  });

  it('puts each edge site in an account of its own, linked to the cloud’s by its drafters’ subjects only', async () => {
    const out = freshDir();
    const r = await runCliHere(
      'creds',
      '--out',
      out,
      '--scheduler',
      's-1',
      '--batcher',
      'b-1',
      '--verifier',
      'v-1',
      '--drafter',
      'd-1',
      '--gateway',
      'g-1',
      '--edge',
      'site-a=ea-1,ea-2',
      '--edge',
      'site-b=eb-1',
    );
    expect(r.code).toBe(0);
    const accounts = readFileSync(join(out, 'accounts.conf'), 'utf8');
    const block = (name: string) => accounts.slice(accounts.indexOf(`  ${name} {`)).split('\n  }')[0]!;
    const a = block('EDGE_SITE_A');
    expect(a).toContain('user: site-a, password: $SPECMESH_PASSWORD_SITE_A');
    // Site A sends its own drafters' tasks, in no one else's name, and reads their results only.
    expect(a).toContain('{stream: "specmesh.v2.verify.*.ea-1", accounts: [SPECMESH]}');
    expect(a).toContain('{stream: "specmesh.v2.verify.*.ea-2", accounts: [SPECMESH]}');
    expect(a).toContain('{service: "specmesh.v2.session.ea-2", accounts: [SPECMESH]}');
    expect(a).toContain('{stream: {account: SPECMESH, subject: "specmesh.v2.result.ea-1.*"}}');
    expect(a).not.toMatch(/eb-1|\.verify\.\*\.\*"|\.result\.\*\.\*"|sched\.submit/);
    // The cloud exports what every site reads once, to both; the sites' users are not the cloud's.
    const cloud = block('SPECMESH');
    expect(cloud).toContain('{stream: "specmesh.v2.hb.verifier.*", accounts: [EDGE_SITE_A, EDGE_SITE_B]}');
    expect(cloud).toContain('{stream: {account: EDGE_SITE_B, subject: "specmesh.v2.tokens.*.eb-1.*"}}');
    expect(cloud).not.toContain('user: site-a');

    // nats-server takes the file as it is (it refuses import cycles, for one).
    writeFileSync(join(out, 'server.conf'), 'include ./accounts.conf\n');
    const check = spawnSync(findNatsServer(), ['-t', '-c', join(out, 'server.conf')], {
      env: { ...process.env, ...envOf(join(out, 'nats.env')) },
      encoding: 'utf8',
    });
    expect(check.stderr + check.stdout).toMatch(/configuration file .* is valid/);
  });

  it('replaces a kept password that nats-server would read as a number, and says so', async () => {
    const out = freshDir();
    writeFileSync(
      join(out, 'nats.env'),
      'SPECMESH_PASSWORD_D_1=12345\nSPECMESH_PASSWORD_D_2=9e5ff00\nSPECMESH_PASSWORD_D_3=kept-as-is\n',
    );
    const r = await runCliHere('creds', '--out', out, '--drafter', 'd-1,d-2,d-3');
    expect(r.code).toBe(0);
    const passwords = envOf(join(out, 'nats.env'));
    expect(passwords['SPECMESH_PASSWORD_D_1']).toMatch(/^k[0-9a-f]{48}$/);
    expect(passwords['SPECMESH_PASSWORD_D_2']).toMatch(/^k[0-9a-f]{48}$/);
    expect(passwords['SPECMESH_PASSWORD_D_3']).toBe('kept-as-is');
    expect(envOf(join(out, 'd-1.env'))['SPECMESH_PASSWORD']).toBe(passwords['SPECMESH_PASSWORD_D_1']);
    expect(r.stdout).toMatch(/d-1: its password in nats.env was not one nats-server reads as text/);
    expect(r.stdout).not.toMatch(/d-3: its password/);
  });

  it.each([
    [['--drafter', 'same', '--gateway', 'same'], /named twice/],
    [['--drafter', 'a.b'], /drafter id/],
    [['--edge', 'site-without-drafters'], /--edge/],
    [[], /at least one instance/],
  ])('refuses %j with exit 2 and says why', async (flags, why) => {
    const r = await runCliHere('creds', '--out', freshDir(), ...flags);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(why);
  });
});
