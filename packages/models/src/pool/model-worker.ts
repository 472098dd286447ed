/**
 * Worker-thread entry of a pooled model (piscina). It exports only step functions; each message is a
 * small typed record (typed arrays cross by structured clone). The model is
 * built once per worker, from the spec of the first message, and keeps its sessions' caches.
 */
import type { LanguageModel } from '../model.js';
import { createModelFromSpec, type ModelSpec } from './model-spec.js';

export interface EvaluateRequest {
  spec: ModelSpec;
  sessionId: string;
  /** Shape `[n]`. */
  context: Uint32Array;
  outputs: number;
}

export interface SessionRequest {
  spec: ModelSpec;
  sessionId: string;
  length?: number;
}

let model: LanguageModel | undefined;

function modelFor(spec: ModelSpec): LanguageModel {
  model ??= createModelFromSpec(spec);
  return model;
}

/** Returns the distributions, shape `[outputs][vocab]` (structured-cloned: a few KB per step). */
export async function evaluate(req: EvaluateRequest): Promise<{ dists: Float32Array[]; held: number }> {
  const m = modelFor(req.spec);
  const dists = await m.evaluate(req.sessionId, req.context, req.outputs);
  return { dists, held: m.held(req.sessionId) };
}

export function truncate(req: SessionRequest): number {
  modelFor(req.spec).truncate(req.sessionId, req.length ?? 0);
  return modelFor(req.spec).held(req.sessionId);
}

export function release(req: SessionRequest): void {
  modelFor(req.spec).release(req.sessionId);
}
