/**
 * A model whose steps run in piscina worker threads, off the event loop of the actor that uses it.
 * It implements the same {@link LanguageModel} interface, so roles do not know the difference.
 *
 * Sessions stick to one worker (their cache lives there): `threads` single-thread pools, a session
 * hashed onto one of them. Several steps may run in one worker at once (`concurrency`): a llama
 * worker evaluates concurrent steps of different sessions in one batch, and so does an emulated
 * model with `batching` (each worker is one emulated accelerator). Tokenization and model
 * facts are answered on the calling thread from a tokenizer-only instance of the same spec.
 *
 * Cancellation: an abort reaches the worker through a shared flag; multi-token generation stops
 * between tokens, a single forward pass runs to its end and its result is dropped (stopping the
 * thread would lose every cache it holds).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BatchCostProfile, hashTokens } from '@specmesh/core';
import { CancelledError, type ChatMessage, fromWireError, MissingError } from '@specmesh/protocol';
import { Piscina } from 'piscina';
import type { LanguageModel, ModelInfo, RankedTokens } from '../model.js';
import { type LoadedModel, loadModelFromSpec, type ModelSpec } from './model-spec.js';
import {
  CANCEL_REQUESTED,
  type SessionRequest,
  type StepRequest,
  type WorkerReply,
} from './worker-messages.js';

const WORKER = fileURLToPath(new URL('./model-worker.js', import.meta.url));

export interface PooledModelOptions {
  /** Worker threads (each holds its own copy of the model; GGUF weights are shared through mmap). Defaults to 1. */
  readonly threads?: number;
  /**
   * Steps one worker runs at once. Defaults to the llama spec's `sequences`, 256 for an emulated
   * spec with `batching` (so concurrent steps reach its passes), else 1.
   */
  readonly concurrency?: number;
}

type StepName = 'evaluate' | 'predict' | 'generate' | 'generateRanked';

/**
 * Where a pooled model's steps spent their time: `stepMs` as the caller waited for them, `modelMs`
 * inside the worker's model call. The difference is the thread hand-off (queueing behind the
 * worker's other steps included), which `bench rounds` reports as its own component.
 */
export interface StepTimes {
  steps: number;
  stepMs: number;
  modelMs: number;
}

/** Steps a batching emulated worker accepts at once: far above any batch its passes should see. */
export const BATCHING_CONCURRENCY = 256;

function defaultConcurrency(spec: ModelSpec): number {
  if (spec.backend === 'llama') return spec.options.sequences ?? 4;
  return spec.options.batching ? BATCHING_CONCURRENCY : 1;
}

export class PooledModel implements LanguageModel {
  readonly info: ModelInfo;
  readonly batchCost?: BatchCostProfile;
  private readonly heldBySession = new Map<string, number>();
  /** Steps under way per session, and sessions released meanwhile (their late replies are ignored). */
  private readonly stepsUnderWay = new Map<string, number>();
  private readonly releasedWhileBusy = new Set<string>();
  /** Totals since the model opened (see {@link StepTimes}); read them with {@link stepTimes}. */
  private readonly times: StepTimes = { steps: 0, stepMs: 0, modelMs: 0 };

  private constructor(
    private readonly spec: ModelSpec,
    private readonly local: LoadedModel,
    private readonly pools: Piscina[],
  ) {
    this.info = local.info;
    if (local.batchCost) this.batchCost = local.batchCost;
  }

  /**
   * Starts the workers and loads the model in each, so a bad model file or a missing binary fails
   * here with its typed error, and the first request pays no load time.
   */
  static async open(spec: ModelSpec, options: PooledModelOptions = {}): Promise<PooledModel> {
    // Without this check a missing worker file leaves every step waiting forever.
    if (!existsSync(WORKER))
      throw new MissingError(`model worker ${WORKER} is missing; build the package (tsc -b)`);
    const local = await loadModelFromSpec(spec, true);
    const threads = Math.max(1, options.threads ?? 1);
    const concurrency = Math.max(1, options.concurrency ?? defaultConcurrency(spec));
    const pools = Array.from(
      { length: threads },
      () =>
        new Piscina({
          filename: WORKER,
          minThreads: 1,
          maxThreads: 1,
          concurrentTasksPerWorker: concurrency,
          idleTimeout: Number.POSITIVE_INFINITY,
        }),
    );
    const pooled = new PooledModel(spec, local, pools);
    try {
      const loads = (await Promise.all(
        pools.map((p) => p.run(spec, { name: 'load' })),
      )) as WorkerReply<null>[];
      for (const r of loads) if (!r.ok) throw fromWireError(r.error);
    } catch (err) {
      await pooled.close();
      throw err;
    }
    return pooled;
  }

