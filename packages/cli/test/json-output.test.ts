/**
 * `--json` of the commands that run without a cluster: stdout is one JSON document with the real
 * figures, and nothing else; steps, if any, went to stderr.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type NatsServerHandle, startNatsServer } from '@specmesh/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliHere } from './run-in-process.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'specmesh-json-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI in-process; stdout must be exactly one JSON line, which is returned parsed. */
async function json<T>(...argv: string[]): Promise<{ value: T; stderr: string }> {
  const { code, stdout, stderr } = await runCliHere(...argv);
  expect(code, stderr).toBe(0);
  expect(stdout.endsWith('\n')).toBe(true);
  expect(stdout.trimEnd().split('\n')).toHaveLength(1);
  return { value: JSON.parse(stdout) as T, stderr };
}

describe('--json without a cluster', () => {
  it('sim dsi: the grid rows and the online fixture', async () => {
    type Row = { c: number; a: number; k: number; targets: number; nonsi: number; si: number; dsi: number };
    const { value } = await json<{
      tokens: number;
      repeats: number;
      grid: Row[];
      fixture: { nonsi: number; si: number; dsi: number };
    }>('sim', 'dsi', '--tokens', '60', '--repeats', '1', '--json');
    expect(value.tokens).toBe(60);
    expect(value.repeats).toBe(1);
    expect(value.grid.length).toBeGreaterThan(30);
    // DSI is never slower than non-SI (the paper's claim), here on every row of the JSON.
    for (const r of value.grid) expect(r.dsi).toBeLessThanOrEqual(r.nonsi + 1e-9);
    expect(value.fixture.dsi).toBeLessThan(value.fixture.nonsi);
  });

  it('sim dsi --grid: the ratio summary and the files written', async () => {
    const out = join(dir, 'grid');
    const { value } = await json<{
      points: number;
      ratios: Array<{ ratio: string; cells: number; min: number; max: number }>;
      files: string[];
    }>(
      'sim',
      'dsi',
      '--grid',
      '--c',
      '0.1',
      '--a',
      '0.9',
      '--k',
      '2',
      '4',
      '--tokens',
      '40',
      '--repeats',
      '1',
      '--out',
      out,
      '--json',
    );
    expect(value.points).toBe(2);
    expect(value.ratios.map((r) => r.ratio)).toEqual(['si/nonsi', 'dsi/si', 'dsi/nonsi', 'dsi/min']);
    for (const r of value.ratios) {
      expect(r.cells).toBe(1);
      expect(r.min).toBeGreaterThan(0);
    }
    expect(value.files).toContain(join(out, 'dsi-grid.csv'));
    for (const f of value.files) expect(existsSync(f)).toBe(true);
  });

  it('model make / make-drafter / check: the files written and what they are', async () => {
    const target = join(dir, 't.gguf');
    const drafter = join(dir, 'd.gguf');
    const made = await json<{ role: string; path: string; bytes: number; shape: { vocab: number } }>(
      'model',
      'make',
      '--vocab',
      '320',
      '--out',
      target,
      '--json',
    );
    expect(made.value).toMatchObject({ role: 'target', path: target, shape: { vocab: 320 } });
    expect(made.value.bytes).toBeGreaterThan(1000);
    const d = await json<{ role: string; path: string; agreed: number; pieces: number; from: string }>(
      'model',
      'make-drafter',
      '--from',
      target,
      '--agreement',
      '0.5',
      '--out',
      drafter,
      '--json',
    );
    expect(d.value).toMatchObject({ role: 'drafter', path: drafter, from: target });
    expect(d.value.agreed / d.value.pieces).toBeCloseTo(0.5, 1);
    const check = await json<{ architecture: string; synthetic: { role: string } }>(
      'model',
      'check',
      drafter,
      '--json',
    );
    expect(check.value.architecture).toBe('llama');
    expect(check.value.synthetic.role).toBe('drafter');
  });
});

describe('node --json', () => {
  let server: NatsServerHandle;
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('prints one "ready" JSON line with the id, role and URLs', async () => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'node',
        '--role',
        'echo',
        '--name',
        'echo-json',
        '--nats',
        server.url,
        '--metrics-port',
        '0',
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let stdout = '';
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
      });
      child.once('exit', (code) => reject(new Error(`node exited early with ${code}`)));
    });
    const ready = JSON.parse(line) as { event: string; id: string; role: string; metrics: string };
    expect(ready).toMatchObject({ event: 'ready', id: 'echo-json', role: 'echo' });
    const metrics = await fetch(ready.metrics);
    expect(metrics.ok).toBe(true);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
  });
});
