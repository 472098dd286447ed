/**
 * Options of the synthetic llama model makers, resolved and validated once, up front, with messages
 * that name the option (and `context.option`, so the CLI can name its flag instead).
 */
import { ConfigError } from '@specmesh/protocol';
import { SYNTHETIC_MIN_VOCAB } from './synthetic-vocab.js';

/** Storage type of the weight matrices (norms always stay F32). */
export type SyntheticWeightType = 'f32' | 'f16' | 'q8_0';

/** The weight types accepted, for help texts and validation. */
export const SYNTHETIC_WEIGHT_TYPES: readonly SyntheticWeightType[] = ['f32', 'f16', 'q8_0'];

/** The shape and numbers shared by targets and drafters. */
export interface SyntheticShapeOptions {
  /** Transformer blocks. Defaults to 2 (target) or 1 (drafter). */
  layers?: number;
  /** Embedding width; a multiple of 32 (Q8_0 blocks and 32-wide heads). Defaults to 64. */
  dim?: number;
  /** Feed-forward width, a multiple of 32. Defaults to 8/3 × dim rounded up to a multiple of 32. */
  ffn?: number;
  /** Attention heads (query and key/value); dim / heads must be even. Defaults to dim / 32. */
  heads?: number;
  /** Storage type of the weight matrices. Defaults to `f32`. */
  type?: SyntheticWeightType;
  /** Seed of the map and the weights (an unsigned 32-bit integer). Defaults to 1 (target) or target seed + 1 (drafter). */
  seed?: number;
  /**
   * Confidence: the logit of the mapped token is about `alpha`, others about ±alpha/√dim. 12 gives
   * greedy next = map with probability ≈ 0.97. Defaults to 12.
   */
  alpha?: number;
}

/** Options of {@link writeSyntheticTarget}. */
export interface SyntheticTargetOptions extends SyntheticShapeOptions {
  /** Path of the GGUF file to write. */
  out: string;
  /** Vocabulary size (at least 300). Defaults to 512. */
  vocab?: number;
  /** Training context length written to the metadata (`llama.context_length`). Defaults to 2048. */
  contextLength?: number;
  /** `general.name`. Defaults to `specmesh-synthetic-target`. */
  name?: string;
}

/** Options of {@link writeSyntheticDrafter}. Vocabulary, tokenizer and context length come from the target. */
export interface SyntheticDrafterOptions extends SyntheticShapeOptions {
  /** The target GGUF file written by writeSyntheticTarget. */
  from: string;
  /** Path of the GGUF file to write. */
  out: string;
  /** Share (0..1) of text pieces whose successor equals the target's. */
  agreement: number;
  /** `general.name`. Defaults to `specmesh-synthetic-drafter`. */
  name?: string;
}

/** A model shape after defaults and validation. */
export interface ResolvedSyntheticShape {
  readonly layers: number;
  readonly dim: number;
  readonly ffn: number;
  readonly heads: number;
  readonly type: SyntheticWeightType;
  readonly seed: number;
  readonly alpha: number;
  readonly vocab: number;
  readonly contextLength: number;
}

/** Resolves shape options over `defaults`; throws ConfigError naming the first bad option. */
export function resolveSyntheticShape(
  options: SyntheticShapeOptions & { vocab?: number; contextLength?: number },
  defaults: { layers: number; seed: number; vocab: number; contextLength: number },
): ResolvedSyntheticShape {
  const layers = int(options, 'layers', defaults.layers, 1, 256);
  const dim = int(options, 'dim', 64, 32, 16384);
  if (dim % 32 !== 0) fail('dim', `must be a multiple of 32`, dim);
  const ffn = int(options, 'ffn', Math.ceil((dim * 8) / 3 / 32) * 32, 32, 65536);
  if (ffn % 32 !== 0) fail('ffn', 'must be a multiple of 32', ffn);
  const heads = int(options, 'heads', Math.max(1, dim / 32), 1, dim);
  if (dim % heads !== 0 || (dim / heads) % 2 !== 0)
    fail('heads', `must divide dim ${dim} into even head widths`, heads);
  const type = options.type ?? 'f32';
  if (!SYNTHETIC_WEIGHT_TYPES.includes(type))
    fail('type', `must be one of ${SYNTHETIC_WEIGHT_TYPES.join(', ')}`, type);
  const seed = int(options, 'seed', defaults.seed, 0, 0xffffffff);
  const alpha = options.alpha ?? 12;
  if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha <= 0)
    fail('alpha', 'must be a positive number', alpha);
  const vocab = int(options, 'vocab', defaults.vocab, SYNTHETIC_MIN_VOCAB, 1 << 20);
  const contextLength = int(options, 'contextLength', defaults.contextLength, 32, 1 << 20);
  return { layers, dim, ffn, heads, type, seed, alpha, vocab, contextLength };
}

/** Checks the drafter's `agreement` (0..1). */
export function resolveAgreement(agreement: unknown): number {
  if (typeof agreement !== 'number' || !Number.isFinite(agreement) || agreement < 0 || agreement > 1) {
    fail('agreement', 'must be a number from 0 to 1', agreement);
  }
  return agreement;
}

function int(options: object, key: string, fallback: number, min: number, max: number): number {
  const v = (options as Record<string, unknown>)[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(key, `must be an integer from ${min} to ${max}`, v);
  }
  return v;
}

function fail(option: string, reason: string, got: unknown): never {
  throw new ConfigError(`synthetic model option ${option} ${reason} (got ${String(got)})`, {
    context: { option, reason: `${reason} (got ${String(got)})` },
  });
}
