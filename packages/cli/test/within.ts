/** `ms` times the machine's load factor when the test file loaded (as test/helpers/within.ts). */
import { machineLoadFactor } from '@specmesh/runtime';

const factor = machineLoadFactor();

export function within(ms: number): number {
  return Math.round(ms * factor);
}
