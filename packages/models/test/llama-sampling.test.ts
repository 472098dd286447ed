/**
 * Rejection sampling on a real (small) GGUF model pair: speculative sampling's output distribution
 * over the first two positions equals the target's own sampling distribution. The reference is
 * exact (the target's processed distributions multiplied out); the speculative side is sampled with
 * a fixed seed and compared by Pearson's chi-square.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  processDistribution,
  Rng,
  type SamplingParams,
  type SparseDist,
  sample,
  verifyRejection,
} from '@specmesh/core';
import { LlamaModel, writeSyntheticDrafter, writeSyntheticTarget } from '@specmesh/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Temperature 4 and top-4 spread the synthetic models' peaked distributions over four tokens each.
const PARAMS: SamplingParams = { temperature: 4, topK: 4, topP: 1 };
const PROMPT = [1, 300];
const K = 2;
const N = 4000;

let dir: string;
let target: LlamaModel;
let drafter: LlamaModel;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'specmesh-sampling-'));
  const t = join(dir, 't.gguf');
  const d = join(dir, 'd.gguf');
  await writeSyntheticTarget({ out: t, layers: 2, dim: 64, vocab: 512, seed: 5 });
  // Low agreement: many positions where the drafter's top tokens are not the target's.
  await writeSyntheticDrafter({ from: t, out: d, agreement: 0.5, seed: 6 });
  target = await LlamaModel.load({ modelPath: t });
  drafter = await LlamaModel.load({ modelPath: d });
});

afterAll(async () => {
  await target?.close();
  await drafter?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The processed next-token distribution of a model after `ctx`, memoised (the models are deterministic). */
function distOf(model: LlamaModel) {
  const memo = new Map<string, Promise<SparseDist>>();
  return (ctx: readonly number[]): Promise<SparseDist> => {
    const key = ctx.join();
    let d = memo.get(key);
    if (!d) {
      d = model.evaluate('m', Uint32Array.from(ctx), 1).then(([p]) => processDistribution(p!, PARAMS));
      memo.set(key, d);
    }
    return d;
  };
}

function chiSquare(counts: Map<string, number>, probs: Map<string, number>, n: number): number {
  let x2 = 0;
  for (const [cell, p] of probs) x2 += ((counts.get(cell) ?? 0) - p * n) ** 2 / (p * n);
  return x2;
}

describe('rejection sampling on a synthetic GGUF pair', () => {
  it('gives the target distribution over the first two tokens (chi-square)', async () => {
    const p = distOf(target);
    const q = distOf(drafter);

    // Exact reference: P(x1, x2) = p(x1 | prompt) · p(x2 | prompt, x1).
    const expected = new Map<string, number>();
    const p1 = await p(PROMPT);
    for (let i = 0; i < p1.tokens.length; i++) {
      const x1 = p1.tokens[i]!;
      const p2 = await p([...PROMPT, x1]);
      for (let j = 0; j < p2.tokens.length; j++)
        expected.set(`${x1},${p2.tokens[j]}`, p1.probs[i]! * p2.probs[j]!);
    }

    // Speculative sampling, rounds of K drafts, until two tokens are out.
    const rng = new Rng(20261124);
    const counts = new Map<string, number>();
    let rejections = 0;
    for (let n = 0; n < N; n++) {
      const out: number[] = [];
      while (out.length < 2) {
        const ctx = [...PROMPT, ...out];
        const drafts: number[] = [];
        const draftDists: SparseDist[] = [];
        for (let i = 0; i < K; i++) {
          const d = await q([...ctx, ...drafts]);
          draftDists.push(d);
          drafts.push(sample(d, rng));
        }
        const targetDists: SparseDist[] = [];
        for (let i = 0; i <= K; i++) targetDists.push(await p([...ctx, ...drafts.slice(0, i)]));
        const v = verifyRejection(drafts, draftDists, targetDists, rng);
        if (!v.bonus) rejections++;
        out.push(...drafts.slice(0, v.accepted), v.token);
      }
      const cell = `${out[0]},${out[1]}`;
      counts.set(cell, (counts.get(cell) ?? 0) + 1);
    }

    // Every sampled pair is one the target can produce.
    for (const cell of counts.keys()) expect(expected.has(cell)).toBe(true);
    // The drafter really disagreed often enough for the residual rule to matter.
    expect(rejections).toBeGreaterThan(N / 10);
    // 16 cells, 15 degrees of freedom: the critical value at p = 0.001 is 37.7.
    expect(expected.size).toBe(16);
    expect(chiSquare(counts, expected, N)).toBeLessThan(37.7);
  });
});
