/**
 * `specmesh chaos`: the soak that proves the cluster loses nothing. A local cluster of real processes
 * (its own nats-server, or a 3-server NATS cluster with `--nats-nodes 3`) generates greedily while
 * role processes are killed and paused and, optionally, a NATS node is killed. Prints requests,
 * faults and recovery percentiles per fault kind; exits 1 if any output differed, any request failed,
 * any stream skipped or repeated a token, or anything leaked. On a terminal a progress bar follows the
 * soak's seconds and names the latest fault; `--json` prints the summary as one JSON object.
 *
 *   specmesh chaos                                    # 30 s, kills and pauses of every role
 *   specmesh chaos --seconds 300 --every-ms 700 --nats-nodes 3 --faults kill,pause,nats
 *   specmesh chaos --heartbeat-ms 200 --verify-timeout-ms 3000 --batch-timeout-ms 1500 --submit-timeout-ms 1000
 *   specmesh chaos --seconds 60 --no-warm-spare       # every restart starts a fresh process
 *
 * Timeouts are a deployment's defaults unless set: the soak shows what a deployment recovers in. A
 * killed role comes back by promoting its warm spare, as under `specmesh node --supervise`.
 */
import type { FaultKind, VictimRole } from '@specmesh/lab';
import type { Argv, CommandModule } from 'yargs';
import { type ModelArgs, withModelOptions } from '../model-options.js';
import { withJsonOption } from '../output.js';

export interface ChaosArgs extends ModelArgs {
  seconds: number;
  everyMs: number;
  roles: string[];
  faults: string[];
  pauseMs: number;
  concurrency: number;
  maxTokens: number;
  chaosSeed: number;
  natsNodes: number;
  drafters: number;
  verifiers: number;
  batchers: number;
  schedulers: number;
  heartbeatMs: number;
  verifyTimeoutMs?: number;
  batchTimeoutMs?: number;
  submitTimeoutMs?: number;
  submitAttemptMs?: number;
  warmSpare: boolean;
  json: boolean;
}

export const ROLES: readonly VictimRole[] = ['scheduler', 'batcher', 'verifier', 'drafter'];
export const FAULTS: readonly FaultKind[] = ['kill', 'pause', 'nats'];

export const chaosCommand: CommandModule<object, ChaosArgs> = {
  command: 'chaos',
  describe: 'Soak a local cluster while killing and pausing its processes; check nothing is lost',
  builder: (y: Argv) =>
    withJsonOption(withModelOptions(y), 'the summary')
      .option('seconds', { type: 'number', default: 30, describe: 'How long requests keep coming' })
      .option('every-ms', { type: 'number', default: 1500, describe: 'Time between two faults, ms' })
      .option('roles', {
        type: 'array',
        string: true,
        default: [...ROLES],
        describe: 'Roles whose processes faults hit (comma-separated or repeated)',
      })
      .option('faults', {
        type: 'array',
        string: true,
        default: ['kill', 'pause'],
        describe: 'Fault kinds: kill (SIGKILL), pause (SIGSTOP for --pause-ms), nats (kill a NATS node)',
      })
      .option('pause-ms', {
        type: 'number',
        default: 2500,
        describe: 'How long a paused process stays stopped, ms',
      })
      .option('concurrency', { type: 'number', default: 4, describe: 'Requests in flight at once' })
      .option('max-tokens', { type: 'number', default: 32, describe: 'Tokens per request' })
      .option('chaos-seed', {
        type: 'number',
        default: 1,
        describe: 'Seed of the fault schedule and prompts',
      })
      .option('nats-nodes', { type: 'number', default: 1, describe: 'nats-servers: 1, or 3 in a cluster' })
      .option('schedulers', { type: 'number', default: 2, describe: 'Scheduler processes' })
      .option('batchers', { type: 'number', default: 2, describe: 'Batcher processes' })
      .option('verifiers', { type: 'number', default: 3, describe: 'Verifier processes' })
      .option('drafters', { type: 'number', default: 2, describe: 'Drafter processes' })
      .option('heartbeat-ms', {
        type: 'number',
        default: 1000,
        describe: "Every role's heartbeat interval, ms (a deployment's default)",
      })
      .option('verify-timeout-ms', {
        type: 'number',
        describe: "Ceiling of drafters' and verifiers' verify timeout, ms (default: the roles' own, 10000)",
      })
      .option('batch-timeout-ms', {
        type: 'number',
        describe: "Batchers' timeout of a batch at a verifier, ms (default: the role's own, 10000)",
      })
      .option('submit-timeout-ms', {
        type: 'number',
        describe: "The client's longest admission, ms (default: the client's own, 30000)",
      })
      .option('submit-attempt-ms', {
        type: 'number',
        describe: "The client's first submit attempt timeout, ms (default: the client's own, 1500)",
      })
      .option('warm-spare', {
        type: 'boolean',
        default: true,
        describe:
          'Keep a warm spare of every role process, promoted when a kill hits it, as `specmesh node --supervise` does by default (--no-warm-spare: every restart starts a process)',
      })
      .example('$0 chaos --seconds 20', 'a short soak with kills and pauses of every role')
      .example(
        '$0 chaos --nats-nodes 3 --faults kill,pause,nats --seconds 120',
        'also kill NATS nodes of a 3-server cluster',
      )
      .example('$0 chaos --seconds 60 --no-warm-spare', 'restarts that start a fresh process, to compare')
      .example(
        '$0 chaos --heartbeat-ms 200 --verify-timeout-ms 3000 --batch-timeout-ms 1500 --submit-timeout-ms 1000',
        'tight timeouts instead of a deployment defaults',
      ) as unknown as Argv<ChaosArgs>,
  handler: async (args) => (await import('../run/chaos.js')).runChaosCommand(args),
};
