import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { within } from './within.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: within(60_000),
    env: { ...process.env },
  });

/** `args` with the value of `flag` replaced. */
const withFlag = (args: readonly string[], flag: string, value: string) =>
  args.map((a, i) => (args[i - 1] === flag ? value : a));

/** A record as `specmesh sim validate --save` writes it. */
const RECORD = {
  kind: 'specmesh.sim-validation',
  version: 1,
  at: '2026-12-07T12:00:00.000Z',
  scenario: 'validate-4x4',
  mode: 'si',
  requests: 48,
  machine: '2 CPUs, load average 1.0',
  errors: [
    { metric: 'throughput (tok/s)', error: 0.039 },
    { metric: 'TTFT p50 (ms)', error: -0.083 },
  ],
};

/** A file holding {@link RECORD}. */
function validationFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'specmesh-plan-')), 'validation.json');
  writeFileSync(path, JSON.stringify(RECORD));
  return path;
}

/** A small, fast setting: a 10 ms target, a 1 ms drafter, short requests, one configuration. */
const SMALL = [
  'plan',
  '--target-model',
  'tpot=10,ttft=15,perToken=1,perJob=2,maxJobs=4,windowMs=0.2',
  '--drafter-model',
  'tpot=1,ttft=2,a=0.8,slots=4',
  '--rps',
  '40',
  '--rtt',
  '4ms',
  '--slo-tpot',
  '12ms',
  '--prompt-tokens',
  '16',
  '--output-tokens',
  '24',
  '--requests',
  '200',
  '--modes',
  'si',
  '--executions',
  'distributed',
  '--windows',
  '4',
];

describe('specmesh plan', () => {
  it('--json prints the whole result as parseable JSON, with the validation record it was given', () => {
    const r = run(...SMALL, '--json', '--validation', validationFile());
    expect(r.status).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.recommendation.candidate).toEqual({ mode: 'si', execution: 'distributed', k: 4 });
    expect(plan.recommendation.size.targets).toBeGreaterThan(1);
    expect(plan.recommendation.point.meets).toBe(true);
    expect(plan.config.rttMs).toBe(4);
    expect(plan.config.sloTpotMs).toBe(12);
    expect(plan.check.rows.map((x: { label: string }) => x.label)).toContain('one target fewer');
    expect(plan.curve.length).toBeGreaterThan(2);
    expect(plan.wallMs).toBeGreaterThan(0);
    expect(plan.validation).toEqual(RECORD);
  });

  it('prints the recommendation, the chart and the check', () => {
    const r = run(...SMALL);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /Recommendation: \d+ drafters? \+ \d+ targets = \d+ instances, mode si, execution distributed, window k = 4/,
    );
    expect(r.stdout).toMatch(/TPOT +[\d.]+ +[\d.]+ +[\d.]+/);
    expect(r.stdout).toMatch(/│[█┆ ]+│ +[\d.]+ ms meets +◀ recommended/);
    expect(r.stdout).toMatch(/one target fewer .* misses/);
    expect(r.stdout).toContain('confirmed: the recommendation meets the SLO and one target fewer does not');
    expect(r.stdout).toContain('Simulator error: not validated here; `specmesh sim validate --save');
  });

  it("prints the simulator's validated error from a sim validate record; a missing record exits 2", () => {
    const r = run(...SMALL, '--validation', validationFile());
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      'Simulator error: simulated against a measured cluster by sim validate (validate-4x4 SI, 48 requests, 2026-12-07',
    );
    expect(r.stdout).toContain('throughput (tok/s) +3.9%, TTFT p50 (ms) −8.3%; largest |error| 8.3%');
    const missing = run(...SMALL, '--validation', join(tmpdir(), 'specmesh-no-such-validation.json'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--validation');
  });

  it('exits 1 when nothing meets the SLO, and 2 on a bad duration', () => {
    const none = run(...withFlag(SMALL, '--slo-tpot', '3ms'));
    expect(none.status).toBe(1);
    expect(none.stdout).toContain('No configuration meets the SLO within 64 instances');
    const bad = run(...withFlag(SMALL, '--rtt', 'ten'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--rtt must be a duration');
  });
});
