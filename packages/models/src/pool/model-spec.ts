/**
 * A serialisable description of a model, so a worker thread can build the same model the main thread
 * describes (functions and class instances do not cross threads).
 */
import { ConfigError } from '@specmesh/protocol';
import { EmulatedModel, type EmulatedModelOptions } from '../emulated/emulated-model.js';
import { LlamaModel } from '../llama/llama-model.js';
import type { LlamaModelOptions } from '../llama/llama-options.js';
import type { LanguageModel } from '../model.js';

export type ModelSpec =
  | { readonly backend: 'emulated'; readonly options: EmulatedModelOptions }
  | { readonly backend: 'llama'; readonly options: LlamaModelOptions };

/** A loaded model; `close` frees what it holds (native memory, for llama). */
export type LoadedModel = LanguageModel & { close?(): Promise<void> };

/**
 * Builds the model a spec describes. `tokenizerOnly` asks for just enough to tokenize and answer
 * `info` (the main thread of a pooled model needs no weights).
 */
export async function loadModelFromSpec(spec: ModelSpec, tokenizerOnly = false): Promise<LoadedModel> {
  switch (spec.backend) {
    case 'emulated':
      return new EmulatedModel(spec.options);
    case 'llama':
      return LlamaModel.load(spec.options, tokenizerOnly);
    default:
      throw new ConfigError(`unknown model backend ${(spec as { backend: string }).backend}`);
  }
}
