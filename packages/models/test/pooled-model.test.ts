// The built package: its worker file is compiled JavaScript next to it.
import { EmulatedModel, type ModelSpec, PooledModel } from '@specmesh/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const spec: ModelSpec = { backend: 'emulated', options: { seed: 4, agreement: 0.7, latency: { tpotMs: 1 } } };
let pooled: PooledModel;
beforeAll(async () => {
  pooled = await PooledModel.open(spec, { threads: 2 });
});
afterAll(async () => {
  await pooled.close();
});

describe('PooledModel (piscina worker threads)', () => {
  it('computes exactly what the same model computes on the calling thread', async () => {
    const local = new EmulatedModel(spec.options);
    const ctx = Uint32Array.of(1, 300, 301, 302, 303);
    const [a, b] = await Promise.all([pooled.evaluate('s1', ctx, 3), local.evaluate('s1', ctx, 3)]);
    expect(a.map((d) => Array.from(d))).toEqual(b.map((d) => Array.from(d)));
    expect(pooled.info).toEqual(local.info);
    expect(pooled.detokenize(pooled.tokenize('héllo'))).toBe('héllo');
  });

  it('generates with runner-ups in the worker, as the model does on the calling thread', async () => {
    const opts = { ...spec.options, runnerUpHits: [0.5, 0.2] };
    const ranked = await PooledModel.open({ backend: 'emulated', options: opts });
    try {
      const ctx = Uint32Array.of(1, 300, 301);
      const [a, b] = await Promise.all([
        ranked.generateRanked('r1', ctx, 4, 2),
        new EmulatedModel(opts).generateRanked('r1', ctx, 4, 2),
      ]);
      expect(Array.from(a.tokens)).toEqual(Array.from(b.tokens));
      expect(Array.from(a.alternatives)).toEqual(Array.from(b.alternatives));
      expect(Array.from(a.probs)).toEqual(Array.from(b.probs));
      expect(ranked.held('r1')).toBe(ctx.length + 3);
    } finally {
      await ranked.close();
    }
  });

  it('keeps a session on one worker, so its cache persists between steps', async () => {
    await pooled.evaluate('s2', Uint32Array.of(1, 300, 301), 1);
    expect(pooled.held('s2')).toBe(3);
    await pooled.evaluate('s2', Uint32Array.of(1, 300, 301, 302), 1);
    expect(pooled.held('s2')).toBe(4);
    pooled.truncate('s2', 2);
    expect(pooled.held('s2')).toBe(2);
    pooled.release('s2');
    expect(pooled.held('s2')).toBe(0);
  });

  it('serves many sessions concurrently across its workers', async () => {
    const outs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => pooled.evaluate(`c${i}`, Uint32Array.of(1, 300 + i), 1)),
    );
    expect(outs).toHaveLength(20);
    expect(outs.every((o) => o.length === 1 && o[0]!.length === pooled.info.vocabSize)).toBe(true);
  });

  it('refuses a step whose signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(pooled.evaluate('s3', Uint32Array.of(1), 1, ac.signal)).rejects.toThrow(/cancelled/);
  });
});
