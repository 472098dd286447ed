/**
 * A model whose steps run in piscina worker threads, off the event loop of the actor that uses it.
 * It implements the same {@link LanguageModel} interface, so roles do not know the difference.
 *
 * Sessions stick to one worker (their cache lives there): `threads` single-thread pools, a session
 * hashed onto one of them. Tokenization and model facts are answered on the calling thread from a local
 * instance of the same spec.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hashTokens } from '@specmesh/core';
import { CancelledError, MissingError } from '@specmesh/protocol';
import { Piscina } from 'piscina';
import type { LanguageModel, ModelInfo } from '../model.js';
import { createModelFromSpec, type ModelSpec } from './model-spec.js';
import type { EvaluateRequest, SessionRequest } from './model-worker.js';

const WORKER = fileURLToPath(new URL('./model-worker.js', import.meta.url));

export interface PooledModelOptions {
  /** Worker threads (each holds its own copy of the model). Defaults to 1. */
  readonly threads?: number;
}

export class PooledModel implements LanguageModel {
  readonly info: ModelInfo;
  private readonly spec: ModelSpec;
  private readonly local: LanguageModel;
  private readonly pools: Piscina[];
  private readonly heldBySession = new Map<string, number>();

  constructor(spec: ModelSpec, options: PooledModelOptions = {}) {
    // Without this check a missing worker file leaves every step waiting forever.
    if (!existsSync(WORKER))
      throw new MissingError(`model worker ${WORKER} is missing; build the package (tsc -b)`);
    this.spec = spec;
    this.local = createModelFromSpec(spec);
    this.info = this.local.info;
    const threads = Math.max(1, options.threads ?? 1);
    this.pools = Array.from(
      { length: threads },
      () =>
        new Piscina({
          filename: WORKER,
          minThreads: 1,
          maxThreads: 1,
          idleTimeout: Number.POSITIVE_INFINITY,
        }),
    );
  }

  private poolOf(sessionId: string): Piscina {
    const ids = Uint32Array.from(sessionId, (c) => c.charCodeAt(0));
    return this.pools[hashTokens(ids, ids.length, ids.length, 7) % this.pools.length]!;
  }

  tokenize(text: string): Uint32Array {
    return this.local.tokenize(text);
  }

  detokenize(tokens: ArrayLike<number>): string {
    return this.local.detokenize(tokens);
  }

  held(sessionId: string): number {
    return this.heldBySession.get(sessionId) ?? 0;
  }

  async evaluate(
    sessionId: string,
    context: Uint32Array,
    outputs: number,
    signal?: AbortSignal,
  ): Promise<Float32Array[]> {
    // A running step is not interrupted (that would kill the worker and its caches); a cancelled
    // step's result is dropped.
    if (signal?.aborted) throw new CancelledError('evaluation cancelled');
    const req: EvaluateRequest = { spec: this.spec, sessionId, context, outputs };
    const res = (await this.poolOf(sessionId).run(req, { name: 'evaluate' })) as {
      dists: Float32Array[];
      held: number;
    };
    this.heldBySession.set(sessionId, res.held);
    if (signal?.aborted) throw new CancelledError('evaluation cancelled');
    return res.dists;
  }

  truncate(sessionId: string, length: number): void {
    const held = this.heldBySession.get(sessionId);
    if (held !== undefined && held > length) this.heldBySession.set(sessionId, length);
    const req: SessionRequest = { spec: this.spec, sessionId, length };
    void this.poolOf(sessionId).run(req, { name: 'truncate' });
  }

  release(sessionId: string): void {
    this.heldBySession.delete(sessionId);
    const req: SessionRequest = { spec: this.spec, sessionId };
    void this.poolOf(sessionId).run(req, { name: 'release' });
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.destroy()));
  }
}
