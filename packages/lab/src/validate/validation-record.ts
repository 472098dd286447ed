/**
 * What a `specmesh sim validate` run found, kept in a file (`--save`), so that `specmesh plan` can print
 * the simulator's measured error next to its recommendation (`--validation`): the scenario, when and
 * where it ran, and each metric's relative error, simulated against measured.
 *
 * @example
 *   writeValidationRecord('validation.json', recordOf(report, new Date()));
 *   formatValidatedError(readValidationRecord('validation.json'));
 *   // → 'simulated against a measured cluster by sim validate (validate-4x4 SI, 48 requests, 2026-12-07,
 *   //    2 CPUs, load average 1.2): throughput (tok/s) +3.9%, TTFT mean (ms) −6.8%, …; largest |error| 8.3%'
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { ConfigError } from '@specmesh/protocol';
import type { ValidationReport } from './validate-run.js';

const KIND = 'specmesh.sim-validation';

export interface ValidationRecord {
  readonly kind: typeof KIND;
  readonly version: 1;
  /** When the validation ran (ISO 8601). */
  readonly at: string;
  readonly scenario: string;
  readonly mode: string;
  readonly requests: number;
  /** The machine it ran on, in words (CPUs, load average). */
  readonly machine: string;
  /** Each metric's relative error, simulated against measured (0.039 = +3.9%). */
  readonly errors: ReadonlyArray<{ readonly metric: string; readonly error: number }>;
}

/** The record of `report`, run at `at` on `machine`. */
export function recordOf(report: ValidationReport, at: Date, machine: string): ValidationRecord {
  return {
    kind: KIND,
    version: 1,
    at: at.toISOString(),
    scenario: report.plan.name,
    mode: report.plan.mode,
    requests: report.plan.requests,
    machine,
    errors: report.rows
      .filter((r) => Number.isFinite(r.error))
      .map((r) => ({ metric: r.unit ? `${r.label} (${r.unit})` : r.label, error: r.error })),
  };
}

export function writeValidationRecord(path: string, record: ValidationRecord): void {
  writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
}

/** Reads a record `sim validate --save` wrote. @throws ConfigError when the file is missing or is not one. */
export function readValidationRecord(path: string): ValidationRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`--validation ${path}: cannot read it as JSON (${(err as Error).message})`, {
      context: { option: 'validation', path },
      cause: err,
    });
  }
  const r = parsed as Partial<ValidationRecord> | null;
  const errorsOk =
    Array.isArray(r?.errors) &&
    r.errors.every((e) => typeof e?.metric === 'string' && typeof e?.error === 'number');
  if (r?.kind !== KIND || r.version !== 1 || !errorsOk || typeof r.at !== 'string')
    throw new ConfigError(
      `--validation ${path}: not a record written by \`specmesh sim validate --save\` (version 1)`,
      { context: { option: 'validation', path } },
    );
  return r as ValidationRecord;
}

const signed = (e: number) => `${e >= 0 ? '+' : '−'}${Math.abs(e * 100).toFixed(1)}%`;

/** One line for a plan's report: the validation and its errors, the largest named. */
export function formatValidatedError(r: ValidationRecord): string {
  const largest = r.errors.reduce((m, e) => Math.max(m, Math.abs(e.error)), 0);
  const errors = r.errors.map((e) => `${e.metric} ${signed(e.error)}`).join(', ');
  return `simulated against a measured cluster by sim validate (${r.scenario} ${r.mode.toUpperCase()}, ${r.requests} requests, ${r.at.slice(0, 10)}, ${r.machine}): ${errors}; largest |error| ${(100 * largest).toFixed(1)}%`;
}
