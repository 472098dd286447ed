/**
 * Makers of synthetic llama GGUF models with a known greedy next-token map: a target whose map is one
 * cycle through the vocabulary, and a cheaper drafter that shares its tokenizer and agrees with it on
 * an exact share of tokens. The maps are stored in the file (`specmesh.synthetic.*`), so tests, the
 * drafter maker and benchmarks read them back with {@link readSyntheticMap}.
 *
 * @example
 *   const t = await writeSyntheticTarget({ out: 't.gguf', dim: 64, layers: 2, vocab: 512 });
 *   await writeSyntheticDrafter({ from: 't.gguf', out: 'd.gguf', agreement: 0.8 });
 *   // node-llama-cpp's greedy next token after token x is t.next[x] (≈ 97% confidence).
 */
import { performance } from 'node:perf_hooks';
import { metadataArray, metadataNumber, metadataString, readGgufHeader } from './gguf-reader.js';
import type { GgufValue } from './gguf-types.js';
import { writeGguf } from './gguf-writer.js';
import { modelFileError } from './model-file-error.js';
import { cyclicSuccessorMap, drafterSuccessorMap } from './synthetic-map.js';
import {
  type ResolvedSyntheticShape,
  resolveAgreement,
  resolveSyntheticShape,
  type SyntheticDrafterOptions,
  type SyntheticTargetOptions,
} from './synthetic-options.js';
import { buildSyntheticVocab, type SyntheticVocab } from './synthetic-vocab.js';
import { syntheticLlamaMetadata, syntheticLlamaTensors } from './synthetic-weights.js';

/** Metadata keys of the known map and how it was made. */
export const SyntheticKey = {
  /** u32: format of these keys, currently 1. */
  version: 'specmesh.synthetic.version',
  /** string: `target` or `drafter`. */
  role: 'specmesh.synthetic.role',
  /** u32[V]: greedy successor of every token id. */
  next: 'specmesh.synthetic.next',
  /** u32: seed of the map and weights. */
  seed: 'specmesh.synthetic.seed',
  /** f32: confidence parameter. */
  alpha: 'specmesh.synthetic.alpha',
  /** f32 (drafter): requested agreement share. */
  agreement: 'specmesh.synthetic.agreement',
  /** u32 (drafter): text pieces whose successor equals the target's. */
  agreed: 'specmesh.synthetic.agreed',
  /** u32 (drafter): the target's seed. */
  targetSeed: 'specmesh.synthetic.target_seed',
} as const;

/** What a maker wrote. */
export interface SyntheticModelResult {
  readonly path: string;
  /** File size in bytes. */
  readonly bytes: number;
  /** Wall time of building and writing, ms. */
  readonly ms: number;
  readonly shape: ResolvedSyntheticShape;
  /** [V] the model's greedy successor of every id. */
  readonly next: Uint32Array;
  /** Drafters only: text pieces on which the map equals the target's. */
  readonly agreed?: number;
}

/** The known map read back from a synthetic model file. */
export interface SyntheticMap {
  readonly role: 'target' | 'drafter';
  /** [V] greedy successor of every id (ids 0..2 map onto the cycle too). */
  readonly next: Uint32Array;
  readonly seed: number;
  readonly alpha: number;
  readonly vocabSize: number;
  /** Drafters only: the requested agreement share. */
  readonly agreement?: number;
  /** Drafters only: exact number of text pieces that agree with the target. */
  readonly agreed?: number;
  /** Drafters only: the target's seed. */
  readonly targetSeed?: number;
}

/** Writes a synthetic llama target model; throws ConfigError (naming the option) on a bad option. */
export async function writeSyntheticTarget(options: SyntheticTargetOptions): Promise<SyntheticModelResult> {
  const started = performance.now();
  const shape = resolveSyntheticShape(options, { layers: 2, seed: 1, vocab: 512, contextLength: 2048 });
  const vocab = buildSyntheticVocab(shape.vocab);
  const next = cyclicSuccessorMap(shape.vocab, shape.seed);
  const metadata = syntheticLlamaMetadata(shape, vocab, options.name ?? 'specmesh-synthetic-target');
  addSynthetic(metadata, 'target', next, shape, []);
  const { bytes } = await writeGguf(options.out, { metadata, tensors: syntheticLlamaTensors(shape, next) });
  return { path: options.out, bytes, ms: performance.now() - started, shape, next };
}

