/** A `sim validate` record round-trips through its file, and `plan` can print it or refuse a bad one. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@specmesh/protocol';
import { describe, expect, it } from 'vitest';
import type { ValidationReport } from '../src/validate/validate-run.js';
import {
  formatValidatedError,
  readValidationRecord,
  recordOf,
  writeValidationRecord,
} from '../src/validate/validation-record.js';

const row = (label: string, unit: string, error: number) => ({ label, unit, error });

/** The parts of a report a record reads. */
const report = {
  plan: { name: 'validate-4x4', mode: 'si', requests: 48 },
  rows: [
    row('throughput', 'tok/s', 0.039),
    row('throughput', 'req/s', 0.039),
    row('TTFT p50', 'ms', -0.083),
    row('acceptance', '', 0),
    row('TPOT mean', 'ms', Number.NaN),
  ],
} as unknown as ValidationReport;

describe('sim validate records', () => {
  it('keep each finite error with its unit, and read back as written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'specmesh-validation-'));
    const path = join(dir, 'v.json');
    const record = recordOf(report, new Date('2026-12-07T12:00:00Z'), '2 CPUs, load average 1.2');
    writeValidationRecord(path, record);
    const back = readValidationRecord(path);
    expect(back).toEqual(record);
    expect(back.errors.map((e) => e.metric)).toEqual([
      'throughput (tok/s)',
      'throughput (req/s)',
      'TTFT p50 (ms)',
      'acceptance',
    ]);
    expect(formatValidatedError(back)).toBe(
      'simulated against a measured cluster by sim validate (validate-4x4 SI, 48 requests, 2026-12-07, 2 CPUs, load average 1.2): ' +
        'throughput (tok/s) +3.9%, throughput (req/s) +3.9%, TTFT p50 (ms) −8.3%, acceptance +0.0%; largest |error| 8.3%',
    );
  });

  it('a missing file or one of another kind is a ConfigError naming the flag', () => {
    const dir = mkdtempSync(join(tmpdir(), 'specmesh-validation-'));
    expect(() => readValidationRecord(join(dir, 'none.json'))).toThrow(ConfigError);
    const other = join(dir, 'other.json');
    writeFileSync(other, JSON.stringify({ kind: 'something', errors: [] }));
    expect(() => readValidationRecord(other)).toThrow(/--validation .*not a record written by/);
  });
});
