/** `specmesh bench gateway-overhead`: @specmesh/lab's gateway-overhead harness, printed. */
import { formatGatewayOverhead, runGatewayOverhead } from '@specmesh/lab';
import type { ArgumentsCamelCase } from 'yargs';
import type { BenchGatewayOverheadArgs } from '../commands/bench-gateway-overhead.js';
import { createOutput } from '../output.js';

export async function runBenchGatewayOverhead(
  args: ArgumentsCamelCase<BenchGatewayOverheadArgs>,
): Promise<void> {
  const output = createOutput(args.json);
  output.say('bench gateway-overhead: the same requests through the gateway and straight over NATS …');
  const report = await runGatewayOverhead({
    seconds: args.seconds ?? (args.quick ? 1 : 5),
    rounds: args.rounds ?? (args.quick ? 2 : 4),
    connections: args.connections ?? (args.quick ? 8 : 32),
    tokens: args.tokens ?? 16,
    latencyOnly: args.latencyOnly,
    ...(args.profile ? { profileDir: args.profile } : {}),
    ...(args.gatewayModule ? { gatewayModule: args.gatewayModule } : {}),
  });
  output.result({ bench: 'gateway-overhead', ...report }, () => formatGatewayOverhead(report));
}
