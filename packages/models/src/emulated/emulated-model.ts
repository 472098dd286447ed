/**
 * The emulated backend: a deterministic toy language model with a latency profile, and a drafter
 * derived from it whose agreement with the target is a parameter.
 *
 * Next-token distribution: a fixed function of the last `window` tokens and the seed. Most mass
 * (`peak`) sits on one word token (the clear argmax), a little on a runner-up, the rest spread thinly,
 * so both greedy decoding and sampling are meaningful. A drafter built with `agreement = a` puts its
 * peak on the target's argmax in a fraction `a` of contexts (decided by another hash of the context),
 * elsewhere on another word, so its per-position greedy acceptance is `a`.
 *
 * Latency: the first evaluation of a session costs `ttftMs`, later ones `tpotMs` plus `perTokenMs`
 * per extra position evaluated, with optional seeded jitter. With `batching`, steps of all sessions
 * instead share forward passes priced by the accelerator roofline (see batch-clock.ts). Waiting is a
 * timer, not a busy loop, so dozens of instances share two cores.
 */
import { type BatchCostProfile, type DraftAlternative, hashTokens, Rng } from '@specmesh/core';
import { CancelledError, ConfigError } from '@specmesh/protocol';
import { generateGreedy } from '../greedy.js';
import type { LanguageModel, ModelInfo, RankedTokens } from '../model.js';
import { BatchClock, type PassStats } from './batch-clock.js';
import {
  BOS_ID,
  detokenizeEmulated,
  EOS_ID,
  tokenizeEmulated,
  WORD_BASE,
  wordCount,
} from './emulated-tokenizer.js';

export interface LatencyProfileMs {
  /** First evaluation of a session, ms. Defaults to 0. */
  readonly ttftMs?: number;
  /** Each later evaluation, ms. Defaults to 0. */
  readonly tpotMs?: number;
  /** Extra cost per additional position evaluated in one call, ms. Defaults to 0. */
  readonly perTokenMs?: number;
  /** Relative jitter, uniform ±fraction. Defaults to 0. */
  readonly jitter?: number;
}

export interface EmulatedModelOptions {
  /** Vocabulary size (≥ 260: specials, bytes, at least one word). Defaults to 512. */
  readonly vocabSize?: number;
  /** Seed of the next-token function. Defaults to 1. */
  readonly seed?: number;
  /** Tokens of context that decide the next token. Defaults to 4 (long cycles in greedy text). */
  readonly window?: number;
  /** Probability mass on the argmax. Defaults to 0.8. */
  readonly peak?: number;
  /** Maximum session length. Defaults to 8192. */
  readonly contextSize?: number;
  readonly latency?: LatencyProfileMs;
  /**
   * Batch like an accelerator: concurrent steps of any sessions join one forward pass costing
   * `batchStepMs(batching, positions)`, in place of `ttftMs`, `tpotMs` and `perTokenMs` (`jitter`
   * still applies, once per pass). Token outputs are unchanged. Defaults to undefined (each call
   * pays its own latency).
   */
  readonly batching?: BatchCostProfile;
  /** For a drafter: probability that its argmax equals the target's (the target shares `seed`). */
  readonly agreement?: number;
  /**
   * For a drafter, its runner-up model (what pre-drafting guesses from): where its argmax is not the
   * target's, the target's token is its r-th runner-up with probability `runnerUpHits[r - 1]`
   * (decided by a hash of the context, as core's `agreementOracle` decides it), and its distribution
   * puts its runner-up mass on the ranks in those proportions. Absent: one runner-up carries that
   * mass, a word unrelated to the target's. Core's `RUNNER_UP_HITS` is the usual choice.
   */
  readonly runnerUpHits?: readonly number[];
  readonly name?: string;
}

