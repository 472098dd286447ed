export type { PassStats } from './emulated/batch-clock.js';
export { BatchClock } from './emulated/batch-clock.js';
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
export type { ModelFileSummary } from './gguf/check-model-file.js';
export { checkModelFile, SUPPORTED_ARCHITECTURES } from './gguf/check-model-file.js';
export { f16ArrayToF32, f32ArrayToF16, fromF16Bits, toF16Bits } from './gguf/float16.js';
export type { GgufHeader } from './gguf/gguf-reader.js';
export { metadataArray, metadataNumber, metadataString, readGgufHeader } from './gguf/gguf-reader.js';
export type { GgufMetadata, GgufTensorInfo, GgufValue, WritableGgmlType } from './gguf/gguf-types.js';
export { GGML_TYPE_SIZES, GgmlType } from './gguf/gguf-types.js';
export type { GgufFileContents, GgufTensorSource, GgufWriteResult } from './gguf/gguf-writer.js';
export { writeGguf } from './gguf/gguf-writer.js';
export type { ModelFileProblem } from './gguf/model-file-error.js';
export { dequantizeQ8_0, quantizeQ8_0 } from './gguf/q8-0.js';
export type { SyntheticMap, SyntheticModelResult } from './gguf/synthetic-llama.js';
export {
  readSyntheticMap,
  SyntheticKey,
  writeSyntheticDrafter,
  writeSyntheticTarget,
} from './gguf/synthetic-llama.js';
export type {
  ResolvedSyntheticShape,
  SyntheticDrafterOptions,
  SyntheticShapeOptions,
  SyntheticTargetOptions,
  SyntheticWeightType,
} from './gguf/synthetic-options.js';
export { SYNTHETIC_WEIGHT_TYPES } from './gguf/synthetic-options.js';
export type { SyntheticPreset, SyntheticPresetName } from './gguf/synthetic-presets.js';
export { SYNTHETIC_PRESETS } from './gguf/synthetic-presets.js';
export {
  SYNTHETIC_BOS_ID,
  SYNTHETIC_EOS_ID,
  SYNTHETIC_FIRST_ID,
  SYNTHETIC_UNK_ID,
} from './gguf/synthetic-vocab.js';
export { SYNTHETIC_CHAT_TEMPLATE } from './gguf/synthetic-weights.js';
export { generateGreedy, generateRanked, topTokens } from './greedy.js';
export type { ChatRendering } from './llama/chat-render.js';
export { chatHistoryOf } from './llama/chat-render.js';
export { LlamaModel } from './llama/llama-model.js';
export type { LlamaGpu, LlamaModelOptions } from './llama/llama-options.js';
export { resolveLlamaOptions } from './llama/llama-options.js';
export { loadLlamaCode } from './llama/llama-runtime.js';
export type { LanguageModel, ModelInfo, RankedTokens } from './model.js';
export { estimateAcceptance, oracleOf } from './oracle.js';
export type { LoadedModel, ModelSpec } from './pool/model-spec.js';
export { loadModelFromSpec } from './pool/model-spec.js';
export type { PooledModelOptions, StepTimes } from './pool/pooled-model.js';
export { BATCHING_CONCURRENCY, PooledModel } from './pool/pooled-model.js';
