/**
 * `specmesh bench dsi`: non-SI vs SI vs DSI on a real cluster of actors, each beside the core's
 * virtual-time prediction, for the DSI fixture and a few more acceptance / window points.
 * A benchmark, not a test: it prints figures; read them with their spread in mind.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { DSI_FIXTURE, formatClusterDsi, runClusterDsi } from '../bench/cluster-dsi.js';
import { withConnectionOptions } from '../options.js';

interface BenchArgs {
  what: string;
  repeats: number;
  tokens: number;
  quick: boolean;
}

async function runBench(args: ArgumentsCamelCase<BenchArgs>): Promise<void> {
  const points = args.quick
    ? [DSI_FIXTURE]
    : [DSI_FIXTURE, { ...DSI_FIXTURE, a: 0.8 }, { ...DSI_FIXTURE, a: 0.6, k: 3 }];
  process.stdout.write(
    'cluster (real actors over NATS, emulated models in piscina workers) vs virtual time\n',
  );
  for (const p of points) {
    const cfg = { ...p, tokens: args.tokens };
    const rows = await runClusterDsi(cfg, args.repeats);
    process.stdout.write(`\n${formatClusterDsi(cfg, rows, args.repeats)}\n`);
  }
}

export const benchCommand: CommandModule<object, BenchArgs> = {
  command: 'bench <what>',
  describe: 'Run a benchmark (dsi: non-SI vs SI vs DSI on a real cluster, beside virtual time)',
  builder: (y: Argv) =>
    withConnectionOptions(y)
      .positional('what', {
        type: 'string',
        choices: ['dsi'],
        demandOption: true,
        describe: 'Benchmark to run',
      })
      .option('repeats', { type: 'number', default: 3, describe: 'Requests per mode and point' })
      .option('tokens', { type: 'number', default: 50, describe: 'Tokens per request' })
      .option('quick', { type: 'boolean', default: false, describe: 'Only the DSI fixture point' })
      .example(
        '$0 bench dsi',
        'fixture of the DSI public tests and two more points',
      ) as unknown as Argv<BenchArgs>,
  handler: runBench,
};
