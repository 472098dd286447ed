/**
 * `specmesh drain <instance>`: asks one running instance (a `specmesh node` process, by its id as
 * `specmesh status` shows it) to stop taking work, finish what it holds and exit. Its heartbeats say
 * `draining` meanwhile, so routers send it nothing new. Exits 0 once the instance has accepted,
 * 4 when nobody answers for that id (unknown or already gone), 5 on a deadline.
 */
import type { Argv, CommandModule } from 'yargs';
import { type ConnectionArgs, withConnectionOptions } from '../connection-options.js';
import { withJsonOption } from '../output.js';

export interface DrainArgs extends ConnectionArgs {
  instance: string;
  reason: string;
  timeoutMs: number;
  json: boolean;
}

export const drainCommand: CommandModule<object, DrainArgs> = {
  command: 'drain <instance>',
  describe: 'Gracefully stop one instance: no new work, finish in-flight work, exit',
  builder: (y: Argv) =>
    withJsonOption(withConnectionOptions(y), 'the reply')
      .positional('instance', {
        type: 'string',
        demandOption: true,
        describe: 'Instance id, as `specmesh status` lists it (the --name of `specmesh node`)',
      })
      .option('reason', { type: 'string', default: 'operator request', describe: 'Logged by the instance' })
      .option('timeout-ms', {
        type: 'number',
        default: 5000,
        describe: 'How long to wait for the instance to answer, ms',
      })
      .example('$0 drain verifier-3 --nats nats://10.0.0.5:4222', 'take verifier-3 out for maintenance')
      .epilogue(
        'Exit codes: 0 draining, 2 bad usage, 4 no such instance answers, 5 no answer in time.',
      ) as unknown as Argv<DrainArgs>,
  handler: async (args) => (await import('../run/drain.js')).runDrain(args),
};
