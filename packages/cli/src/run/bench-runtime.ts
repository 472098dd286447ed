/** `specmesh bench runtime`: @specmesh/lab's runtime-vs-raw harness, printed. */
import { formatRuntimeVsRaw, runRuntimeVsRaw } from '@specmesh/lab';
import type { ArgumentsCamelCase } from 'yargs';
import type { BenchRuntimeArgs } from '../commands/bench-runtime.js';
import { createOutput } from '../output.js';

export async function runBenchRuntime(args: ArgumentsCamelCase<BenchRuntimeArgs>): Promise<void> {
  const output = createOutput(args.json);
  output.say('bench runtime: request/reply through the specmesh runtime vs a raw NATS client …');
  const report = await runRuntimeVsRaw({
    requests: args.requests ?? (args.quick ? 2000 : 20_000),
    rounds: args.rounds ?? (args.quick ? 4 : 10),
    ...(args.quick ? { warmup: 200 } : {}),
    ...(args.baseline ? { baseline: args.baseline } : {}),
  });
  output.result({ bench: 'runtime', ...report }, () => formatRuntimeVsRaw(report));
}
