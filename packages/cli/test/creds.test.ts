import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    expect(passwords['SPECMESH_PASSWORD_D_1']).toMatch(/^[0-9a-f]{48}$/);
    expect(passwords['SPECMESH_PASSWORD_D_1']).not.toBe(passwords['SPECMESH_PASSWORD_D_2']);
    expect(envOf(join(out, 'd-1.env'))).toEqual({
      SPECMESH_USER: 'd-1',
      SPECMESH_PASSWORD: passwords['SPECMESH_PASSWORD_D_1'],
    });

    // Adding an instance later keeps everyone else's password.
    expect((await runCliHere('creds', '--out', out, '--drafter', 'd-1,d-2,d-3')).code).toBe(0);
    const again = envOf(join(out, 'nats.env'));
    expect(again['SPECMESH_PASSWORD_D_1']).toBe(passwords['SPECMESH_PASSWORD_D_1']);
    expect(again['SPECMESH_PASSWORD_D_3']).toMatch(/^[0-9a-f]{48}$/);
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
