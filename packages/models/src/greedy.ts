/**
 * Greedy generation on top of {@link LanguageModel.predict}: the loop every backend shares, so a
 * backend only has to answer "what comes next after this context".
 */
import { CancelledError, ConfigError } from '@specmesh/protocol';
import type { LanguageModel } from './model.js';

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
