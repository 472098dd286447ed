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
