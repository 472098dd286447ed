/** What the cluster tests compare against: the target's own greedy output, and a greedy request. */
import type { EmulatedModel } from '@specmesh/models';
import type { BodyOf, Mode } from '@specmesh/protocol';
import { sampleBodies } from '@specmesh/protocol/internal';

/** The target's greedy output for `prompt` (its text after BOS), up to `maxTokens` or its EOS. */
export function greedyReference(target: EmulatedModel, prompt: string, maxTokens: number): number[] {
  const ctx = [target.info.bosId, ...target.tokenize(prompt)];
  const out: number[] = [];
  while (out.length < maxTokens) {
    const t = target.targetArgmax(ctx);
    out.push(t);
    ctx.push(t);
    if (t === target.info.eosId) break;
  }
  return out;
}

/** A greedy request with a static window of `k`, no stop strings, a minute to run. */
export function greedySubmit(
  requestId: string,
  prompt: string,
  mode: Mode,
  maxTokens: number,
  k = 4,
): BodyOf<'submit'> {
  return {
    ...sampleBodies().submit,
    requestId,
    prompt,
    mode,
    maxTokens,
    sampling: { temperature: 0, topK: 0, topP: 1, seed: 1 },
    window: { policy: 'static', k },
    deadlineAt: Date.now() + 60_000,
    stop: undefined,
  };
}
