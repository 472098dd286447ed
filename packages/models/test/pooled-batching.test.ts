// The built package: its worker file is compiled JavaScript next to it.
import { type BatchCostProfile, TARGET_70B_PROFILE } from '@specmesh/core';
import { EmulatedModel, type ModelSpec, PooledModel } from '@specmesh/models';
import type { Piscina } from 'piscina';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const batching: BatchCostProfile = { baseMs: 2, perPositionMs: 0.1, kneePositions: 8 };
const spec: ModelSpec = { backend: 'emulated', options: { seed: 6, batching } };
let pooled: PooledModel;
beforeAll(async () => {
  pooled = await PooledModel.open(spec);
});
afterAll(async () => {
  await pooled.close();
});

const concurrencyOf = (m: PooledModel) =>
  (m as unknown as { pools: Piscina[] }).pools[0]!.options.concurrentTasksPerWorker;

describe('PooledModel over a batching emulated target', () => {
  it('exposes the pass cost model and lets concurrent steps reach its one worker model', () => {
    expect(pooled.batchCost).toEqual(batching);
    expect(concurrencyOf(pooled)).toBe(256);
  });

  it('answers concurrent sessions exactly as the model on the calling thread', async () => {
    const local = new EmulatedModel(spec.options);
    const contexts = Array.from({ length: 12 }, (_, i) => Uint32Array.of(1, 300 + i, 301 + i));
    const [remote, here] = await Promise.all([
      Promise.all(contexts.map((c, i) => pooled.generate(`g${i}`, c, 6))),
      Promise.all(contexts.map((c, i) => local.generate(`g${i}`, c, 6))),
    ]);
    expect(remote).toEqual(here);
    expect(pooled.held('g3')).toBe(local.held('g3'));
  });

  it('keeps one step at a time without batching, and honours an explicit concurrency', async () => {
    const plain = await PooledModel.open({ backend: 'emulated', options: { seed: 6 } });
    const capped = await PooledModel.open(
      { backend: 'emulated', options: { seed: 6, batching: TARGET_70B_PROFILE } },
      { concurrency: 4 },
    );
    try {
      expect(plain.batchCost).toBeUndefined();
      expect(concurrencyOf(plain)).toBe(1);
      expect(concurrencyOf(capped)).toBe(4);
    } finally {
      await Promise.all([plain.close(), capped.close()]);
    }
  });
});
