/** Logits as node-llama-cpp returns them (a token → logit map) to a full-vocabulary distribution. */

/** Softmax at temperature 1 into shape `[vocabSize]`; tokens absent from the map get 0. */
export function softmaxOfLogits(
  logits: ReadonlyMap<number, number> | undefined,
  vocabSize: number,
): Float32Array {
  const p = new Float32Array(vocabSize);
  if (!logits || logits.size === 0) return p;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of logits.values()) if (v > max) max = v;
  let sum = 0;
  for (const [t, v] of logits) {
    if (t >= vocabSize) continue;
    const e = Math.exp(v - max);
    p[t] = e;
    sum += e;
  }
  for (let i = 0; i < vocabSize; i++) p[i]! /= sum;
  return p;
}
