/** `specmesh bench signing`: @specmesh/lab's signing-cost harness, printed. */
import { formatSigningCost, runSigningCost } from '@specmesh/lab';
import type { ArgumentsCamelCase } from 'yargs';
import type { BenchSigningArgs } from '../commands/bench-signing.js';
import { createOutput } from '../output.js';

export async function runBenchSigning(args: ArgumentsCamelCase<BenchSigningArgs>): Promise<void> {
  const output = createOutput(args.json);
  const rounds = Math.max(1, Math.floor(args.rounds ?? (args.quick ? 200 : 2000)));
  const rows = runSigningCost(rounds);
  output.result({ bench: 'signing', rounds, rows }, () => formatSigningCost(rows));
}
