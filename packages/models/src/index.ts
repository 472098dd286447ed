export type { EmulatedModelOptions, LatencyProfileMs } from './emulated/emulated-model.js';
export { EmulatedModel, emulatedPair } from './emulated/emulated-model.js';
export {
  BOS_ID,
  BYTE_BASE,
  detokenizeEmulated,
  EOS_ID,
  tokenizeEmulated,
  UNK_ID,
  WORD_BASE,
} from './emulated/emulated-tokenizer.js';
export type { LanguageModel, ModelInfo } from './model.js';
export { estimateAcceptance, oracleOf } from './oracle.js';
export type { ModelSpec } from './pool/model-spec.js';
export { createModelFromSpec } from './pool/model-spec.js';
export type { PooledModelOptions } from './pool/pooled-model.js';
export { PooledModel } from './pool/pooled-model.js';
