/** `specmesh bench gateway-overhead`: what the HTTP gateway adds to a generation, and its max rate. */
import type { Argv, CommandModule } from 'yargs';
import { withJsonOption } from '../output.js';

export interface BenchGatewayOverheadArgs {
  seconds?: number;
  rounds?: number;
  connections?: number;
  tokens?: number;
  latencyOnly: boolean;
  profile?: string;
  gatewayModule?: string;
  quick: boolean;
  json: boolean;
}

export const benchGatewayOverheadCommand: CommandModule<object, BenchGatewayOverheadArgs> = {
  command: 'gateway-overhead',
  describe: 'Latency and max requests/s through the HTTP gateway vs straight to the scheduler over NATS',
  builder: (y: Argv) =>
    withJsonOption(y, 'the figures')
      .option('seconds', {
        type: 'number',
        describe: 'Seconds of each measurement. Defaults to 5 (1 with --quick)',
      })
      .option('rounds', {
        type: 'number',
        describe: 'Alternating latency rounds. Defaults to 4 (2 with --quick)',
      })
      .option('connections', {
        type: 'number',
        describe: 'Concurrent requests of the max-rate part. Defaults to 32 (8 with --quick)',
      })
      .option('tokens', { type: 'number', describe: 'Tokens per request. Defaults to 16' })
      .option('latency-only', { type: 'boolean', default: false, describe: 'Skip the max-rate part' })
      .option('profile', {
        type: 'string',
        describe: 'Write a V8 CPU profile of the cluster process into this folder',
      })
      .option('gateway-module', {
        type: 'string',
        describe: 'Another build of the gateway (its dist/index.js) for a before/after comparison',
      })
      .option('quick', {
        type: 'boolean',
        default: false,
        describe: 'Short measurements, fewer connections',
      }) as unknown as Argv<BenchGatewayOverheadArgs>,
  handler: async (args) => (await import('../run/bench-gateway-overhead.js')).runBenchGatewayOverhead(args),
};
