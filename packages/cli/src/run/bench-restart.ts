/** `specmesh bench restart`: @specmesh/lab's restart harness on this CLI's own build. */
import { formatRestartBench, requirePositiveIntegers, runRestartBench } from '@specmesh/lab';
import { ConfigError } from '@specmesh/protocol';
import type { ArgumentsCamelCase } from 'yargs';
import type { BenchRestartArgs } from '../commands/bench-restart.js';
import { SPECMESH_BIN } from '../node-bin.js';
import { createOutput } from '../output.js';

/** Roles `specmesh node` can play without flags of their own. */
const ROLES = ['scheduler', 'batcher', 'verifier', 'drafter', 'gateway', 'echo'];

export async function runBenchRestart(args: ArgumentsCamelCase<BenchRestartArgs>): Promise<void> {
  const runs = args.runs ?? (args.quick ? 1 : 5);
  requirePositiveIntegers({ runs }, ['runs']);
  const roles = args.roles.split(',').filter(Boolean);
  for (const role of roles)
    if (!ROLES.includes(role))
      throw new ConfigError(`--roles takes ${ROLES.join(', ')}; got ${role}`, {
        context: { option: 'roles' },
      });
  const output = createOutput(args.json);
  const report = await runRestartBench({ nodeBin: SPECMESH_BIN, runs, roles }, (what) =>
    output.say(`• restarting ${what} …`),
  );
  output.result({ bench: 'restart', ...report }, () => formatRestartBench(report));
}
