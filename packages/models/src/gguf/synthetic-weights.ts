/**
 * Weights and metadata of a synthetic llama model whose greedy next token is a known map.
 *
 * Construction (shapes in ggml order, d = dim, f = ffn, V = vocab):
 * - token_embd [d, V]: random Gaussian rows e_t scaled to unit RMS;
 * - output [d, V]: row j = (alpha / d) · Σ e_t over the tokens t with next[t] = j, so the logit of j
 *   for a residual stream ≈ e_t is ≈ alpha when next[t] = j and ≈ ±alpha/√d otherwise;
 * - every block does its full compute, but attn_output and ffn_down are scaled by 0.02, so the residual
 *   stream stays close to e_(last token) (q/k/v/gate/up uniform ±1/√fan-in, norms 1).
 * Greedy decoding then follows `next` with confidence ≈ 0.97 at alpha 12 while a step costs what a real
 * model of that shape costs.
 */
import { Rng } from '@specmesh/core';
import { GgmlType, type GgufValue, type WritableGgmlType } from './gguf-types.js';
import type { GgufTensorSource } from './gguf-writer.js';
import type { ResolvedSyntheticShape, SyntheticWeightType } from './synthetic-options.js';
import {
  SYNTHETIC_BOS_ID,
  SYNTHETIC_EOS_ID,
  SYNTHETIC_UNK_ID,
  type SyntheticVocab,
} from './synthetic-vocab.js';

/** Scale of the residual-branch outputs (attn_output, ffn_down) relative to a ±1/√fan-in init. */
const BRANCH_SCALE = 0.02;

const GGML_OF: Readonly<Record<SyntheticWeightType, WritableGgmlType>> = {
  f32: GgmlType.F32,
  f16: GgmlType.F16,
  q8_0: GgmlType.Q8_0,
};

/** llama.cpp `general.file_type` (LLAMA_FTYPE_ALL_F32 0, MOSTLY_F16 1, MOSTLY_Q8_0 7). */
const FILE_TYPE_OF: Readonly<Record<SyntheticWeightType, number>> = { f32: 0, f16: 1, q8_0: 7 };

/**
 * The tensors of a synthetic llama model, in llama.cpp's usual order. Each matrix is generated when
 * the writer reaches it, from its own seeded stream, so the result does not depend on write order.
 */
export function syntheticLlamaTensors(shape: ResolvedSyntheticShape, next: Uint32Array): GgufTensorSource[] {
  const { dim: d, ffn: f, vocab: V, layers } = shape;
  const type = GGML_OF[shape.type];
  let stream = 0;
  const uniform = (name: string, dims: number[], scale: number): GgufTensorSource => {
    const streamSeed = mixSeed(shape.seed, ++stream);
    return { name, dims, type, data: () => uniformValues(dims[0]! * dims[1]!, scale, streamSeed) };
  };
  const ones = (name: string): GgufTensorSource => ({
    name,
    dims: [d],
    type: GgmlType.F32,
    data: new Float32Array(d).fill(1),
  });
  // [V][d] unit-RMS embeddings, needed by both token_embd and output.
  const embeddings = unitRmsRows(V, d, mixSeed(shape.seed, 0));
  const tensors: GgufTensorSource[] = [{ name: 'token_embd.weight', dims: [d, V], type, data: embeddings }];
  const s = 1 / Math.sqrt(d);
  for (let l = 0; l < layers; l++) {
    const p = `blk.${l}`;
    tensors.push(
      ones(`${p}.attn_norm.weight`),
      uniform(`${p}.attn_q.weight`, [d, d], s),
      uniform(`${p}.attn_k.weight`, [d, d], s),
      uniform(`${p}.attn_v.weight`, [d, d], s),
      uniform(`${p}.attn_output.weight`, [d, d], s * BRANCH_SCALE),
      ones(`${p}.ffn_norm.weight`),
      uniform(`${p}.ffn_gate.weight`, [d, f], s),
      uniform(`${p}.ffn_up.weight`, [d, f], s),
      uniform(`${p}.ffn_down.weight`, [f, d], BRANCH_SCALE / Math.sqrt(f)),
    );
  }
  tensors.push(ones('output_norm.weight'), {
    name: 'output.weight',
    dims: [d, V],
    type,
    data: () => outputRows(embeddings, next, d, shape.alpha),
  });
  return tensors;
}

