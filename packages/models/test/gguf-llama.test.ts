/**
 * The synthetic models under the real runtime: node-llama-cpp 3.22.1 (CPU, prebuilt binary, 1 thread)
 * loads them and its greedy decoding follows the known maps.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ControlledEvaluateInputItem,
  getLlama,
  type Llama,
  type LlamaContextSequence,
  LlamaLogLevel,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticDrafter, writeSyntheticTarget } from '../src/gguf/synthetic-llama.js';
import { SYNTHETIC_BOS_ID } from '../src/gguf/synthetic-vocab.js';

let dir: string;
let llama: Llama;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'specmesh-gguf-llama-'));
  llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
});
afterAll(async () => {
  await llama?.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** Loads `path`, runs `fn` with a 1-thread sequence, disposes everything. */
async function withSequence<T>(
  path: string,
  fn: (seq: LlamaContextSequence, model: LlamaModel) => Promise<T>,
) {
  const model = await llama.loadModel({ modelPath: path });
  try {
    const context = await model.createContext({ contextSize: 256, threads: 1 });
    try {
      return await fn(context.getSequence(), model);
    } finally {
      await context.dispose();
    }
  } finally {
    await model.dispose();
  }
}

/** Greedy decoding of `steps` tokens after [BOS, start], one controlledEvaluate per token. */
async function greedy(seq: LlamaContextSequence, start: number, steps: number): Promise<number[]> {
  await seq.clearHistory();
  const out: number[] = [];
  let input: ControlledEvaluateInputItem[] = [
    asToken(SYNTHETIC_BOS_ID),
    [asToken(start), { generateNext: { token: true } }],
  ];
  for (let i = 0; i < steps; i++) {
    const result = await seq.controlledEvaluate(input);
    const token = result.at(-1)?.next.token;
    if (token === undefined || token === null) throw new Error('no prediction');
    out.push(token);
    input = [[token, { generateNext: { token: true } }]];
  }
  return out;
}

/** node-llama-cpp brands token ids; ours are plain numbers. */
const asToken = (id: number) => id as Token;

/** The first `steps` tokens after `start` under `next`. */
function follow(next: Uint32Array, start: number, steps: number): number[] {
  const out: number[] = [];
  let t = start;
  for (let i = 0; i < steps; i++) {
    t = next[t]!;
    out.push(t);
  }
  return out;
}

describe.each(['f32', 'q8_0'] as const)('node-llama-cpp on the tiny synthetic target (%s)', (type) => {
  let path: string;
  let next: Uint32Array;
  beforeAll(async () => {
    path = join(dir, `tiny-${type}.gguf`);
    ({ next } = await writeSyntheticTarget({ out: path, dim: 64, layers: 2, vocab: 512, type, seed: 21 }));
  });

  it('greedy generation follows the known map for 64 tokens from several start tokens', async () => {
    await withSequence(path, async (seq) => {
      for (const start of [3, 100, 300, 511]) {
        expect(await greedy(seq, start, 64)).toEqual(follow(next, start, 64));
      }
    });
  });

  it('one batched call predicts the map at every position (how a verifier scores k drafts)', async () => {
    await withSequence(path, async (seq) => {
      const tokens = [77, ...follow(next, 77, 15)];
      const result = await seq.controlledEvaluate([
        asToken(SYNTHETIC_BOS_ID),
        ...tokens.map((t): ControlledEvaluateInputItem => [asToken(t), { generateNext: { token: true } }]),
      ]);
      expect(result.slice(1).map((r) => r?.next.token)).toEqual(tokens.map((t) => next[t]));
    });
  });

  it('text round-trips through the tokenizer (byte fallback), which adds no BOS', async () => {
    await withSequence(path, async (_seq, model) => {
      const text = 'Hello world, ünïcode ✓\nnew line\ttab';
      const tokens = model.tokenize(text);
      expect(tokens[0]).not.toBe(SYNTHETIC_BOS_ID);
      expect(model.tokens.bos).toBe(SYNTHETIC_BOS_ID);
      expect(model.detokenize(tokens)).toBe(text);
      // Greedy output decodes to text made of the vocabulary's pieces.
      expect(
        model.detokenize(
          follow(next, 300, 32)
            .filter((t) => t >= 259)
            .map(asToken),
        ),
      ).toMatch(/^[ a-z]+$/);
    });
  });
});

describe('node-llama-cpp on a synthetic drafter', () => {
  it("the drafter's greedy output follows the drafter's own map, not the target's", async () => {
    const target = join(dir, 'target.gguf');
    const drafter = join(dir, 'drafter.gguf');
    const t = await writeSyntheticTarget({ out: target, dim: 64, layers: 2, vocab: 512, seed: 4 });
    const d = await writeSyntheticDrafter({
      from: target,
      out: drafter,
      agreement: 0.5,
      dim: 64,
      layers: 1,
      type: 'q8_0',
    });
    await withSequence(drafter, async (seq) => {
      for (const start of [10, 400]) {
        const out = await greedy(seq, start, 64);
        expect(out).toEqual(follow(d.next, start, 64));
        expect(out).not.toEqual(follow(t.next, start, 64));
      }
    });
  });
});
