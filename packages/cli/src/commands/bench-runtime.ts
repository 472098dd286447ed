/** `specmesh bench runtime`: request/reply over the specmesh runtime vs a raw NATS client. */
import type { Argv, CommandModule } from 'yargs';
import { withJsonOption } from '../output.js';

export interface BenchRuntimeArgs {
  requests?: number;
  rounds?: number;
  quick: boolean;
  baseline?: string;
  json: boolean;
}

export const benchRuntimeCommand: CommandModule<object, BenchRuntimeArgs> = {
  command: 'runtime',
  describe: 'Request/reply through the specmesh runtime (codec, validation) vs a raw NATS client',
  builder: (y: Argv) =>
    withJsonOption(y, 'the figures')
      .option('requests', {
        type: 'number',
        describe: 'Measured requests per side. Defaults to 20000 (2000 with --quick)',
      })
      .option('rounds', {
        type: 'number',
        describe: 'Rounds, alternating which side goes first. Defaults to 10 (4 with --quick)',
      })
      .option('baseline', {
        type: 'string',
        describe:
          "Another build's runtime entry (<checkout>/packages/runtime/dist/index.js): its actors run the same request, interleaved",
      })
      .option('quick', {
        type: 'boolean',
        default: false,
        describe: 'A tenth of the requests, short warm-up',
      })
      .example(
        '$0 bench runtime --requests 20000 --rounds 10',
        'as npm run bench:runtime',
      ) as unknown as Argv<BenchRuntimeArgs>,
  handler: async (args) => (await import('../run/bench-runtime.js')).runBenchRuntime(args),
};
