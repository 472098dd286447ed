/**
 * `specmesh trace <requestId>`: prints a finished request's speculation timeline in the terminal,
 * as the gateway that served it recorded it (`GET /specmesh/requests/<id>`): one lane for the
 * drafter and one per target, then each round (draft, verify on which target, accepted count,
 * preempted). Colours as colour.ts decides (a terminal, no NO_COLOR; FORCE_COLOR forces them);
 * `--json` prints the raw record.
 */
import type { Argv, CommandModule } from 'yargs';
import { withJsonOption } from '../output.js';

export interface TraceArgs {
  requestId: string;
  gateway: string;
  json: boolean;
  width: number;
}

export const traceCommand: CommandModule<object, TraceArgs> = {
  command: 'trace <request-id>',
  describe: "Print a finished request's speculation timeline (drafts, verifications per target, preemptions)",
  builder: (y: Argv) =>
    withJsonOption(y, 'the timeline record')
      .positional('request-id', {
        type: 'string',
        demandOption: true,
        describe: 'Request id (the `id` of the response)',
      })
      .option('gateway', {
        type: 'string',
        default: 'http://127.0.0.1:8080',
        describe: 'Base URL of the gateway that served the request. Defaults to http://127.0.0.1:8080',
      })
      .option('width', {
        type: 'number',
        default: 72,
        describe: 'Width of the lanes, characters. Defaults to 72',
      })
      .example('$0 trace cmpl-3fQx9 --gateway http://127.0.0.1:8080', 'lanes and rounds of one request')
      .example(
        '$0 trace cmpl-3fQx9 --json | jq .trace.spans',
        'the raw spans for scripts',
      ) as unknown as Argv<TraceArgs>,
  handler: async (args) => (await import('../run/trace.js')).runTrace(args),
};
