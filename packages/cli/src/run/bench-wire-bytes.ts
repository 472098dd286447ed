/** `specmesh bench wire-bytes`: @specmesh/lab's wire-bytes harness, printed. */
import { formatWireBytes, runWireBytes, WIRE_CONFIGS } from '@specmesh/lab';
import type { ArgumentsCamelCase } from 'yargs';
import type { BenchWireBytesArgs } from '../commands/bench-wire-bytes.js';
import { createOutput } from '../output.js';
import { createProgress } from '../progress.js';

export async function runBenchWireBytes(args: ArgumentsCamelCase<BenchWireBytesArgs>): Promise<void> {
  const output = createOutput(args.json);
  const bar = createProgress('bench wire-bytes', WIRE_CONFIGS.length, { enabled: !args.json });
  let report: Awaited<ReturnType<typeof runWireBytes>>;
  try {
    report = await runWireBytes(
      {
        requests: args.requests ?? (args.quick ? 4 : 12),
        maxTokens: args.maxTokens ?? (args.quick ? 32 : 96),
        promptWords: args.promptWords ?? (args.quick ? 20 : 60),
      },
      (done) => bar.update(done),
    );
  } finally {
    bar.stop();
  }
  output.result({ bench: 'wire-bytes', ...report }, () => formatWireBytes(report));
}