/**
 * Writes a drafter for the synthetic target at `options.from`: same tokenizer and context length, its
 * own (usually much smaller) shape, and a map that agrees with the target's on exactly
 * round(agreement × N) of the N text pieces (the cycle).
 */
export async function writeSyntheticDrafter(options: SyntheticDrafterOptions): Promise<SyntheticModelResult> {
  const started = performance.now();
  const agreement = resolveAgreement(options.agreement);
  const target = await readSyntheticModel(options.from);
  if (target.map.role !== 'target') {
    throw modelFileError(options.from, 'malformed', 'is a synthetic drafter, not a target');
  }
  const shape = resolveSyntheticShape(options, {
    layers: 1,
    seed: (target.map.seed + 1) >>> 0,
    vocab: target.map.vocabSize,
    contextLength: target.contextLength,
  });
  const { next, agreed } = drafterSuccessorMap(target.map.next, agreement, shape.seed);
  const metadata = syntheticLlamaMetadata(shape, target.vocab, options.name ?? 'specmesh-synthetic-drafter');
  addSynthetic(metadata, 'drafter', next, shape, [
    [SyntheticKey.agreement, { type: 'f32', value: agreement }],
    [SyntheticKey.agreed, { type: 'u32', value: agreed }],
    [SyntheticKey.targetSeed, { type: 'u32', value: target.map.seed }],
  ]);
  const { bytes } = await writeGguf(options.out, { metadata, tensors: syntheticLlamaTensors(shape, next) });
  return { path: options.out, bytes, ms: performance.now() - started, shape, next, agreed };
}

/**
 * Reads the known map of a synthetic model file. Throws ModelFileError (problem `malformed`) when the
 * file is GGUF but not one of ours.
 */
export async function readSyntheticMap(path: string): Promise<SyntheticMap> {
  return (await readSyntheticModel(path)).map;
}

async function readSyntheticModel(
  path: string,
): Promise<{ map: SyntheticMap; vocab: SyntheticVocab; contextLength: number }> {
  const { metadata } = await readGgufHeader(path);
  const next = metadataArray(metadata, SyntheticKey.next, 'u32');
  const role = metadataString(metadata, SyntheticKey.role);
  const seed = metadataNumber(metadata, SyntheticKey.seed);
  const tokens = metadataArray(metadata, 'tokenizer.ggml.tokens', 'string');
  const scores = metadataArray(metadata, 'tokenizer.ggml.scores', 'f32');
  const types = metadataArray(metadata, 'tokenizer.ggml.token_type', 'i32');
  if (!next || (role !== 'target' && role !== 'drafter') || seed === undefined) {
    throw modelFileError(path, 'malformed', `not a specmesh synthetic model (no ${SyntheticKey.next})`);
  }
  if (!tokens || !scores || !types || tokens.length !== next.length) {
    throw modelFileError(path, 'malformed', 'synthetic model without a matching tokenizer');
  }
  const optional = (key: string) => metadataNumber(metadata, key);
  const agreement = optional(SyntheticKey.agreement);
  const agreed = optional(SyntheticKey.agreed);
  const targetSeed = optional(SyntheticKey.targetSeed);
  const map: SyntheticMap = {
    role,
    next: Uint32Array.from(next),
    seed,
    alpha: optional(SyntheticKey.alpha) ?? 12,
    vocabSize: next.length,
    ...(agreement === undefined ? {} : { agreement }),
    ...(agreed === undefined ? {} : { agreed }),
    ...(targetSeed === undefined ? {} : { targetSeed }),
  };
  return {
    map,
    vocab: { tokens, scores: Float32Array.from(scores), types: Int32Array.from(types) },
    contextLength: metadataNumber(metadata, 'llama.context_length') ?? 2048,
  };
}

function addSynthetic(
  metadata: Map<string, GgufValue>,
  role: 'target' | 'drafter',
  next: Uint32Array,
  shape: ResolvedSyntheticShape,
  extra: readonly [string, GgufValue][],
): void {
  metadata.set(SyntheticKey.version, { type: 'u32', value: 1 });
  metadata.set(SyntheticKey.role, { type: 'string', value: role });
  metadata.set(SyntheticKey.seed, { type: 'u32', value: shape.seed });
  metadata.set(SyntheticKey.alpha, { type: 'f32', value: shape.alpha });
  for (const [key, value] of extra) metadata.set(key, value);
  metadata.set(SyntheticKey.next, { type: 'array', itemType: 'u32', value: next });
}