/** llama metadata that llama.cpp needs to load the model, then the tokenizer. */
export function syntheticLlamaMetadata(
  shape: ResolvedSyntheticShape,
  vocab: SyntheticVocab,
  name: string,
): Map<string, GgufValue> {
  const headDim = shape.dim / shape.heads;
  return new Map<string, GgufValue>([
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: name }],
    ['general.file_type', { type: 'u32', value: FILE_TYPE_OF[shape.type] }],
    ['general.alignment', { type: 'u32', value: 32 }],
    ['llama.context_length', { type: 'u32', value: shape.contextLength }],
    ['llama.embedding_length', { type: 'u32', value: shape.dim }],
    ['llama.block_count', { type: 'u32', value: shape.layers }],
    ['llama.feed_forward_length', { type: 'u32', value: shape.ffn }],
    ['llama.attention.head_count', { type: 'u32', value: shape.heads }],
    ['llama.attention.head_count_kv', { type: 'u32', value: shape.heads }],
    ['llama.rope.dimension_count', { type: 'u32', value: headDim }],
    ['llama.rope.freq_base', { type: 'f32', value: 10000 }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: 1e-5 }],
    ['llama.vocab_size', { type: 'u32', value: shape.vocab }],
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: vocab.tokens }],
    ['tokenizer.ggml.scores', { type: 'array', itemType: 'f32', value: vocab.scores }],
    ['tokenizer.ggml.token_type', { type: 'array', itemType: 'i32', value: vocab.types }],
    ['tokenizer.ggml.unknown_token_id', { type: 'u32', value: SYNTHETIC_UNK_ID }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: SYNTHETIC_BOS_ID }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: SYNTHETIC_EOS_ID }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: true }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
    // Without this llama.cpp prefixes every tokenized text with a space, so text would not round-trip.
    ['tokenizer.ggml.add_space_prefix', { type: 'bool', value: false }],
    ['tokenizer.chat_template', { type: 'string', value: SYNTHETIC_CHAT_TEMPLATE }],
  ]);
}

/**
 * The synthetic models' chat template (`tokenizer.chat_template`), ChatML-style: each message is
 * `<s>` (the BOS control token standing for ChatML's `<|im_start|>`), its role, a newline, its content
 * and `</s>` (the EOS control token, for `<|im_end|>`); a generation prompt opens an assistant turn.
 * Only tokens the synthetic vocabulary has, so the markers tokenize as the control tokens they are
 * and a reply ends where the model emits EOS.
 */
export const SYNTHETIC_CHAT_TEMPLATE =
  "{% for message in messages %}{{ bos_token + message['role'] + '\n' + message['content'] + eos_token + '\n' }}" +
  "{% endfor %}{% if add_generation_prompt %}{{ bos_token + 'assistant\n' }}{% endif %}";

/** A 32-bit seed for stream `k` of model seed `seed` (splitmix-style mixing so streams differ). */
function mixSeed(seed: number, k: number): number {
  let z = (seed + Math.imul(k + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

function uniformValues(count: number, scale: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(count);
  const twice = 2 * scale;
  for (let i = 0; i < count; i++) out[i] = rng.float() * twice - scale;
  return out;
}

/** [rows][d] Gaussian rows (Box–Muller), each scaled to RMS 1. */
function unitRmsRows(rows: number, d: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(rows * d);
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rng.float()));
    const theta = 2 * Math.PI * rng.float();
    out[i] = r * Math.cos(theta);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(theta);
  }
  for (let row = 0; row < rows; row++) {
    let sum = 0;
    for (let c = 0; c < d; c++) sum += out[row * d + c]! ** 2;
    const k = 1 / Math.sqrt(sum / d);
    for (let c = 0; c < d; c++) out[row * d + c]! *= k;
  }
  return out;
}

/** [V][d] output rows: row j = (alpha / d) Σ_{t: next[t] = j} e_t. */
function outputRows(embeddings: Float32Array, next: Uint32Array, d: number, alpha: number): Float32Array {
  const out = new Float32Array(embeddings.length);
  const k = alpha / d;
  for (let t = 0; t < next.length; t++) {
    const j = next[t]!;
    for (let c = 0; c < d; c++) out[j * d + c]! += k * embeddings[t * d + c]!;
  }
  return out;
}
