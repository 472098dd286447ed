/**
 * Greedy generation on top of {@link LanguageModel.predict}: the loop every backend shares, so a
 * backend only has to answer "what comes next after this context".
 */
import { CancelledError, ConfigError } from '@specmesh/protocol';
import type { LanguageModel, RankedTokens } from './model.js';

/**
 * Generates up to `n` greedy tokens after `context` (shape `[≤ n]`), stopping after `eosId`. Each
 * step evaluates only the newest token: the session keeps the rest in its cache.
 *
 * @example
 *   // context [1, 7], n 3, a model whose next token is always last + 1 → [8, 9, 10]
 */
export async function generateGreedy(
  model: Pick<LanguageModel, 'predict' | 'info'>,
  sessionId: string,
  context: Uint32Array,
  n: number,
  signal?: AbortSignal,
): Promise<Uint32Array> {
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`generate needs n >= 1, got ${n}`);
  const seq = new Uint32Array(context.length + n);
  seq.set(context);
  let len = context.length;
  while (len < context.length + n) {
    if (signal?.aborted) throw new CancelledError('generation cancelled');
    const [next] = await model.predict(sessionId, seq.subarray(0, len), 1, signal);
    seq[len++] = next!;
    if (next === model.info.eosId) break;
  }
  return seq.slice(context.length, len);
}

/**
 * Greedy generation with runner-ups (see {@link LanguageModel.generateRanked}): the model's own when
 * it has one, else read from full distributions, one {@link LanguageModel.evaluate} per token (a
 * backend without a cheaper path pays a distribution per token).
 */
export async function generateRanked(
  model: Pick<LanguageModel, 'evaluate' | 'info' | 'generateRanked'>,
  sessionId: string,
  context: Uint32Array,
  n: number,
  m: number,
  signal?: AbortSignal,
): Promise<RankedTokens> {
  if (model.generateRanked) return model.generateRanked(sessionId, context, n, m, signal);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`generate needs n >= 1, got ${n}`);
  const width = Math.max(0, Math.min(Math.floor(m), model.info.vocabSize - 1));
  const seq = new Uint32Array(context.length + n);
  seq.set(context);
  const alternatives = new Uint32Array(n * width);
  const probs = new Float32Array(n * width);
  let len = context.length;
  while (len < context.length + n) {
    if (signal?.aborted) throw new CancelledError('generation cancelled');
    const [dist] = await model.evaluate(sessionId, seq.subarray(0, len), 1, signal);
    const ranked = topTokens(dist!, width + 1);
    const row = len - context.length;
    seq[len++] = ranked[0]!;
    for (let r = 0; r < width; r++) {
      alternatives[row * width + r] = ranked[r + 1]!;
      probs[row * width + r] = dist![ranked[r + 1]!]!;
    }
    if (ranked[0] === model.info.eosId) break;
  }
  const made = len - context.length;
  return {
    tokens: seq.slice(context.length, len),
    width,
    alternatives: alternatives.slice(0, made * width),
    probs: probs.slice(0, made * width),
  };
}

/** The `count` most likely token ids of `dist`, most likely first (equal ones: the lower id first). */
export function topTokens(dist: Float32Array, count: number): number[] {
  const top: number[] = [];
  for (let t = 0; t < dist.length; t++) {
    const p = dist[t]!;
    if (top.length === count && p <= dist[top[count - 1]!]!) continue;
    let i = Math.min(top.length, count - 1);
    top[i] = t;
    while (i > 0 && dist[top[i - 1]!]! < p) {
      top[i] = top[i - 1]!;
      top[i - 1] = t;
      i--;
    }
  }
  return top;
}
