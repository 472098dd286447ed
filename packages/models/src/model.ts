/**
 * The model interface every backend implements (emulated, node-llama-cpp). Sessions are
 * the unit of state: a session's cache holds the tokens evaluated so far, so verification only
 * evaluates what is new and a rejection truncates instead of rebuilding.
 *
 * Arrays: token ids are `Uint32Array`; a distribution is a full-vocabulary `Float32Array` of shape
 * `[vocabSize]` (softmax at temperature 1). Sampling transforms (temperature, top-k, top-p) are applied
 * by the caller with `@specmesh/core`, identically for drafter and target.
 */
import type { BatchCostProfile } from '@specmesh/core';
import type { ChatMessage } from '@specmesh/protocol';

export interface ModelInfo {
  readonly name: string;
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  /** Whether a prompt starts with `bosId` (the GGUF's `add_bos_token`). Defaults to true. */
  readonly addBos?: boolean;
  /** Longest sequence a session may hold. */
  readonly contextSize: number;
}

/**
 * Greedy tokens with the model's runner-ups at each position: `alternatives` and `probs` have shape
 * `[tokens.length][width]` (row-major), most likely first, the probability the model gives each.
 */
export interface RankedTokens {
  readonly tokens: Uint32Array;
  /** Runner-ups per position (at most the `m` asked for, fewer on a small vocabulary). */
  readonly width: number;
  readonly alternatives: Uint32Array;
  readonly probs: Float32Array;
}

export interface LanguageModel {
  readonly info: ModelInfo;
  /** The forward-pass cost model of a batching target; undefined when unknown. */
  readonly batchCost?: BatchCostProfile;
  /** Text to token ids, without BOS. */
  tokenize(text: string): Uint32Array;
  /** Token ids to text (special tokens render as nothing). */
  detokenize(tokens: ArrayLike<number>): string;
  /**
   * A chat conversation as prompt tokens, rendered with the model's own chat template (BOS and turn
   * markers as the special tokens they are, ending with the opening of the assistant's turn), or
   * undefined when the model has no usable template (see {@link chatTemplate}). Backends without
   * templates leave it out; callers then use a plain transcript.
   */
  renderChat?(messages: readonly ChatMessage[]): Uint32Array | undefined;
  /**
   * How chat prompts are rendered: the chat wrapper node-llama-cpp resolved from the model's template,
   * or why there is none. Absent on backends without templates.
   */
  readonly chatTemplate?: { readonly wrapper: string } | { readonly none: string };
  /**
   * Makes the session hold exactly `context` and returns the next-token distribution after each of
   * the last `outputs` positions (shape `[outputs][vocabSize]`). Tokens the session already holds are
   * not evaluated again; a session holding a different continuation is truncated first.
   */
  evaluate(
    sessionId: string,
    context: Uint32Array,
    outputs: number,
    signal?: AbortSignal,
  ): Promise<Float32Array[]>;
  /**
   * Greedy predictions: the argmax next token after each of the last `outputs` positions of
   * `context` (shape `[outputs]`), with the session semantics of {@link evaluate}. Backends answer
   * it without building full distributions, so greedy verification stays cheap on large vocabularies.
   */
  predict(
    sessionId: string,
    context: Uint32Array,
    outputs: number,
    signal?: AbortSignal,
  ): Promise<Uint32Array>;
  /**
   * Greedy generation of `n` tokens after `context` in one call (shape `[n]`), stopping early after
   * the end-of-sequence token. The session then holds `context` and every generated token but the
   * last. A pooled model runs the whole loop in its worker: one hand-off per draft, not per token.
   * An abort between two tokens ends the call with `CancelledError`.
   */
  generate(sessionId: string, context: Uint32Array, n: number, signal?: AbortSignal): Promise<Uint32Array>;
  /**
   * {@link generate} that also returns, at each generated position, the `m` most likely tokens after
   * the chosen one with their probabilities (what pre-drafting guesses the target's token from).
   * Absent: callers use {@link generateRanked}, which reads them from {@link evaluate}.
   */
  generateRanked?(
    sessionId: string,
    context: Uint32Array,
    n: number,
    m: number,
    signal?: AbortSignal,
  ): Promise<RankedTokens>;
  /** Number of tokens the session holds (0 for an unknown session). */
  held(sessionId: string): number;
  /**
   * Drops the session's tokens after `length`, after any step of the session already under way (a
   * backend may apply it asynchronously, in the session's step order).
   */
  truncate(sessionId: string, length: number): void;
  /** Forgets the session. */
  release(sessionId: string): void;
}
