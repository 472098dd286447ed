/**
 * Time limits for tests that start processes. Start-up is CPU-bound module loading, so on a busy
 * machine (CI runners, a laptop compiling) it runs slower in proportion to the run queue: each limit
 * is the idle figure times the machine's load factor (`machineLoadFactor`, the one-minute load average
 * over the cores, at least 1), read when the test file loads. A passing test never waits its limit,
 * so scaling costs nothing; a real failure on an idle machine still fails at the idle figure.
 */
import { machineLoadFactor } from '@specmesh/runtime';

const factor = machineLoadFactor();

/** `ms` scaled to the machine's load when the test file loaded. */
export function within(ms: number): number {
  return Math.round(ms * factor);
}
