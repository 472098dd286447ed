/**
 * What `specmesh generate "<prompt>"` does when it runs; the command and its flags are described in
 * commands/generate.ts.
 */ import { performance } from 'node:perf_hooks';
import { collect, generate } from '@specmesh/actors';
import { modeFields, type RequestMode } from '@specmesh/protocol';
import type { Actor } from '@specmesh/runtime';
import type { ArgumentsCamelCase } from 'yargs';
import type { GenerateArgs } from '../commands/generate.js';
import { connectClient } from '../connect-client.js';
import { createOutput } from '../output.js';

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

export async function runGenerate(args: ArgumentsCamelCase<GenerateArgs>): Promise<void> {
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
