/** The emulated target's own greedy output: what every mode of the cluster must reproduce exactly. */
import type { EmulatedModel } from '@specmesh/models';

export function greedyReference(target: EmulatedModel, prompt: string, maxTokens: number): number[] {
  const ctx = [target.info.bosId, ...target.tokenize(prompt)];
  const out: number[] = [];
  for (let i = 0; i < maxTokens; i++) {
    const t = target.targetArgmax(ctx);
    out.push(t);
    ctx.push(t);
  }
  return out;
}
