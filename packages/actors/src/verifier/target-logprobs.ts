/**
 * The target's log-probabilities of the tokens a verification decides, and its most likely
 * alternatives at each of those positions: what `verify.result` returns when a task asks for them.
 * They are of the target's own distribution (softmax at temperature 1, before temperature, top-k and
 * top-p), never the drafter's.
 */

export interface TargetLogprobs {
  /** Per decided position, ln p(chosen token); shape `[positions]`. */
  readonly logprobs: Float32Array<ArrayBuffer>;
  /** Per position, the `n` most likely tokens, most likely first (ties: lower id first); shape `[positions * n]`. */
  readonly topTokens: Uint32Array<ArrayBuffer>;
  /** ln p of `topTokens`, same shape. */
  readonly topLogprobs: Float32Array<ArrayBuffer>;
}

/**
 * @param dists the target's distribution at each decided position, shape `[positions][vocabSize]`
 * @param chosen the token decided at each position, shape `[positions]`
 * @param n alternatives per position (at most the vocabulary size)
 */
export function targetLogprobs(
  dists: readonly Float32Array[],
  chosen: ArrayLike<number>,
  n: number,
): TargetLogprobs {
  const positions = chosen.length;
  const logprobs = new Float32Array(positions);
  const topTokens = new Uint32Array(positions * n);
  const topLogprobs = new Float32Array(positions * n);
  for (let i = 0; i < positions; i++) {
    const p = dists[i]!;
    logprobs[i] = Math.log(p[chosen[i]!] ?? 0);
    const top = topIndices(p, n);
    top.forEach((t, j) => {
      topTokens[i * n + j] = t;
      topLogprobs[i * n + j] = Math.log(p[t]!);
    });
  }
  return { logprobs, topTokens, topLogprobs };
}

/** Indices of the `n` largest entries, largest first, lower index first among equals. One pass, O(V·n) at worst. */
export function topIndices(p: Float32Array, n: number): number[] {
  const top: number[] = [];
  if (n <= 0) return top;
  for (let t = 0; t < p.length; t++) {
    const v = p[t]!;
    if (top.length === n && v <= p[top[n - 1]!]!) continue;
    // Insert after every entry at least as large: equal values keep index order.
    let j = top.length;
    while (j > 0 && p[top[j - 1]!]! < v) j--;
    top.splice(j, 0, t);
    if (top.length > n) top.pop();
  }
  return top;
}
