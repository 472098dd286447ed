/**
 * `specmesh demo`: a local cluster in one command. Starts an embedded nats-server, launches echo
 * actor processes under the supervisor, waits until they announce themselves, sends protocol
 * messages (verify tasks) through them and prints round-trip latency and membership. `--json` prints
 * one JSON object of the same figures (the steps go to stderr).
 */
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions } from '../connection-options.js';
import { withJsonOption } from '../output.js';

export interface DemoArgs {
  nats?: string[];
  prefix: string;
  logLevel: string;
  actors: number;
  requests: number;
  concurrency: number;
  json: boolean;
}

export const demoCommand: CommandModule<object, DemoArgs> = {
  command: 'demo',
  describe: 'Run a local cluster end to end: embedded nats-server, actor processes, protocol traffic',
  builder: (y: Argv) =>
    withJsonOption(withConnectionOptions(y), 'the figures')
      .option('actors', { type: 'number', default: 2, describe: 'Echo actor processes to launch' })
      .option('requests', { type: 'number', default: 2000, describe: 'Verify tasks to send' })
      .option('concurrency', { type: 'number', default: 4, describe: 'Requests in flight at once' })
      .example('$0 demo', 'two actors, 2000 requests, embedded nats-server')
      .example('$0 demo --actors 4 --concurrency 16', 'more actors, more load') as unknown as Argv<DemoArgs>,
  handler: async (args) => (await import('../run/demo.js')).runDemo(args),
};
