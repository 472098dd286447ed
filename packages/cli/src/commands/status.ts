/**
 * `specmesh status`: who is alive in the cluster, with what load and version, from heartbeats.
 * Listens for a few heartbeat intervals, then prints a table (or JSON with --json). With `--expect n`
 * it stops listening as soon as n instances are heard, and exits 5 when fewer were by the end.
 */
import type { Argv, CommandModule } from 'yargs';
import { type ConnectionArgs, withConnectionOptions } from '../connection-options.js';
import { withJsonOption } from '../output.js';

export interface StatusArgs extends ConnectionArgs {
  listenMs: number;
  json: boolean;
  only?: string;
  id?: string;
  expect?: number;
}

export const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status',
  describe: 'List live instances (role, id, pool, version, load) from their heartbeats',
  builder: (y: Argv) =>
    withJsonOption(withConnectionOptions(y), 'the instances (an array)')
      .option('listen-ms', {
        type: 'number',
        default: 2500,
        describe:
          'How long to listen for heartbeats, ms (instances beat every --heartbeat-ms, 1000 by default)',
      })
      .option('only', {
        type: 'string',
        choices: ['scheduler', 'batcher', 'verifier', 'drafter', 'gateway', 'echo'],
        describe:
          'Only list instances of this role (not --role: a shared specmesh.yaml may set role for `node`)',
      })
      .option('id', {
        type: 'string',
        describe:
          'Only list this instance; with --expect 1 a health check of one node (Kubernetes exec probe)',
      })
      .option('expect', {
        type: 'number',
        describe:
          'Stop as soon as this many instances are heard; exit 5 if fewer by --listen-ms (scripts, readiness checks)',
      })
      .example('$0 status --nats nats://127.0.0.1:4222', 'table of live instances')
      .example('$0 status --nats nats://127.0.0.1:4222 --json', 'the same as JSON for scripts')
      .example('$0 status --only verifier --expect 3 --listen-ms 10000', 'wait until 3 verifiers are up')
      .epilogue(
        'Columns: role, id, pool, version, uptime, in-flight / queued work, capacity, draining.',
      ) as unknown as Argv<StatusArgs>,
  handler: async (args) => (await import('../run/status.js')).runStatus(args),
};
