/**
 * `specmesh generate "<prompt>"`: submits one request to a running cluster and streams the text to the
 * terminal, then prints TTFT, TPOT, the share of tokens that came from accepted drafts, and the wall
 * time. `--json` prints one JSON object instead (scripts, tests).
 */
import { performance } from 'node:perf_hooks';
import { collect, generate } from '@specmesh/actors';
import { modeFields, REQUEST_MODES, type RequestMode } from '@specmesh/protocol';
import type { Actor } from '@specmesh/runtime';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { connectClient, withConnectionOptions } from '../options.js';
import { createOutput, withJsonOption } from '../output.js';

interface GenerateArgs {
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
  json: boolean;
}

export interface GenerationReport {
  mode: string;
  text: string;
  /** Number of tokens generated. */
  tokens: number;
  /** The token ids, in order (scripts compare outputs with them). */
  tokenIds: number[];
  ttftMs: number;
  tpotMs: number;
  wallMs: number;
  draftedShare: number;
}

/** Runs one generation through `actor` and measures it; used by `generate` and `up --demo`. */
export async function generateOnce(
  actor: Actor,
  a: {
    prompt: string;
    mode: RequestMode;
    k: number;
    /** Window policy; defaults to `static`. */
    window?: string;
    maxTokens: number;
    temperature: number;
    seed: number;
  },
  onText?: (text: string) => void,
): Promise<GenerationReport> {
  const started = performance.now();
  let first: number | undefined;
  let drafted = 0;
  const gen = await generate(actor, {
    requestId: `cli-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`,
    prompt: a.prompt,
    maxTokens: a.maxTokens,
    sampling: { temperature: a.temperature, topK: 0, topP: 1, seed: a.seed },
    ...modeFields(a.mode),
    window: { policy: a.window ?? 'static', k: a.k },
    deadlineAt: Date.now() + 120_000,
  });
  const counted = {
    [Symbol.asyncIterator]: async function* () {
      for await (const c of gen.chunks) {
        if (c.tokens.length > 0 && first === undefined) first = performance.now();
        if (c.sources) for (const s of c.sources) drafted += s;
        if (c.text) onText?.(c.text);
        yield c;
      }
    },
  };
  const out = await collect({ chunks: counted });
  const end = performance.now();
  const ttft = (first ?? end) - started;
  return {
    mode: a.mode,
    text: out.text,
    tokens: out.tokens.length,
    tokenIds: out.tokens,
    ttftMs: ttft,
    tpotMs: out.tokens.length > 1 ? (end - (first ?? end)) / (out.tokens.length - 1) : 0,
    wallMs: end - started,
    draftedShare: out.tokens.length > 0 ? drafted / out.tokens.length : 0,
  };
}

async function run(args: ArgumentsCamelCase<GenerateArgs>): Promise<void> {
  const actor = await connectClient(args, 'generate');
  const output = createOutput(args.json);
  try {
    // The text streams as it comes for people; scripts get it whole in the JSON object.
    const report = await generateOnce(actor, { ...args, mode: args.mode as RequestMode }, output.text);
    output.result(
      report,
      (r) =>
        `\n\n[${r.mode}] ${r.tokens} tokens in ${r.wallMs.toFixed(0)} ms · TTFT ${r.ttftMs.toFixed(1)} ms · TPOT ${r.tpotMs.toFixed(1)} ms · from accepted drafts ${(r.draftedShare * 100).toFixed(0)}%`,
    );
  } finally {
    await actor.stop();
  }
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
      .example(
        '$0 generate "Once upon a time" --nats nats://127.0.0.1:4222 --mode si --k 4',
        '',
      ) as unknown as Argv<GenerateArgs>,
  handler: run,
};