  private poolOf(sessionId: string): Piscina {
    const ids = Uint32Array.from(sessionId, (c) => c.charCodeAt(0));
    return this.pools[hashTokens(ids, ids.length, ids.length, 7) % this.pools.length]!;
  }

  tokenize(text: string): Uint32Array {
    return this.local.tokenize(text);
  }

  renderChat(messages: readonly ChatMessage[]): Uint32Array | undefined {
    return this.local.renderChat?.(messages);
  }

  get chatTemplate() {
    return this.local.chatTemplate;
  }

  detokenize(tokens: ArrayLike<number>): string {
    return this.local.detokenize(tokens);
  }

  held(sessionId: string): number {
    return this.heldBySession.get(sessionId) ?? 0;
  }

  evaluate(sessionId: string, context: Uint32Array, outputs: number, signal?: AbortSignal) {
    return this.step<Float32Array[]>('evaluate', sessionId, context, outputs, signal);
  }

  predict(sessionId: string, context: Uint32Array, outputs: number, signal?: AbortSignal) {
    return this.step<Uint32Array>('predict', sessionId, context, outputs, signal);
  }

  generate(sessionId: string, context: Uint32Array, n: number, signal?: AbortSignal) {
    return this.step<Uint32Array>('generate', sessionId, context, n, signal);
  }

  generateRanked(sessionId: string, context: Uint32Array, n: number, m: number, signal?: AbortSignal) {
    return this.step<RankedTokens>('generateRanked', sessionId, context, n, signal, m);
  }

  private async step<T>(
    name: StepName,
    sessionId: string,
    context: Uint32Array,
    count: number,
    signal?: AbortSignal,
    alternatives?: number,
  ): Promise<T> {
    if (signal?.aborted) throw new CancelledError('evaluation cancelled');
    const req: StepRequest = {
      spec: this.spec,
      sessionId,
      context,
      count,
      ...(alternatives !== undefined ? { alternatives } : {}),
    };
    let onAbort: (() => void) | undefined;
    if (signal) {
      const flag = new Int32Array(new SharedArrayBuffer(4));
      req.cancel = flag;
      onAbort = () => {
        Atomics.store(flag, 0, CANCEL_REQUESTED);
        Atomics.notify(flag, 0);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    }
    this.stepsUnderWay.set(sessionId, (this.stepsUnderWay.get(sessionId) ?? 0) + 1);
    try {
      const sent = performance.now();
      const res = (await this.poolOf(sessionId).run(req, { name })) as WorkerReply<T>;
      if (!res.ok) throw fromWireError(res.error);
      this.times.steps++;
      this.times.stepMs += performance.now() - sent;
      this.times.modelMs += res.modelMs ?? 0;
      if (!this.releasedWhileBusy.has(sessionId)) this.heldBySession.set(sessionId, res.held);
      if (signal?.aborted) throw new CancelledError('evaluation cancelled');
      return res.value;
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      const left = this.stepsUnderWay.get(sessionId)! - 1;
      if (left > 0) this.stepsUnderWay.set(sessionId, left);
      else {
        this.stepsUnderWay.delete(sessionId);
        this.releasedWhileBusy.delete(sessionId);
      }
    }
  }

  /** Step times so far, a copy (see {@link StepTimes}). */
  stepTimes(): StepTimes {
    return { ...this.times };
  }

  truncate(sessionId: string, length: number): void {
    const held = this.heldBySession.get(sessionId);
    if (held !== undefined && held > length) this.heldBySession.set(sessionId, length);
    const req: SessionRequest = { spec: this.spec, sessionId, length };
    // Best effort (the next step re-synchronises the cache); a closed pool must not crash the process.
    this.poolOf(sessionId)
      .run(req, { name: 'truncate' })
      .catch(() => {});
  }

  release(sessionId: string): void {
    this.heldBySession.delete(sessionId);
    if (this.stepsUnderWay.has(sessionId)) this.releasedWhileBusy.add(sessionId);
    const req: SessionRequest = { spec: this.spec, sessionId };
    this.poolOf(sessionId)
      .run(req, { name: 'release' })
      .catch(() => {});
  }

  /** Frees each worker's model, then stops the worker threads. */
  async close(): Promise<void> {
    await Promise.all(
      this.pools.map(async (p) => {
        await p.run(null, { name: 'close' }).catch(() => undefined);
        await p.destroy();
      }),
    );
    await this.local.close?.();
  }
}
