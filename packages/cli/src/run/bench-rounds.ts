/**
 * What `specmesh bench rounds` does when it runs; the command and its flags are described in
 * commands/bench-rounds.ts.
 */
import { ensureDemoPair, formatRoundBreakdown, measureVerifyCost, runRoundBreakdown } from '@specmesh/lab';
import type { ArgumentsCamelCase } from 'yargs';
import type { BenchRoundsArgs } from '../commands/bench-rounds.js';
import { createOutput } from '../output.js';
import { createProgress } from '../progress.js';
import { parseRoutes } from './parse-routes.js';

export async function runBenchRounds(args: ArgumentsCamelCase<BenchRoundsArgs>): Promise<void> {
  const output = createOutput(args.json);
  const routes = parseRoutes(args.routes);
  const repeats = args.repeats ?? (args.quick ? 2 : 5);
  let llama: { target: string; drafter: string } | undefined;
  // A target step of one position, the share's denominator: the emulated one's is its setting.
  let targetStepMs: number | undefined;
  if (args.backend === 'llama') {
    const pair = await ensureDemoPair(args.agreement, (line) => process.stderr.write(`${line}\n`));
    llama = { target: pair.target, drafter: pair.drafter };
    targetStepMs = (await measureVerifyCost(pair.target, [0], 1))[0]!.ms;
  }
  const bar = createProgress('bench rounds', repeats * routes.length, { enabled: !args.json });
  try {
    const report = await runRoundBreakdown({
      backend: args.backend,
      routes,
      repeats,
      tokens: args.tokens ?? (args.quick ? 32 : 128),
      k: args.k,
      agreement: args.agreement,
      targetTpotMs: args.targetTpotMs,
      ...(targetStepMs !== undefined ? { targetStepMs } : {}),
      ...(llama ? { llama } : {}),
      logLevel: args.logLevel,
      onRun: (done) => bar.update(done),
    });
    bar.stop();
    output.result({ bench: 'rounds', ...report }, () => formatRoundBreakdown(report));
  } finally {
    bar.stop();
  }
}
