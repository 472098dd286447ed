/**
 * A serialisable description of a model, so a worker thread can build the same model the main thread
 * describes (functions and class instances do not cross threads).
 */
import { ConfigError } from '@specmesh/protocol';
import { EmulatedModel, type EmulatedModelOptions } from '../emulated/emulated-model.js';
import type { LanguageModel } from '../model.js';

export type ModelSpec = { readonly backend: 'emulated'; readonly options: EmulatedModelOptions };

export function createModelFromSpec(spec: ModelSpec): LanguageModel {
  switch (spec.backend) {
    case 'emulated':
      return new EmulatedModel(spec.options);
    default:
      throw new ConfigError(`unknown model backend ${(spec as { backend: string }).backend}`);
  }
}
