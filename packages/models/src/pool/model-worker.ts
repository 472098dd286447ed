/**
 * Worker-thread entry of a pooled model (piscina). It exports only step functions; each message is a
 * small typed record (see worker-messages.ts). The model is built once per worker, from the spec of
 * the first message, and keeps its sessions' caches.
 */
import { toWireError } from '@specmesh/protocol';
import { generateRanked as rankedOf } from '../greedy.js';
import type { LanguageModel, RankedTokens } from '../model.js';
import { type LoadedModel, loadModelFromSpec, type ModelSpec } from './model-spec.js';
import {
  CANCEL_FINISHED,
  CANCEL_REQUESTED,
  CANCEL_RUNNING,
  type CancelFlag,
  type SessionRequest,
  type StepRequest,
  type WorkerReply,
} from './worker-messages.js';

let model: Promise<LoadedModel> | undefined;

/** `Atomics.waitAsync` (Node ≥ 16) is typed only in lib ES2024, which also declares APIs Node 20 lacks. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      a: Int32Array,
      i: number,
      v: number,
    ): { async: false } | { async: true; value: Promise<string> };
  }
).waitAsync;

function modelFor(spec: ModelSpec): Promise<LoadedModel> {
  model ??= loadModelFromSpec(spec);
  return model;
}

/**
 * An AbortSignal that fires when the calling thread sets the shared flag. The waiter is released
 * when the step finishes, so nothing stays pending.
 */
function signalOf(flag: CancelFlag | undefined): { signal?: AbortSignal; done(): void } {
  if (!flag) return { done() {} };
  const ac = new AbortController();
  const wait = waitAsync(flag, 0, CANCEL_RUNNING);
  if (!wait.async) ac.abort();
  else
    void wait.value.then(() => {
      if (Atomics.load(flag, 0) === CANCEL_REQUESTED) ac.abort();
    });
  return {
    signal: ac.signal,
    done() {
      if (Atomics.compareExchange(flag, 0, CANCEL_RUNNING, CANCEL_FINISHED) === CANCEL_RUNNING)
        Atomics.notify(flag, 0);
    },
  };
}

async function step<T>(
  req: StepRequest,
  run: (m: LanguageModel, signal?: AbortSignal) => Promise<T>,
): Promise<WorkerReply<T>> {
  const s = signalOf(req.cancel);
  try {
    const m = await modelFor(req.spec);
    const started = performance.now();
    const value = await run(m, s.signal);
    return { ok: true, value, held: m.held(req.sessionId), modelMs: performance.now() - started };
  } catch (err) {
    return { ok: false, error: toWireError(err) };
  } finally {
    s.done();
  }
}

/** Loads the model now, so load errors and load time show at start-up, not on the first request. */
export async function load(spec: ModelSpec): Promise<WorkerReply<null>> {
  try {
    await modelFor(spec);
    return { ok: true, value: null, held: 0 };
  } catch (err) {
    model = undefined;
    return { ok: false, error: toWireError(err) };
  }
}

/**
 * Distributions, shape `[count][vocab]`, structured-cloned back: `count × vocab × 4` bytes per
 * sampled step (greedy steps use `predict` and return `count` ids).
 */
export function evaluate(req: StepRequest): Promise<WorkerReply<Float32Array[]>> {
  return step(req, (m, signal) => m.evaluate(req.sessionId, req.context, req.count, signal));
}

/** Greedy predictions, shape `[count]`. */
export function predict(req: StepRequest): Promise<WorkerReply<Uint32Array>> {
  return step(req, (m, signal) => m.predict(req.sessionId, req.context, req.count, signal));
}

/** Greedy generation of up to `count` tokens, all in this thread. */
export function generate(req: StepRequest): Promise<WorkerReply<Uint32Array>> {
  return step(req, (m, signal) => m.generate(req.sessionId, req.context, req.count, signal));
}

/** Greedy generation with runner-ups (`alternatives` per token), all in this thread. */
export function generateRanked(req: StepRequest): Promise<WorkerReply<RankedTokens>> {
  return step(req, (m, signal) =>
    rankedOf(m, req.sessionId, req.context, req.count, req.alternatives ?? 0, signal),
  );
}

export async function truncate(req: SessionRequest): Promise<void> {
  (await modelFor(req.spec)).truncate(req.sessionId, req.length ?? 0);
}

export async function release(req: SessionRequest): Promise<void> {
  (await modelFor(req.spec)).release(req.sessionId);
}

/** Frees the model's native memory before the worker goes away. */
export async function close(): Promise<void> {
  const m = await model?.catch(() => undefined);
  model = undefined;
  await m?.close?.();
}
