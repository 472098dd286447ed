/**
 * The gateway's API key option as an operator sets it: `specmesh node --role gateway` takes the key
 * file from `--api-key-file`, `SPECMESH_API_KEY_FILE` or `api-key-file:` in specmesh.yaml (a flag beats
 * the variable, the variable beats the file); the key itself never appears on a command line. With
 * it, the official `openai` client needs the key; without the option the gateway stays open.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from './helpers/cli.js';
import { within } from './helpers/within.js';

const KEY_A = 'sk-specmesh-e2e-aaaaaaaaaaaaaaaa';
const KEY_B = 'sk-specmesh-e2e-bbbbbbbbbbbbbbbb';
const dir = mkdtempSync(join(tmpdir(), 'specmesh-apikey-'));
const fileA = join(dir, 'keys-a');
const fileB = join(dir, 'keys-b');
writeFileSync(fileA, `${KEY_A}\n`);
writeFileSync(fileB, `# rotated\n${KEY_B}\n`);

let server: NatsServerHandle;
const children: ChildProcess[] = [];

/** Starts a gateway process and resolves with its URL once it printed `ready <id> <url>`. */
function gateway(args: string[], env: Record<string, string> = {}, cwd = dir): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [CLI, 'node', '--role', 'gateway', '--port', '0', '--nats', server.url, ...args],
      { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdout!.on('data', (d: Buffer) => {
      const m = /^ready \S+ (\S+)$/m.exec(d.toString());
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${err}`)));
  });
}

const status = async (url: string, key?: string) =>
  (await fetch(`${url}/v1/models`, key ? { headers: { authorization: `Bearer ${key}` } } : {})).status;

beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('gateway API keys from the command line, the environment and the config file', () => {
  it(
    'SPECMESH_API_KEY_FILE turns the check on; the official openai client needs the key',
    async () => {
      const url = await gateway([], { SPECMESH_API_KEY_FILE: fileA });
      const models = await new OpenAI({ baseURL: `${url}/v1`, apiKey: KEY_A, maxRetries: 0 }).models.list();
      expect(models.data.map((m) => m.id)).toEqual(['specmesh']);
      const refused = await new OpenAI({ baseURL: `${url}/v1`, apiKey: KEY_B, maxRetries: 0 }).models
        .list()
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(await status(url)).toBe(401);
      expect((await fetch(`${url}/health`)).status).toBe(200);
    },
    within(30_000),
  );

  it(
    '--api-key-file beats the variable, which beats specmesh.yaml',
    async () => {
      const withYaml = mkdtempSync(join(dir, 'cwd-'));
      writeFileSync(join(withYaml, 'specmesh.yaml'), `api-key-file: ${fileA}\n`);
      const fromFile = await gateway([], {}, withYaml);
      expect([await status(fromFile, KEY_A), await status(fromFile, KEY_B)]).toEqual([200, 401]);
      const fromEnv = await gateway([], { SPECMESH_API_KEY_FILE: fileB }, withYaml);
      expect([await status(fromEnv, KEY_A), await status(fromEnv, KEY_B)]).toEqual([401, 200]);
      const fromFlag = await gateway(['--api-key-file', fileA], { SPECMESH_API_KEY_FILE: fileB });
      expect([await status(fromFlag, KEY_A), await status(fromFlag, KEY_B)]).toEqual([200, 401]);
    },
    within(30_000),
  );

  it(
    'without the option the gateway is open; a key file that cannot be read stops it (exit 2)',
    async () => {
      expect(await status(await gateway([]))).toBe(200);
      const r = await runCli(
        [
          'node',
          '--role',
          'gateway',
          '--port',
          '0',
          '--nats',
          server.url,
          '--api-key-file',
          join(dir, 'none'),
        ],
        { cwd: dir },
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/E_CONFIG: --api-key-file: cannot read/);
    },
    within(30_000),
  );
});
