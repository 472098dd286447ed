/** `specmesh bench control-plane`: @specmesh/lab's control-plane harness, printed. */
import { formatControlPlane, runControlPlane } from '@specmesh/lab';
import type { ArgumentsCamelCase } from 'yargs';
import type { BenchControlPlaneArgs } from '../commands/bench-control-plane.js';
import { SPECMESH_BIN } from '../node-bin.js';
import { createOutput } from '../output.js';

export async function runBenchControlPlane(args: ArgumentsCamelCase<BenchControlPlaneArgs>): Promise<void> {
  const output = createOutput(args.json);
  output.say(
    'bench control-plane: admissions of a scheduler, verify tasks through a batcher, zero-cost models …',
  );
  const report = await runControlPlane({
    nodeBin: SPECMESH_BIN,
    seconds: args.seconds ?? (args.quick ? 2 : 8),
    inflight: args.inflight ?? 256,
    instances: args.quick ? [1] : [1, 2],
    sessions: args.sessions ?? (args.quick ? 0 : 5000),
    ...(args.drafters !== undefined ? { drafters: args.drafters } : {}),
  });
  output.result({ bench: 'control-plane', ...report }, () => formatControlPlane(report));
}
