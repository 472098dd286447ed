import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gguf } from '@huggingface/gguf';
import { ConfigError } from '@specmesh/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkModelFile } from '../src/gguf/check-model-file.js';
import {
  readSyntheticMap,
  writeSyntheticDrafter,
  writeSyntheticTarget,
} from '../src/gguf/synthetic-llama.js';
import { countAgreement, cyclicSuccessorMap, drafterSuccessorMap } from '../src/gguf/synthetic-map.js';
import { buildSyntheticVocab, SYNTHETIC_FIRST_ID } from '../src/gguf/synthetic-vocab.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'specmesh-synthetic-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Follows `next` from `start` and returns the cycle length (throws if it never comes back). */
function cycleLength(next: Uint32Array, start: number): number {
  let t = next[start]!;
  let n = 1;
  while (t !== start) {
    t = next[t]!;
    if (++n > next.length) throw new Error('no cycle through start');
  }
  return n;
}

describe('synthetic maps', () => {
  it.each([300, 512, 2048])('the target map is one cycle through every text piece (V = %i)', (v) => {
    const next = cyclicSuccessorMap(v, 7);
    expect(next.length).toBe(v);
    expect(cycleLength(next, SYNTHETIC_FIRST_ID)).toBe(v - SYNTHETIC_FIRST_ID);
    for (let t = 0; t < v; t++) expect(next[t]).toBeGreaterThanOrEqual(SYNTHETIC_FIRST_ID);
    expect(new Set(next.subarray(SYNTHETIC_FIRST_ID)).size).toBe(v - SYNTHETIC_FIRST_ID);
    expect(cyclicSuccessorMap(v, 7)).toEqual(next);
    expect(cyclicSuccessorMap(v, 8)).not.toEqual(next);
  });

  it.each([0, 0.33, 0.5, 0.8, 1])('a drafter map agrees on exactly round(%f × N) text pieces', (a) => {
    const target = cyclicSuccessorMap(512, 3);
    const n = 512 - SYNTHETIC_FIRST_ID;
    const { next, agreed } = drafterSuccessorMap(target, a, 99);
    expect(agreed).toBe(Math.round(a * n));
    expect(countAgreement(next, target)).toBe(agreed);
    for (let t = 0; t < 512; t++) {
      expect(next[t]).toBeGreaterThanOrEqual(SYNTHETIC_FIRST_ID);
      if (t >= SYNTHETIC_FIRST_ID) expect(next[t]).not.toBe(t);
    }
    for (let s = 0; s < SYNTHETIC_FIRST_ID; s++) expect(next[s]).toBe(target[s]);
  });
});

describe('synthetic vocabulary', () => {
  it('has specials, 256 byte tokens, then unique readable ▁-words', () => {
    const v = buildSyntheticVocab(2048);
    expect(v.tokens.slice(0, 4)).toEqual(['<unk>', '<s>', '</s>', '<0x00>']);
    expect(v.tokens[258]).toBe('<0xFF>');
    expect(v.tokens.slice(259, 262)).toEqual(['▁', 'a', 'b']);
    expect(v.tokens).toContain('▁the');
    expect(new Set(v.tokens).size).toBe(2048);
    for (const piece of v.tokens.slice(286)) expect(piece).toMatch(/^▁[a-z]+$/);
    expect([...v.types.subarray(0, 5)]).toEqual([2, 3, 3, 6, 6]);
    expect(() => buildSyntheticVocab(299)).toThrow(RangeError);
  });
});

describe('synthetic model files', () => {
  it('a tiny target is written in milliseconds, is a valid llama GGUF, and stores its map', async () => {
    const out = join(dir, 'tiny.gguf');
    const r = await writeSyntheticTarget({ out, dim: 64, layers: 2, vocab: 512, type: 'f32', seed: 5 });
    expect(r.ms).toBeLessThan(2000);
    const summary = await checkModelFile(out);
    expect(summary).toMatchObject({
      architecture: 'llama',
      vocabSize: 512,
      tensorCount: 21,
      fileTypeName: 'F32',
    });
    const map = await readSyntheticMap(out);
    expect(map).toMatchObject({ role: 'target', seed: 5, vocabSize: 512 });
    expect(map.next).toEqual(r.next);
    const parsed = await gguf(out, { allowLocalFile: true });
    const md = parsed.metadata as unknown as Record<string, unknown>;
    expect(md['llama.embedding_length']).toBe(64);
    expect(md['llama.rope.dimension_count']).toBe(32);
    expect(md['llama.feed_forward_length']).toBe(192);
    expect((md['specmesh.synthetic.next'] as number[]).length).toBe(512);
    const shapes = Object.fromEntries(parsed.tensorInfos.map((t) => [t.name, t.shape.map(Number)]));
    expect(shapes['token_embd.weight']).toEqual([64, 512]);
    expect(shapes['blk.1.ffn_down.weight']).toEqual([192, 64]);
    expect(shapes['output.weight']).toEqual([64, 512]);
  });

  it('the same seed gives the same bytes; a drafter reads the target and agrees on the exact share', async () => {
    const a = join(dir, 'a.gguf');
    const target = await writeSyntheticTarget({ out: a, seed: 11, type: 'q8_0' });
    const d = join(dir, 'd.gguf');
    const drafter = await writeSyntheticDrafter({ from: a, out: d, agreement: 0.7, dim: 32 });
    const n = 512 - SYNTHETIC_FIRST_ID;
    expect(drafter.agreed).toBe(Math.round(0.7 * n));
    const map = await readSyntheticMap(d);
    expect(map).toMatchObject({
      role: 'drafter',
      seed: 12,
      targetSeed: 11,
      agreed: drafter.agreed,
      vocabSize: 512,
    });
    expect(map.agreement).toBeCloseTo(0.7, 6);
    expect(countAgreement(map.next, target.next)).toBe(drafter.agreed);
    const pt = await gguf(a, { allowLocalFile: true });
    const pd = await gguf(d, { allowLocalFile: true });
    const mt = pt.metadata as unknown as Record<string, unknown>;
    const md = pd.metadata as unknown as Record<string, unknown>;
    expect(md['tokenizer.ggml.tokens']).toEqual(mt['tokenizer.ggml.tokens']);
    expect(md['llama.embedding_length']).toBe(32);
    expect(md['llama.block_count']).toBe(1);
    await expect(writeSyntheticDrafter({ from: d, out: join(dir, 'dd.gguf'), agreement: 1 })).rejects.toThrow(
      /not a target/,
    );
  });

  it.each([
    [{ dim: 48 }, /option dim must be a multiple of 32/],
    [{ layers: 0 }, /option layers must be an integer from 1/],
    [{ vocab: 100 }, /option vocab must be an integer from 300/],
    [{ heads: 3 }, /option heads must divide dim/],
    [{ type: 'q4_0' }, /option type must be one of f32, f16, q8_0/],
    [{ alpha: -1 }, /option alpha must be a positive number/],
    [{ seed: 1.5 }, /option seed must be an integer/],
  ])('rejects %o with a ConfigError naming the option', async (bad, message) => {
    const err = await writeSyntheticTarget({ out: join(dir, 'x.gguf'), ...(bad as object) }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
  });

  it('rejects a drafter agreement outside 0..1', async () => {
    await expect(writeSyntheticDrafter({ from: 'x', out: 'y', agreement: 1.2 })).rejects.toThrow(
      /option agreement must be a number from 0 to 1/,
    );
  });
});
