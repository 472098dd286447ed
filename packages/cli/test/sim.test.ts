import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { within } from './within.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const SCENARIOS = fileURLToPath(new URL('../../sim/scenarios/', import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: within(60_000),
    env: { ...process.env },
  });

describe('specmesh sim', () => {
  it('sim dsd: runs a scenario file and ends with the summary table', () => {
    const r = run('sim', 'dsd', '--scenario', `${SCENARIOS}dsd-gsm8k.yaml`, '--requests', '120');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('scenario dsd-gsm8k: 120/120 requests');
    expect(r.stdout).toMatch(/TTFT +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+/);
    expect(r.stdout).toMatch(/acceptance +7\d\.\d% of verified drafts/);
    // Not a terminal: no progress bar anywhere.
    expect(r.stderr).toBe('');
    const json = JSON.parse(
      run('sim', 'dsd', '--scenario', `${SCENARIOS}dsd-gsm8k.yaml`, '--requests', '50', '--json').stdout,
    );
    expect(json.completed).toBe(50);
  });

  it('sim dsd: a bad scenario exits 2 naming the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-'));
    const file = join(dir, 'bad.json');
    const good = readFileSync(`${SCENARIOS}dsi-single-node.yaml`, 'utf8');
    // YAML is accepted under any name: JSON is YAML.
    writeFileSync(file, good.replace('count: 4', 'count: 0'));
    const r = run('sim', 'dsd', '--scenario', file);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('E_CONFIG: scenario');
    expect(r.stderr).toContain('targets.count');
  });

  it('sim dsi --grid --predrafters: writes CSV and the five heatmaps (SSD-DSI / DSI the fifth) as SVG and PNG', () => {
    const out = mkdtempSync(join(tmpdir(), 'sim-grid-'));
    const r = run(
      'sim',
      'dsi',
      '--grid',
      '--c',
      '0.1',
      '0.5',
      '--a',
      '0.5',
      '0.9',
      '--k',
      '2',
      '5',
      '--tokens',
      '50',
      '--repeats',
      '1',
      '--predrafters',
      '2',
      '--out',
      out,
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/DSI \/ min\(SI, non-SI\) +4 /);
    expect(r.stdout).toMatch(/SSD-DSI \/ DSI +4 /);
    expect(r.stdout).toMatch(/hit rate by rejected slot 0: \d+% of \d+/);
    expect(r.stdout).toMatch(/pre-drafter time on branches never used: [\d.]+%/);
    const csv = readFileSync(join(out, 'dsi-grid.csv'), 'utf8').trim().split('\n');
    expect(csv.length).toBe(1 + 8); // every (c, k) here needs at most 5 targets
    expect(csv[0]).toMatch(/,ssd,ssd_over_dsi$/);
    for (const f of ['si-vs-nonsi', 'dsi-vs-si', 'dsi-vs-nonsi', 'dsi-vs-min', 'ssd-vs-dsi']) {
      expect(readFileSync(join(out, `dsi-${f}.svg`), 'utf8')).toContain('<svg');
      expect(
        readFileSync(join(out, `dsi-${f}.png`))
          .subarray(1, 4)
          .toString(),
      ).toBe('PNG');
    }
  });
});
