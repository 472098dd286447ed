/** Checks the final value of each configurable flag with the rules of the config file and variables. */
import type { Argv } from 'yargs';
import { type ConfigKey, isConfigKey } from './config-schema.js';
import { flagNames } from './flag-names.js';
import { validateField } from './validate-field.js';

function show(v: unknown): string {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : JSON.stringify(v);
}

/**
 * Validates the final value of every configurable flag the command declares, so a bad flag is refused
 * with the same rules as a bad file or variable.
 * @throws ConfigError naming the flag.
 */
export function validateArgs(
  y: Argv,
  argv: Record<string, unknown>,
  only: ReadonlySet<string> | undefined = undefined,
): void {
  for (const key of flagNames(y)) {
    if (!isConfigKey(key) || (only && !only.has(key))) continue;
    const value = argv[key];
    if (value === undefined) continue;
    try {
      validateField(key as ConfigKey, value, `--${key}`);
    } catch (err) {
      // NaN (from `--port abc`) prints as null in JSON; say what it was.
      if (typeof value === 'number' && Number.isNaN(value))
        (err as Error).message = `--${key}: expected a number, got ${show(value)}`;
      throw err;
    }
  }
}
