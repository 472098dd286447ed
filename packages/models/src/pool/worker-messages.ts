/**
 * The records that cross between a {@link PooledModel} and its worker threads. Token arrays travel
 * as typed arrays; errors as their wire form, so a `ModelFileError` stays a `ModelFileError`.
 */
import type { WireError } from '@specmesh/protocol';
import type { ModelSpec } from './model-spec.js';

/** Shape `[1]` on a SharedArrayBuffer: 0 running, 1 cancelled by the caller, 2 finished. */
export type CancelFlag = Int32Array;

export const CANCEL_RUNNING = 0;
export const CANCEL_REQUESTED = 1;
export const CANCEL_FINISHED = 2;

export interface StepRequest {
  spec: ModelSpec;
  sessionId: string;
  /** Shape `[n]`. */
  context: Uint32Array;
  /** Positions to predict (`evaluate`, `predict`) or tokens to generate (`generate`). */
  count: number;
  /** Runner-ups per generated token (`generateRanked`). */
  alternatives?: number;
  cancel?: CancelFlag;
}

export interface SessionRequest {
  spec: ModelSpec;
  sessionId: string;
  length?: number;
}

/** A step's answer; `modelMs` is the model call's time inside the worker (the rest is the hand-off). */
export type WorkerReply<T> =
  | { ok: true; value: T; held: number; modelMs?: number }
  | { ok: false; error: WireError };
