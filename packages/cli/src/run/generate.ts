/**
 * What `specmesh generate "<prompt>"` does when it runs; the command and its flags are described in
 * commands/generate.ts.
 */ import { performance } from 'node:perf_hooks';
import { collect, generate, type VerifiedOutputMode, VerifierKeys } from '@specmesh/actors';
import {
  ConfigError,
  type FinishReason,
  modeFields,
  type RequestMode,
  type TokenChunk,
} from '@specmesh/protocol';
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
  /** Why generation ended: `length` (max tokens), `stop` (a stop string or the end of text), ... */
  finishReason: FinishReason | undefined;
  /** With `logprobs`: per token, the target's log-probability of it and its most likely alternatives. */
  logprobs?: TokenLogprob[];
}

/** The target's figures for one generated token. */
export interface TokenLogprob {
  readonly token: number;
  readonly logprob: number;
  readonly top: ReadonlyArray<{ readonly token: number; readonly text: string; readonly logprob: number }>;
}

/** Longest wait for a verifier's first heartbeat before submitting (a heartbeat interval is 1 s by default). */
const KEY_WAIT_MS = 2000;

/** The verifiers' keys as `actor` hears them, one listener per connection (`up --demo` generates several times). */
const keyRings = new WeakMap<Actor, VerifierKeys>();
function keysOf(actor: Actor): VerifierKeys {
  let keys = keyRings.get(actor);
  if (!keys) {
    keys = VerifierKeys.start(actor);
    keyRings.set(actor, keys);
  }
  return keys;
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
    stop?: readonly string[];
    /** Alternatives per token to report with the target's log-probabilities; none when undefined. */
    logprobs?: number;
    /** Tokens no verifier signed: fail the generation, leave them out, or no check. Defaults to `reject`. */
    verifiedOutput?: VerifiedOutputMode;
  },
  onText?: (text: string) => void,
): Promise<GenerationReport> {
  if (a.logprobs !== undefined && !(Number.isInteger(a.logprobs) && a.logprobs >= 0 && a.logprobs <= 20))
    throw new ConfigError(`--logprobs must be a whole number from 0 to 20, got ${a.logprobs}`, {
      context: { option: 'logprobs' },
    });
  // Keys from the verifiers' heartbeats: a client that just connected hears the first before it
  // submits (at most a heartbeat interval), so the wait is not counted as time to the first token.
  const check = a.verifiedOutput ?? 'reject';
  const keys = check === 'off' ? undefined : keysOf(actor);
  await keys?.whenAny(KEY_WAIT_MS);
  const started = performance.now();
  let first: number | undefined;
  let drafted = 0;
  let finishReason: FinishReason | undefined;
  const logprobs: TokenLogprob[] = [];
  const gen = await generate(
    actor,
    {
      requestId: `cli-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`,
      prompt: a.prompt,
      maxTokens: a.maxTokens,
      sampling: { temperature: a.temperature, topK: 0, topP: 1, seed: a.seed },
      ...modeFields(a.mode),
      window: { policy: a.window ?? 'static', k: a.k },
      deadlineAt: Date.now() + 120_000,
      ...(a.stop && a.stop.length > 0 ? { stop: [...a.stop] } : {}),
      ...(a.logprobs !== undefined ? { logprobs: a.logprobs } : {}),
    },
    keys ? { verifiedOutput: { keys, mode: check } } : {},
  );
  const counted = {
    [Symbol.asyncIterator]: async function* () {
      for await (const c of gen.chunks) {
        if (c.tokens.length > 0 && first === undefined) first = performance.now();
        if (c.sources) for (const s of c.sources) drafted += s;
        if (c.finishReason) finishReason = c.finishReason;
        if (a.logprobs !== undefined) logprobs.push(...logprobsOf(c, a.logprobs));
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
    finishReason,
    ...(a.logprobs !== undefined ? { logprobs } : {}),
  };
}

/** A chunk's per-token figures, `n` alternatives each (none when the target sent no figures). */
function logprobsOf(c: TokenChunk, n: number): TokenLogprob[] {
  if (!c.logprobs) return [];
  return Array.from(c.tokens, (token, i) => ({
    token,
    logprob: c.logprobs![i]!,
    top: Array.from({ length: c.topTokens ? n : 0 }, (_, j) => ({
      token: c.topTokens![i * n + j]!,
      text: c.topTexts?.[i * n + j] ?? '',
      logprob: c.topLogprobs![i * n + j]!,
    })),
  }));
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
        `\n\n[${r.mode}]${r.finishReason === 'stop' ? ' stopped ·' : ''} ${r.tokens} tokens in ${r.wallMs.toFixed(0)} ms · TTFT ${r.ttftMs.toFixed(1)} ms · TPOT ${r.tpotMs.toFixed(1)} ms · from accepted drafts ${(r.draftedShare * 100).toFixed(0)}%`,
    );
  } finally {
    await actor.stop();
  }
}
