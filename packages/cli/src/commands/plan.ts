/**
 * `specmesh plan`: how many drafter and target instances, which mode, execution and window serve a
 * request rate within latency SLOs, answered by the simulator (`@specmesh/sim`'s planner) and checked
 * with a second seed. Exits 1 when no configuration within `--max-instances` meets the SLOs.
 */
import type { PlanExecution, PlanMode } from '@specmesh/sim';
import type { Argv, CommandModule } from 'yargs';
import { DRAFTER_PRESET_NAMES, TARGET_PRESET_NAMES } from '../library-names.js';
import { withJsonOption } from '../output.js';

export interface PlanArgs {
  targetModel: string;
  drafterModel: string;
  targetTpotMs?: number;
  targetTtftMs?: number;
  targetPerTokenMs?: number;
  drafterTpotMs?: number;
  drafterTtftMs?: number;
  drafterSlots?: number;
  acceptance?: number;
  rps: number;
  rtt: string;
  sloTpot: string;
  sloTtft?: string;
  sloPercentile?: number;
  maxInstances?: number;
  modes?: PlanMode[];
  predrafters?: number;
  executions?: PlanExecution[];
  windows?: number[];
  promptTokens?: number;
  outputTokens?: number;
  requests?: number;
  checkRequests?: number;
  seed?: number;
  validation?: string;
  json: boolean;
}

export const planCommand: CommandModule<object, PlanArgs> = {
  command: 'plan',
  describe:
    'Size a cluster for a request rate and latency SLOs: drafters, targets, mode, execution, window (simulated)',
  builder: (y: Argv) =>
    withJsonOption(y, 'the whole result')
      .option('target-model', {
        type: 'string',
        default: '7b',
        describe: `Target latency profile: a preset (${TARGET_PRESET_NAMES.join(', ')}) or figures in ms, e.g. tpot=15,ttft=45,perToken=0.4,perJob=0.9,maxJobs=12`,
      })
      .option('drafter-model', {
        type: 'string',
        default: 'small',
        describe: `Drafter profile: a preset (${DRAFTER_PRESET_NAMES.join(', ')}) or figures, e.g. tpot=6,ttft=25,slots=8,a=0.8`,
      })
      .option('target-tpot-ms', {
        type: 'number',
        describe: "Override the target's decode / verify step, ms",
      })
      .option('target-ttft-ms', { type: 'number', describe: "Override the target's prefill step, ms" })
      .option('target-per-token-ms', {
        type: 'number',
        describe: "Override the target's cost per draft token checked, ms",
      })
      .option('drafter-tpot-ms', { type: 'number', describe: "Override the drafter's cost per token, ms" })
      .option('drafter-ttft-ms', { type: 'number', describe: "Override the drafter's first-token cost, ms" })
      .option('drafter-slots', {
        type: 'number',
        describe: 'Override the draft streams one drafter instance runs at once',
      })
      .option('acceptance', {
        type: 'number',
        describe: 'Override the acceptance: an i.i.d. per-draft rate in [0, 1]',
      })
      .option('rps', {
        type: 'number',
        demandOption: true,
        describe: 'Requests per second (Poisson arrivals)',
      })
      .option('rtt', {
        type: 'string',
        default: '10ms',
        describe: 'Round trip between drafters (users) and targets',
      })
      .option('slo-tpot', {
        type: 'string',
        demandOption: true,
        describe: 'Time per output token to stay within, e.g. 50ms',
      })
      .option('slo-ttft', {
        type: 'string',
        describe: 'Time to first token to stay within, e.g. 500ms (default: none)',
      })
      .option('slo-percentile', {
        type: 'number',
        describe: 'Percentage of requests that must meet every SLO (default 90)',
      })
      .option('max-instances', {
        type: 'number',
        describe: 'Most drafter + target instances to consider (default 64)',
      })
      .option('modes', {
        type: 'array',
        string: true,
        choices: ['nonsi', 'si', 'dsi', 'ssd'],
        describe:
          'Modes to consider (default nonsi, si, dsi); ssd is DSI with pre-drafters beside each drafter (SSD-DSI), which needs an i.i.d. --acceptance',
      })
      .option('predrafters', {
        type: 'number',
        describe:
          'With --modes ssd: pre-drafter instances beside each drafter, counted as instances (default 2)',
      })
      .option('executions', {
        type: 'array',
        string: true,
        choices: ['distributed', 'fused'],
        describe: 'Executions to consider (default both)',
      })
      .option('windows', {
        type: 'array',
        number: true,
        describe: 'Windows k to consider (default 2 3 4 6 8)',
      })
      .option('prompt-tokens', { type: 'number', describe: 'Mean prompt length, tokens (default 95)' })
      .option('output-tokens', { type: 'number', describe: 'Mean output length, tokens (default 130)' })
      .option('requests', { type: 'number', describe: 'Requests per search simulation (default 1200)' })
      .option('check-requests', {
        type: 'number',
        describe: 'Requests per check simulation (default 3x --requests)',
      })
      .option('seed', { type: 'number', describe: 'Seed of the search; the check uses seed + 1 (default 1)' })
      .option('validation', {
        type: 'string',
        describe:
          "A record written by `specmesh sim validate --save`: the simulator's measured errors, printed beside the recommendation",
      })
      .example(
        '$0 plan --target-model 7b --drafter-model small --rps 50 --rtt 10ms --slo-tpot 50ms',
        'the DSD reference models at 50 req/s',
      )
      .example(
        '$0 plan --target-model tpot=30,ttft=80 --drafter-model tpot=4,a=0.75 --rps 20 --slo-tpot 40ms --slo-ttft 400ms --json',
        'explicit latency profiles, TTFT SLO too, JSON',
      ) as unknown as Argv<PlanArgs>,
  handler: async (args) => (await import('../run/plan.js')).runPlan(args),
};
