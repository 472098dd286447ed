/**
 * Durations on the command line: `10ms`, `0.5s`, `1.5 ms`, or a bare number of milliseconds.
 *
 * @example
 *   parseDurationMs('10ms', '--rtt') // 10
 *   parseDurationMs('0.25s', '--slo-ttft') // 250
 */
import { ConfigError } from '@specmesh/protocol';

const UNIT_MS: Readonly<Record<string, number>> = { '': 1, ms: 1, s: 1000 };

export function parseDurationMs(value: string | number, option: string): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s)?\s*$/.exec(String(value));
  if (!m)
    throw new ConfigError(`${option} must be a duration such as 10ms or 0.5s, got ${JSON.stringify(value)}`);
  return Number(m[1]) * UNIT_MS[m[2] ?? '']!;
}
