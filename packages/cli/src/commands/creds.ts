/**
 * `specmesh creds`: one NATS user per instance, each allowed only its own subjects (tenants apart:
 * an instance reads only the prompts, results and replies of the sessions placed on it and writes
 * only their streams; a gateway reads only its own requests' streams). Writes `accounts.conf` (include
 * it from the NATS server configuration), `nats.env` (every password, for nats-server's environment)
 * and `<id>.env` per instance (its SPECMESH_USER and SPECMESH_PASSWORD, for the node's environment).
 */
import type { Argv, CommandModule } from 'yargs';
import { withJsonOption } from '../output.js';

export interface CredsArgs {
  out: string;
  scheduler: string[];
  batcher: string[];
  verifier: string[];
  drafter: string[];
  gateway: string[];
  edge: string[];
  operator: string;
  prefix: string;
  json: boolean;
}

const ids = (describe: string) => ({
  type: 'string' as const,
  array: true,
  default: [] as string[],
  describe,
});

export const credsCommand: CommandModule<object, CredsArgs> = {
  command: 'creds',
  describe: 'Write one NATS user per instance, each allowed only its own subjects (tenants apart)',
  builder: (y: Argv) =>
    withJsonOption(y, 'the files written and the users')
      .option('out', {
        type: 'string',
        default: 'specmesh-creds',
        describe: 'Folder for the files (passwords already in its nats.env are kept)',
      })
      .option('scheduler', ids('Instance id of a scheduler (repeat the flag, or separate with commas)'))
      .option('batcher', ids('Instance id of a batcher'))
      .option('verifier', ids('Instance id of a verifier'))
      .option('drafter', ids('Instance id of a drafter in the cloud'))
      .option('gateway', ids('Instance id of a gateway (or of `specmesh generate --name <id>`)'))
      .option('edge', {
        ...ids('An edge site joining as a leaf node: <leaf user>=<drafter id>[,<drafter id>…]'),
      })
      .option('operator', {
        type: 'string',
        default: 'operator',
        describe: 'User of `specmesh status` and `specmesh drain` (shared by operators)',
      })
      .option('prefix', { type: 'string', default: 'specmesh', describe: 'Subject prefix of the cluster' })
      .example(
        '$0 creds --scheduler scheduler-1 --batcher batcher-1 --verifier verifier-1,verifier-2 --drafter drafter-1 --gateway gateway-1 --edge edge-7=edge-7-drafter',
        'the users of a small cluster and one edge site',
      )
      .epilogue(
        'Each instance must run under its own id: `specmesh node --name <id>` (systemd: the unit instance, specmesh@<id>), with the SPECMESH_USER and SPECMESH_PASSWORD of <id>.env.\nExit codes: 0 written, 2 bad usage (an id named twice, an id that is not a subject token).',
      ) as unknown as Argv<CredsArgs>,
  handler: async (args) => (await import('../run/creds.js')).runCreds(args),
};
