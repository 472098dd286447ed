/**
 * The example cluster of infra/nats (accounts.conf): its users' passwords as nats.env.example gives
 * them, and role processes (`specmesh node`) logged in as those users.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CLI } from './cli.js';

export const NATS_DIR = fileURLToPath(new URL('../../infra/nats/', import.meta.url));

/** The example passwords, as nats-server reads them from its environment. */
export const EXAMPLE_PASSWORDS: Readonly<Record<string, string>> = Object.fromEntries(
  readFileSync(`${NATS_DIR}nats.env.example`, 'utf8')
    .split('\n')
    .filter((l) => /^SPECMESH_\w+=/.test(l))
    .map((l) => l.split('=') as [string, string]),
);

/** The example password of `user`. */
export const passwordOf = (user: string): string =>
  EXAMPLE_PASSWORDS[`SPECMESH_PASSWORD_${user.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`]!;

/** A node's environment logging it in as `user`. */
export const loginAs = (user: string) => ({ SPECMESH_USER: user, SPECMESH_PASSWORD: passwordOf(user) });

/** The emulated pair's flags of the tests that use the example cluster (seed `seed`). */
export const exampleModelFlags = (seed: number): string[] => [
  '--seed',
  String(seed),
  '--target-ttft-ms',
  '2',
  '--target-tpot-ms',
  '2',
  '--draft-tpot-ms',
  '0.3',
];

/**
 * Starts `specmesh node --role <role> --name <id>` with `env` added to this process's, kept in
 * `children`; resolves once it prints that it is ready, rejects if it exits first.
 */
export function startNode(
  children: ChildProcess[],
  role: string,
  id: string,
  env: Record<string, string>,
  extra: readonly string[] = [],
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'node', '--role', role, '--name', id, ...extra], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${id} exited with ${code}`)));
  });
}
