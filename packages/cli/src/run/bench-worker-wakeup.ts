/** `specmesh bench worker-wakeup`: @specmesh/lab's worker wake-up harness, printed. */
import { formatWorkerWakeup, runWorkerWakeup } from '@specmesh/lab';
import type { ArgumentsCamelCase } from 'yargs';
import type { BenchWorkerWakeupArgs } from '../commands/bench-worker-wakeup.js';
import { createOutput } from '../output.js';

export async function runBenchWorkerWakeup(args: ArgumentsCamelCase<BenchWorkerWakeupArgs>): Promise<void> {
  const rows = await runWorkerWakeup(args.messages ?? (args.quick ? 50 : 300));
  createOutput(args.json).result({ bench: 'worker-wakeup', rows }, () => formatWorkerWakeup(rows));
}
