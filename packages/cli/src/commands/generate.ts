/**
 * `specmesh generate "<prompt>"`: submits one request to a running cluster and streams the text to the
 * terminal, then prints TTFT, TPOT, the share of tokens that came from accepted drafts, and the wall
 * time. `--json` prints one JSON object instead (scripts, tests).
 */
import { REQUEST_MODES } from '@specmesh/protocol/request-mode';
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions } from '../connection-options.js';
import { withJsonOption } from '../output.js';

export interface GenerateArgs {
  nats?: string[];
  prefix: string;
  logLevel: string;
  prompt: string;
  mode: string;
  k: number;
  window: string;
  maxTokens: number;
  temperature: number;
  seed: number;
  stop?: string[];
  logprobs?: number;
  verifiedOutput: 'reject' | 'drop' | 'off';
  json: boolean;
}

export const generateCommand: CommandModule<object, GenerateArgs> = {
  command: 'generate <prompt>',
  describe: 'Generate text from a running cluster and print timing figures',
  builder: (y: Argv) =>
    withJsonOption(withConnectionOptions(y), 'the text and its figures')
      .positional('prompt', { type: 'string', demandOption: true, describe: 'Prompt text' })
      .option('mode', {
        type: 'string',
        choices: REQUEST_MODES,
        default: 'auto',
        describe:
          'Speculation mode: auto chooses non-SI, SI or DSI (and the window) per round from the cluster’s load',
      })
      .option('k', {
        type: 'number',
        default: 5,
        describe: 'Draft window (the start, and the bounds’ default, for adaptive policies)',
      })
      .option('window', {
        type: 'string',
        choices: ['static', 'backoff', 'threshold', 'awc'],
        default: 'static',
        describe:
          'Window policy: k every round, acceptance back-off, SpecDec++-style threshold, or AWC (which also moves the request between edge and fused under adaptive placement)',
      })
      .option('max-tokens', { type: 'number', default: 64, describe: 'Tokens to generate at most' })
      .option('temperature', { type: 'number', default: 0, describe: 'Sampling temperature; 0 is greedy' })
      .option('seed', { type: 'number', default: 1, describe: 'Sampling seed' })
      .option('stop', {
        type: 'string',
        array: true,
        describe: 'End before the first occurrence of this text (repeat for several); the reason is "stop"',
      })
      .option('logprobs', {
        type: 'number',
        describe:
          'Report the target’s log-probability of every token and this many alternatives (0-20); with --json',
      })
      .option('verified-output', {
        type: 'string',
        choices: ['reject', 'drop', 'off'],
        default: 'reject',
        describe:
          'Tokens no verifier signed: fail (E_UNVERIFIED), leave them out, or do not check (verifiers older than protocol 1.5)',
      })
      .example('$0 generate "Once upon a time" --nats nats://127.0.0.1:4222 --mode si --k 4', '')
      .example(
        '$0 generate "List: 1." --stop "4." --logprobs 2 --json --nats nats://127.0.0.1:4222',
        'stop at "4.", with the target’s log-probabilities',
      ) as unknown as Argv<GenerateArgs>,
  handler: async (args) => (await import('../run/generate.js')).runGenerate(args),
};
