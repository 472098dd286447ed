/**
 * The node-llama-cpp backend on synthetic GGUF models whose greedy rule is known: generation in a
 * piscina worker follows the map and node-llama-cpp's own greedy generation; one-pass verification
 * gives every position's prediction; KV rollback after a rejection is exact; sessions beyond the
 * sequence count are evicted and rebuilt transparently; aborts and bad files give typed errors.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LlamaModel, PooledModel, writeSyntheticDrafter, writeSyntheticTarget } from '@specmesh/models';
import { ErrorCode, SpecmeshError } from '@specmesh/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let targetPath: string;
let next: Uint32Array;
let model: LlamaModel;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'specmesh-llama-'));
  targetPath = join(dir, 'target.gguf');
  next = (await writeSyntheticTarget({ out: targetPath, layers: 2, dim: 64, vocab: 512, seed: 3 })).next;
  model = await LlamaModel.load({ modelPath: targetPath, sequences: 2 });
});

afterAll(async () => {
  await model?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The map's greedy continuation of `last`, `n` tokens. */
function follow(last: number, n: number): number[] {
  const out: number[] = [];
  let t = last;
  for (let i = 0; i < n; i++) {
    t = next[t]!;
    out.push(t);
  }
  return out;
}

describe('LlamaModel (node-llama-cpp backend)', () => {
  it('generates the known greedy map, equal to node-llama-cpp generating on its own', async () => {
    const prompt = Uint32Array.of(1, 300);
    const ours = Array.from(await model.generate('g', prompt, 48));
    expect(ours).toEqual(follow(300, 48));

    const { getLlama } = await import('node-llama-cpp');
    const llama = await getLlama({ gpu: false, build: 'never' });
    const native = await llama.loadModel({ modelPath: targetPath });
    const ctx = await native.createContext({ contextSize: 256, threads: 1 });
    try {
      const theirs: number[] = [];
      for await (const t of ctx.getSequence().evaluate([1, 300] as never, { temperature: 0 })) {
        theirs.push(t);
        if (theirs.length === 48) break;
      }
      expect(theirs).toEqual(ours);
    } finally {
      await ctx.dispose();
      await native.dispose();
    }
  });

  it('verifies k drafts in one pass: k + 1 predictions, the last one the bonus', async () => {
    const truth = follow(300, 6);
    const drafts = [truth[0]!, truth[1]!, 7, truth[3]!];
    const ctx = Uint32Array.from([1, 300, ...drafts]);
    const preds = Array.from(await model.predict('v', ctx, drafts.length + 1));
    // Position i predicts what follows ctx[..i]: the map of the token there.
    expect(preds).toEqual([next[300], next[drafts[0]!], next[drafts[1]!], next[7], next[drafts[3]!]]);
    const dists = await model.evaluate('v2', ctx, 3);
    expect(dists.map((d) => d.indexOf(Math.max(...d)))).toEqual(preds.slice(2));
    for (const d of dists) expect(d.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 4);
  });

  it('after a rejection, truncating and continuing predicts exactly as a fresh evaluation', async () => {
    const committed = [1, 300, ...follow(300, 5)];
    // Speculate 4 wrong tokens, then the verifier rejects them all and the session moves on.
    await model.predict('kv', Uint32Array.from([...committed, 11, 12, 13, 14]), 5);
    expect(model.held('kv')).toBe(committed.length + 4);
    model.truncate('kv', committed.length);
    const cont = Uint32Array.from([...committed, next[committed.at(-1)!]!, 20, 21]);
    const afterRollback = await model.evaluate('kv', cont, 3);
    const fresh = await model.evaluate('fresh', cont, 3);
    for (let i = 0; i < 3; i++) {
      const a = afterRollback[i]!;
      const b = fresh[i]!;
      let maxDiff = 0;
      for (let j = 0; j < a.length; j++) maxDiff = Math.max(maxDiff, Math.abs(a[j]! - b[j]!));
      expect(maxDiff).toBeLessThan(1e-4);
    }
  });

  it('serves more sessions than sequences: an evicted session is rebuilt from its context', async () => {
    const starts = [300, 301, 302, 303, 304];
    const outs = await Promise.all(starts.map((s) => model.generate(`e${s}`, Uint32Array.of(1, s), 8)));
    expect(outs.map((o) => Array.from(o))).toEqual(starts.map((s) => follow(s, 8)));
    // e300 was evicted by later sessions; continuing it still follows the map.
    const again = await model.generate('e300', Uint32Array.from([1, 300, ...follow(300, 8)]), 4);
    expect(Array.from(again)).toEqual(follow(follow(300, 8).at(-1)!, 4));
  });

  it('refuses out-of-vocabulary tokens and over-long contexts with typed errors', async () => {
    await expect(model.predict('bad', Uint32Array.of(1, 999), 1)).rejects.toMatchObject({
      code: ErrorCode.TokenOutOfRange,
    });
    const long = new Uint32Array(model.info.contextSize + 1).fill(300);
    await expect(model.predict('bad', long, 1)).rejects.toMatchObject({ code: ErrorCode.Config });
  });
});

