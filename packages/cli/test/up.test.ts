import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

describe('specmesh up --demo (every role its own process)', () => {
  it('generates the same text in non-SI, SI and DSI through a real multi-process cluster', () => {
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
      { encoding: 'utf8', timeout: 90_000 },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('all 5 joined');
    for (const mode of ['nonsi', 'si', 'dsi']) expect(r.stdout).toContain(`• ${mode}: "The cluster speaks"`);
    expect(r.stdout).toContain('same text in every mode: yes');
    // Speculation really happened: SI and DSI took tokens from accepted drafts.
    const shares = [...r.stdout.matchAll(/from accepted drafts (\d+)%/g)].map((m) => Number(m[1]));
    expect(shares).toHaveLength(3);
    expect(shares[0]).toBe(0);
    expect(shares[1]).toBeGreaterThan(0);
    expect(shares[2]).toBeGreaterThan(0);
    expect(r.stdout.trim().endsWith('done.')).toBe(true);
  });
});
