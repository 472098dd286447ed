/** `specmesh bench cli-startup`: @specmesh/lab's start-up harness on this CLI's own build. */
import { formatCliStartup, runCliStartup } from '@specmesh/lab';
import type { ArgumentsCamelCase } from 'yargs';
import type { BenchCliStartupArgs } from '../commands/bench-cli-startup.js';
import { SPECMESH_BIN } from '../node-bin.js';
import { createOutput } from '../output.js';

export async function runBenchCliStartup(args: ArgumentsCamelCase<BenchCliStartupArgs>): Promise<void> {
  const output = createOutput(args.json);
  const report = await runCliStartup(
    {
      nodeBin: SPECMESH_BIN,
      runs: args.runs ?? (args.quick ? 1 : 5),
      roles: args.roles.split(',').filter(Boolean),
    },
    (what) => output.say(`• timing ${what} …`),
  );
  output.result({ bench: 'cli-startup', ...report }, () => formatCliStartup(report));
}
