import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDemoPair } from '@specmesh/lab/demo-models';
import { afterAll, describe, expect, it } from 'vitest';
import { within } from './within.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

describe('specmesh up --demo (every role its own process)', () => {
  it('generates the same text in non-SI, SI, DSI and auto through a real multi-process cluster', () => {
    const r = spawnSync(
      process.execPath,
      [
        BIN,
        'up',
        '--demo',
        '--verifiers',
        '2',
        '--max-tokens',
        '24',
        '--target-tpot-ms',
        '10',
        '--target-ttft-ms',
        '10',
      ],
      { encoding: 'utf8', timeout: within(90_000) },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('all 5 joined');
    for (const mode of ['nonsi', 'si', 'dsi', 'auto'])
      expect(r.stdout).toContain(`• ${mode}: "The cluster speaks"`);
    expect(r.stdout).toContain('same text in every mode: yes');
    // Speculation really happened: SI, DSI and auto (one request on an idle cluster) took tokens from
    // accepted drafts.
    const shares = [...r.stdout.matchAll(/from accepted drafts (\d+)%/g)].map((m) => Number(m[1]));
    expect(shares).toHaveLength(4);
    expect(shares[0]).toBe(0);
    for (const s of shares.slice(1)) expect(s).toBeGreaterThan(0);
    expect(r.stdout.trim().endsWith('done.')).toBe(true);
  });
});

describe('specmesh up --backend llama', () => {
  const cache = mkdtempSync(join(tmpdir(), 'specmesh-cache-'));
  const env = { ...process.env, SPECMESH_CACHE_DIR: cache };
  afterAll(() => rmSync(cache, { recursive: true, force: true }));

  it(
    'makes the synthetic demo pair once, then serves the demo on real GGUF models in every mode',
    async () => {
      const r = spawnSync(
        process.execPath,
        [BIN, 'up', '--demo', '--backend', 'llama', '--verifiers', '1', '--max-tokens', '16', '--k', '4'],
        { encoding: 'utf8', timeout: within(120_000), env },
      );
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('made the synthetic demo pair');
      expect(r.stdout).toContain('llama models: target specmesh-synthetic-target');
      expect(r.stdout).toContain('same text in every mode: yes');
      const shares = [...r.stdout.matchAll(/from accepted drafts (\d+)%/g)].map((m) => Number(m[1]));
      expect(shares[1]).toBeGreaterThan(0);

      // The cache is reused, not rewritten.
      process.env.SPECMESH_CACHE_DIR = cache;
      const said: string[] = [];
      const pair = await ensureDemoPair(0.8, (l) => said.push(l));
      const before = statSync(pair.target).mtimeMs;
      await ensureDemoPair(0.8, (l) => said.push(l));
      delete process.env.SPECMESH_CACHE_DIR;
      expect(said.every((l) => l.includes('from the cache'))).toBe(true);
      expect(statSync(pair.target).mtimeMs).toBe(before);
    },
    within(150_000),
  );

  it('refuses a missing model file before starting anything, with exit code 3 naming the file', () => {
    const missing = join(cache, 'nope.gguf');
    const r = spawnSync(
      process.execPath,
      [BIN, 'up', '--demo', '--backend', 'llama', '--model', missing, '--draft-model', missing],
      { encoding: 'utf8', timeout: within(30_000), env },
    );
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('E_MODEL_FILE');
    expect(r.stderr).toContain(missing);
    expect(r.stdout).not.toContain('launching');
  });
});
