import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detokenizeEmulated, LlamaModel, tokenizeEmulated, writeSyntheticTarget } from '@specmesh/models';
import { describe, expect, it } from 'vitest';
import { TextStream } from '../src/session/text-stream.js';

/** Feeds the tokens one by one; returns the deltas. */
function stream(tokens: ArrayLike<number>, detokenize: (t: readonly number[]) => string): string[] {
  const s = new TextStream(detokenize);
  return Array.from(tokens, (t) => s.push(t));
}

describe('TextStream', () => {
  it('streams text whole, holding back a multi-byte character until its last byte (emulated tokenizer)', () => {
    const text = 'héllo wörld — ünïcödé 🎉 done';
    const tokens = tokenizeEmulated(text);
    const deltas = stream(tokens, (t) => detokenizeEmulated(t, 512));
    expect(deltas.join('')).toBe(text);
    // No delta ever carries a broken character.
    for (const d of deltas) expect(d).not.toContain('\uFFFD');
    // The first byte of 'é' completes nothing; its second byte brings the whole character.
    const e = Array.from(text).indexOf('é');
    const bytesBefore = new TextEncoder().encode(text.slice(0, e)).length;
    expect(deltas[bytesBefore]).toBe('');
    expect(deltas[bytesBefore + 1]).toBe('é');
  });

  it('keeps the spaces between words of a sentencepiece-style vocabulary (GGUF tokenizer)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'specmesh-text-'));
    try {
      const path = join(dir, 't.gguf');
      await writeSyntheticTarget({ out: path });
      const model = await LlamaModel.load({ modelPath: path }, true);
      const text = 'the cluster speaks ünïcode';
      const tokens = model.tokenize(text);
      expect(stream(tokens, (t) => model.detokenize(t)).join('')).toBe(model.detokenize(tokens));
      await model.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