describe('LlamaModel context limit', () => {
  it('holds up to info.contextSize tokens exactly and refuses more instead of shifting the context', async () => {
    const small = await LlamaModel.load({ modelPath: targetPath, contextSize: 64, sequences: 1 });
    try {
      const limit = small.info.contextSize;
      expect(limit).toBe(63);
      const full = Uint32Array.from([1, 300, ...follow(300, limit - 2)]);
      // The last position fits, and predicts what the map says.
      expect(Array.from(await small.predict('c', full, 1))).toEqual([next[full[limit - 1]!]]);
      expect(small.held('c')).toBe(limit);
      // One more token is an error, and the session still holds what it held.
      await expect(small.generate('c', full, 2)).rejects.toMatchObject({ code: ErrorCode.Config });
      const back = full.subarray(0, limit - 1);
      expect(Array.from(await small.predict('c', back, 2))).toEqual([next[back.at(-2)!], next[back.at(-1)!]]);
    } finally {
      await small.close();
    }
  });
});

describe('PooledModel with the llama backend (piscina worker threads)', () => {
  it('loads once per worker and generates the known map there', async () => {
    const pooled = await PooledModel.open(
      { backend: 'llama', options: { modelPath: targetPath } },
      { threads: 2 },
    );
    try {
      expect(pooled.info.vocabSize).toBe(512);
      const outs = await Promise.all(
        [310, 311, 312].map((s) => pooled.generate(`p${s}`, Uint32Array.of(1, s), 16)),
      );
      expect(outs.map((o) => Array.from(o))).toEqual([310, 311, 312].map((s) => follow(s, 16)));
      expect(pooled.detokenize(pooled.tokenize('hello wörld'))).toBe('hello wörld');
    } finally {
      await pooled.close();
    }
  });

  it('stops a long generation in the worker when the caller aborts', async () => {
    const pooled = await PooledModel.open({ backend: 'llama', options: { modelPath: targetPath } });
    try {
      const ac = new AbortController();
      const run = pooled.generate('long', Uint32Array.of(1, 300), 1500, ac.signal);
      setTimeout(() => ac.abort(), 20);
      const t0 = Date.now();
      await expect(run).rejects.toMatchObject({ code: ErrorCode.Cancelled });
      // 1500 tokens take over a second; stopping between tokens takes a step.
      expect(Date.now() - t0).toBeLessThan(1000);
      // The worker is still healthy afterwards.
      expect(Array.from(await pooled.generate('after', Uint32Array.of(1, 300), 4))).toEqual(follow(300, 4));
    } finally {
      await pooled.close();
    }
  });

  it('fails to open on a bad model file with E_MODEL_FILE naming the file', async () => {
    const notGguf = join(dir, 'not.gguf');
    await writeFile(notGguf, 'definitely not a model');
    for (const path of [join(dir, 'missing.gguf'), notGguf]) {
      const err = await PooledModel.open({ backend: 'llama', options: { modelPath: path } }).catch((e) => e);
      expect(err).toBeInstanceOf(SpecmeshError);
      expect(err.code).toBe(ErrorCode.ModelFile);
      expect(err.message).toContain(path);
    }
  });

  it('a drafter made with agreement a agrees with the target on that share of a long trajectory', async () => {
    const drafterPath = join(dir, 'drafter.gguf');
    await writeSyntheticDrafter({ from: targetPath, out: drafterPath, agreement: 0.7, seed: 9 });
    const drafter = await LlamaModel.load({ modelPath: drafterPath });
    try {
      const ctx = [1, 300, ...follow(300, 199)];
      const dPreds = await drafter.predict('a', Uint32Array.from(ctx), 200);
      const tPreds = follow(300, 200);
      let agree = 0;
      for (let i = 0; i < 200; i++) if (dPreds[i] === tPreds[i]) agree++;
      // 200 distinct tokens of a cycle of 509 with 70% agreeing: sd ≈ 0.025.
      expect(agree / 200).toBeGreaterThan(0.6);
      expect(agree / 200).toBeLessThan(0.8);
    } finally {
      await drafter.close();
    }
  });
});