/** Probability mass on the runner-ups, beside `peak` on the argmax and the rest spread over words. */
const RUNNER_UP_MASS = 0.1;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  // An already-aborted signal never fires 'abort' again: without this check a step cancelled while it
  // waited in its worker's queue (a preempted verify task) would sleep its whole cost.
  if (signal?.aborted) return Promise.reject(new CancelledError('evaluation cancelled'));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError('evaluation cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class EmulatedModel implements LanguageModel {
  readonly info: ModelInfo;
  private readonly seed: number;
  private readonly window: number;
  private readonly peak: number;
  private readonly words: number;
  private readonly agreement: number | undefined;
  private readonly runnerUpHits: readonly number[] | undefined;
  /** Extra probability of each runner-up rank (index 0: the first runner-up). */
  private readonly rankMass: readonly number[];
  private readonly latency: Required<LatencyProfileMs>;
  private readonly sessions = new Map<string, number[]>();
  private readonly jitterRng: Rng;
  private readonly clock: BatchClock | undefined;
  /** The forward-pass cost model when batching; undefined otherwise. */
  readonly batchCost?: BatchCostProfile;

  constructor(options: EmulatedModelOptions = {}) {
    const vocabSize = options.vocabSize ?? 512;
    if (!Number.isInteger(vocabSize) || vocabSize < WORD_BASE + 1) {
      throw new ConfigError(`emulated vocabSize must be an integer >= ${WORD_BASE + 1}, got ${vocabSize}`);
    }
    const peak = options.peak ?? 0.8;
    if (!(peak > 0.2 && peak < 1)) throw new ConfigError(`emulated peak must be in (0.2, 1), got ${peak}`);
    if (options.agreement !== undefined && !(options.agreement >= 0 && options.agreement <= 1)) {
      throw new ConfigError(`agreement must be in [0, 1], got ${options.agreement}`);
    }
    this.seed = options.seed ?? 1;
    this.window = options.window ?? 4;
    this.peak = peak;
    this.words = wordCount(vocabSize);
    this.agreement = options.agreement;
    const hits = options.runnerUpHits;
    if (hits && (hits.some((h) => !(h >= 0)) || hits.reduce((a, h) => a + h, 0) > 1 + 1e-9)) {
      throw new ConfigError(`runnerUpHits must be shares >= 0 summing to at most 1, got ${hits.join(',')}`);
    }
    // A target (no agreement) is what runner-ups guess: the option leaves its distribution alone.
    this.runnerUpHits =
      hits && hits.length > 0 && this.agreement !== undefined ? hits.slice(0, this.words - 1) : undefined;
    const shares = this.runnerUpHits ?? [1];
    const total = shares.reduce((a, h) => a + h, 0);
    this.rankMass = shares.map((h) => (total > 0 ? (RUNNER_UP_MASS * h) / total : 0));
    const l = options.latency ?? {};
    this.latency = {
      ttftMs: l.ttftMs ?? 0,
      tpotMs: l.tpotMs ?? 0,
      perTokenMs: l.perTokenMs ?? 0,
      jitter: l.jitter ?? 0,
    };
    this.jitterRng = new Rng(this.seed ^ 0x1234567);
    if (options.batching) {
      this.clock = new BatchClock(options.batching, () => this.jitterFactor());
      this.batchCost = this.clock.profile;
    }
    this.info = Object.freeze({
      name: options.name ?? (options.agreement === undefined ? 'emulated-target' : 'emulated-drafter'),
      vocabSize,
      bosId: BOS_ID,
      eosId: EOS_ID,
      contextSize: options.contextSize ?? 8192,
    });
  }

  /** Passes run, positions and steps served, when batching; undefined otherwise. */
  get passStats(): PassStats | undefined {
    return this.clock?.stats;
  }

  /** The target's greedy next token after `context[0, end)`: the emulated language's rule. */
  targetArgmax(context: ArrayLike<number>, end = context.length): number {
    return WORD_BASE + (hashTokens(context, end, this.window, this.seed) % this.words);
  }

  /** This model's greedy next token (the target's, or the drafter's deviation from it). */
  argmax(context: ArrayLike<number>, end = context.length): number {
    const t = this.targetArgmax(context, end);
    if (this.agreement === undefined) return t;
    const agree = hashTokens(context, end, this.window, this.seed ^ 0x5bd1e995) / 4294967296 < this.agreement;
    return agree
      ? t
      : WORD_BASE +
          ((t - WORD_BASE + 1 + (hashTokens(context, end, this.window, 77) % (this.words - 1))) % this.words);
  }

  /**
   * The model's `m` most likely tokens after its argmax, most likely first (its runner-ups). A
   * drafter with a runner-up model (`runnerUpHits`) holds the target's token at the rank the context's
   * hash draws where its argmax is wrong; the other ranks are words other than the argmax and the
   * target's token.
   */
  runnerUps(context: ArrayLike<number>, m: number, end = context.length): number[] {
    const top = this.argmax(context, end);
    const target = this.targetArgmax(context, end);
    let hitRank = -1;
    if (this.runnerUpHits && target !== top) {
      const u = hashTokens(context, end, this.window, this.seed ^ 0x27d4eb2f) / 4294967296;
      let below = 0;
      for (let r = 0; r < this.runnerUpHits.length && hitRank < 0; r++) {
        if (u >= below && u < below + this.runnerUpHits[r]!) hitRank = r;
        below += this.runnerUpHits[r]!;
      }
    }
    // Words after the argmax from a hashed offset: distinct, never the argmax itself.
    const h = hashTokens(context, end, this.window, this.seed + 99);
    const out: number[] = [];
    const n = Math.min(m, this.words - 1);
    for (let j = 0; out.length < n; j++) {
      if (out.length === hitRank) {
        out.push(target);
        continue;
      }
      const w = WORD_BASE + ((top - WORD_BASE + 1 + ((h + j) % (this.words - 1))) % this.words);
      if (this.runnerUpHits && w === target) continue;
      out.push(w);
    }
    return out;
  }

  /** The runner-ups of {@link runnerUps} with this model's probability of each. */
  alternatives(context: ArrayLike<number>, m: number, end = context.length): DraftAlternative[] {
    const each = this.spreadMass();
    return this.runnerUps(context, m, end).map((token, r) => ({
      token,
      prob: each + (this.rankMass[r] ?? 0),
    }));
  }

  /** Probability each word gets from the spread-out rest of the mass. */
  private spreadMass(): number {
    return (1 - this.peak - RUNNER_UP_MASS) / this.words;
  }

  /** Full next-token distribution after `context[0, end)`, shape `[vocabSize]`. */
  distribution(context: ArrayLike<number>, end = context.length): Float32Array {
    const v = this.info.vocabSize;
    const p = new Float32Array(v);
    const top = this.argmax(context, end);
    // The remaining mass spreads over the word tokens so every word stays possible under sampling.
    const each = this.spreadMass();
    for (let i = 0; i < this.words; i++) p[WORD_BASE + i] = each;
    p[top]! += this.peak;
    this.runnerUps(context, this.rankMass.length, end).forEach((t, r) => {
      p[t]! += this.rankMass[r]!;
    });
    return p;
  }

  tokenize(text: string): Uint32Array {
    return tokenizeEmulated(text);
  }

  detokenize(tokens: ArrayLike<number>): string {
    return detokenizeEmulated(tokens, this.info.vocabSize);
  }

  held(sessionId: string): number {
    return this.sessions.get(sessionId)?.length ?? 0;
  }

  truncate(sessionId: string, length: number): void {
    const s = this.sessions.get(sessionId);
    if (s && s.length > length) s.length = Math.max(0, length);
  }

  release(sessionId: string): void {
    this.sessions.delete(sessionId);
  }

  async evaluate(
    sessionId: string,
    context: Uint32Array,
    outputs: number,
    signal?: AbortSignal,
  ): Promise<Float32Array[]> {
    await this.step(sessionId, context, outputs, signal);
    const out: Float32Array[] = [];
    for (let i = context.length - outputs + 1; i <= context.length; i++)
      out.push(this.distribution(context, i));
    return out;
  }

  async predict(
    sessionId: string,
    context: Uint32Array,
    outputs: number,
    signal?: AbortSignal,
  ): Promise<Uint32Array> {
    await this.step(sessionId, context, outputs, signal);
    const out = new Uint32Array(outputs);
    for (let i = 0; i < outputs; i++) out[i] = this.argmax(context, context.length - outputs + 1 + i);
    return out;
  }

  generate(sessionId: string, context: Uint32Array, n: number, signal?: AbortSignal): Promise<Uint32Array> {
    return generateGreedy(this, sessionId, context, n, signal);
  }

  /** Greedy generation with the runner-ups at each generated position, at the cost of {@link generate}. */
  async generateRanked(
    sessionId: string,
    context: Uint32Array,
    n: number,
    m: number,
    signal?: AbortSignal,
  ): Promise<RankedTokens> {
    const tokens = await generateGreedy(this, sessionId, context, n, signal);
    const width = Math.max(0, Math.min(m, this.words - 1));
    const alternatives = new Uint32Array(tokens.length * width);
    const probs = new Float32Array(tokens.length * width);
    const seq = new Uint32Array(context.length + tokens.length);
    seq.set(context);
    seq.set(tokens, context.length);
    for (let i = 0; i < tokens.length; i++) {
      this.alternatives(seq, width, context.length + i).forEach((a, r) => {
        alternatives[i * width + r] = a.token;
        probs[i * width + r] = a.prob;
      });
    }
    return { tokens, width, alternatives, probs };
  }

  /** A seeded factor of `1 ± jitter` (exactly 1, drawing nothing, without jitter). */
  private jitterFactor(): number {
    const j = this.latency.jitter;
    return j > 0 ? 1 + j * (2 * this.jitterRng.float() - 1) : 1;
  }

  /** Brings the session to hold `context`, paying the latency profile for what was not held. */
  private async step(sessionId: string, context: Uint32Array, outputs: number, signal?: AbortSignal) {
    if (context.length > this.info.contextSize) {
      throw new ConfigError(
        `context of ${context.length} tokens exceeds the model's ${this.info.contextSize}`,
      );
    }
    if (!(outputs >= 1 && outputs <= context.length))
      throw new ConfigError(`outputs must be 1..${context.length}, got ${outputs}`);
    let held = this.sessions.get(sessionId);
    const first = held === undefined;
    if (!held) {
      held = [];
      this.sessions.set(sessionId, held);
    }
    // Keep the common prefix (KV cache reuse), drop a diverging tail, evaluate the rest.
    let common = 0;
    while (common < held.length && common < context.length && held[common] === context[common]) common++;
    held.length = common;
    const fresh = Math.max(1, context.length - common);
    if (this.clock) await this.clock.step(fresh, signal);
    else {
      const l = this.latency;
      await sleep(((first ? l.ttftMs : l.tpotMs) + l.perTokenMs * (fresh - 1)) * this.jitterFactor(), signal);
    }
    for (let i = common; i < context.length; i++) held.push(context[i]!);
  }
}

/**
 * A target and its drafter sharing a seed, with the drafter's agreement `a`. `batching` applies to
 * the target only (a drafter is a device of its own).
 */
export function emulatedPair(
  options: EmulatedModelOptions & { agreement: number; drafterLatency?: LatencyProfileMs },
): {
  target: EmulatedModel;
  drafter: EmulatedModel;
} {
  const { agreement, drafterLatency, batching, runnerUpHits, ...shared } = options;
  return {
    target: new EmulatedModel({ ...shared, ...(batching ? { batching } : {}), name: 'emulated-target' }),
    drafter: new EmulatedModel({
      ...shared,
      agreement,
      ...(runnerUpHits ? { runnerUpHits } : {}),
      name: 'emulated-drafter',
      ...(drafterLatency ? { latency: drafterLatency } : {}),
    }),
  };
}
