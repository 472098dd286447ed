/** `specmesh bench wire-bytes`: bytes on the wire per committed token, lean vs naive verify tasks. */
import type { Argv, CommandModule } from 'yargs';
import { withJsonOption } from '../output.js';

export interface BenchWireBytesArgs {
  requests?: number;
  maxTokens?: number;
  promptWords?: number;
  quick: boolean;
  json: boolean;
}

export const benchWireBytesCommand: CommandModule<object, BenchWireBytesArgs> = {
  command: 'wire-bytes',
  describe: 'Bytes on the wire per committed token in each mode: lean verify tasks vs naive ones',
  builder: (y: Argv) =>
    withJsonOption(y, 'the rows')
      .option('requests', {
        type: 'number',
        describe: 'Requests per configuration. Defaults to 12 (4 with --quick)',
      })
      .option('max-tokens', {
        type: 'number',
        describe: 'Tokens per request. Defaults to 96 (32 with --quick)',
      })
      .option('prompt-words', {
        type: 'number',
        describe: 'Words per prompt. Defaults to 60 (20 with --quick)',
      })
      .option('quick', {
        type: 'boolean',
        default: false,
        describe: 'Fewer, shorter requests',
      }) as unknown as Argv<BenchWireBytesArgs>,
  handler: async (args) => (await import('../run/bench-wire-bytes.js')).runBenchWireBytes(args),
};
