/**
 * The node-llama-cpp backend: a GGUF model behind the {@link LanguageModel} interface.
 *
 * Each session is a context sequence with its own KV cache. A step keeps the longest prefix the
 * sequence already holds, erases a diverging tail (a rejected draft: truncated, not rebuilt) and
 * evaluates the rest in ONE forward pass, asking for predictions only at the positions the caller
 * needs. Verifying `k` drafts is therefore one pass over `[last accepted, d1..dk]` giving `k + 1`
 * predictions, the last one the bonus token.
 *
 * Steps of different sessions that run at the same time are evaluated together in one batch by
 * node-llama-cpp. Steps of one session run one after another.
 */
import {
  CancelledError,
  type ChatMessage,
  ConfigError,
  InternalError,
  TokenOutOfRangeError,
} from '@specmesh/protocol';
import type {
  ControlledEvaluateIndexOutput,
  ControlledEvaluateInputItem,
  LlamaContext,
  LlamaContextSequence,
  LlamaModel as NativeModel,
  Token,
} from 'node-llama-cpp';
import { checkModelFile } from '../gguf/check-model-file.js';
import { modelFileError } from '../gguf/model-file-error.js';
import { generateGreedy } from '../greedy.js';
import type { LanguageModel, ModelInfo } from '../model.js';
import { type ChatRendering, renderChatTokens, resolveChatRendering } from './chat-render.js';
import { type LlamaModelOptions, resolveLlamaOptions } from './llama-options.js';
import { llamaRuntime } from './llama-runtime.js';
import { softmaxOfLogits } from './logits.js';

interface HeldSession {
  readonly seq: LlamaContextSequence;
  /** Mirror of the tokens the sequence holds (reading them back from the sequence copies). */
  readonly tokens: number[];
  lastUse: number;
  /** Tail of the session's step chain: steps of one session never overlap. */
  tail: Promise<unknown>;
  busy: number;
}

/**
 * node-llama-cpp would silently drop the start of a full sequence ("context shift"), which would put
 * our mirror of the held tokens out of step. `validate` keeps contexts within the limit; should one
 * get through, the step fails loudly instead.
 */
const refuseContextShift = (): never => {
  throw new InternalError('a llama sequence ran out of context; specmesh never shifts a session');
};

/** node-llama-cpp brands token ids; ours are plain numbers from the same vocabulary. */
const tokenAt = (a: Uint32Array, i: number) => a[i] as unknown as Token;

type NextWanted = { token: true } | { logits: true };

export class LlamaModel implements LanguageModel {
  readonly info: ModelInfo;
  private readonly sessions = new Map<string, HeldSession>();
  /** Sequences of released sessions, ready for new ones. */
  private readonly free: HeldSession[] = [];
  /** New sessions waiting for a sequence to become idle. */
  private readonly idleWaiters: Array<() => void> = [];
  private useClock = 0;
  private closed = false;

  readonly chatTemplate: { readonly wrapper: string } | { readonly none: string };

  private constructor(
    private readonly model: NativeModel,
    private readonly context: LlamaContext | undefined,
    info: ModelInfo,
    private readonly chat: ChatRendering,
  ) {
    this.info = info;
    this.chatTemplate = chat.kind === 'template' ? { wrapper: chat.wrapperName } : { none: chat.reason };
  }

  /**
   * Checks the file (a missing, truncated, non-GGUF or unsupported file gives `ModelFileError`
   * naming it), loads the model and creates its context. `tokenizerOnly` loads just the vocabulary:
   * enough for `tokenize`, `detokenize` and `info`, at a fraction of the memory.
   */
  static async load(options: LlamaModelOptions, tokenizerOnly = false): Promise<LlamaModel> {
    const o = resolveLlamaOptions(options);
    const file = await checkModelFile(o.modelPath);
    const vocabSize = file.vocabSize;
    if (vocabSize === undefined) throw modelFileError(o.modelPath, 'malformed', 'no tokenizer vocabulary');
    const llama = await llamaRuntime(o.gpu);
    let model: NativeModel;
    try {
      model = await llama.loadModel({
        modelPath: o.modelPath,
        vocabOnly: tokenizerOnly,
        ...(o.gpu === false ? { gpuLayers: 0 } : {}),
      });
    } catch (err) {
      throw modelFileError(o.modelPath, 'load-failed', `node-llama-cpp: ${(err as Error).message}`, err);
    }
    const contextSize = Math.min(
      o.contextSize ?? Math.min(4096, model.trainContextSize),
      model.trainContextSize,
    );
    let context: LlamaContext | undefined;
    if (!tokenizerOnly) {
      try {
        context = await model.createContext({
          sequences: o.sequences,
          contextSize,
          batchSize: o.batchSize,
          threads: o.threads,
        });
      } catch (err) {
        await model.dispose();
        throw err;
      }
    }
    const info: ModelInfo = Object.freeze({
      name: o.name ?? file.name ?? o.modelPath.split('/').pop()!,
      vocabSize,
      bosId: model.tokens.bos ?? 1,
      eosId: model.tokens.eos ?? 2,
      addBos: model.tokens.shouldPrependBosToken,
      // node-llama-cpp keeps one cell free in a sequence; beyond that it would shift the context.
      contextSize: contextSize - 1,
    });
    return new LlamaModel(model, context, info, await resolveChatRendering(model));
  }

  renderChat(messages: readonly ChatMessage[]): Uint32Array | undefined {
    if (this.chat.kind !== 'template') return undefined;
    return renderChatTokens(this.model, this.chat.wrapper, messages);
  }

  tokenize(text: string): Uint32Array {
    // node-llama-cpp adds no BOS here; callers prepend `info.bosId` where the model wants it.
    return Uint32Array.from(this.model.tokenize(text));
  }

  detokenize(tokens: ArrayLike<number>): string {
    return this.model.detokenize(Array.from(tokens) as Token[], false);
  }

  held(sessionId: string): number {
    return this.sessions.get(sessionId)?.tokens.length ?? 0;
  }

  truncate(sessionId: string, length: number): void {
    const h = this.sessions.get(sessionId);
    if (!h || h.tokens.length <= length) return;
    h.busy++;
    // In the session's step order, after steps already queued (which may still add tokens); should
    // the erase fail, the next step finds the divergence and erases it then.
    this.exclusive(h, async () => {
      if (h.tokens.length <= length) return;
      await h.seq.eraseContextTokenRanges([{ start: Math.max(0, length), end: h.seq.nextTokenIndex }]);
      h.tokens.length = Math.max(0, length);
    }).catch(() => {
      h.tokens.splice(0, h.tokens.length, ...h.seq.contextTokens);
    });
  }

  release(sessionId: string): void {
    const h = this.sessions.get(sessionId);
    if (!h) return;
    this.sessions.delete(sessionId);
    // The sequence goes back to the free list with its cache; the next session starts from it.
    this.free.push(h);
    this.wakeIdleWaiters();
  }

  async evaluate(
    sessionId: string,
    context: Uint32Array,
    outputs: number,
    signal?: AbortSignal,
  ): Promise<Float32Array[]> {
    const res = await this.step(sessionId, context, outputs, { logits: true }, signal);
    return res.map((r) => softmaxOfLogits(r.next.logits, this.info.vocabSize));
  }

  async predict(
    sessionId: string,
    context: Uint32Array,
    outputs: number,
    signal?: AbortSignal,
  ): Promise<Uint32Array> {
    const res = await this.step(sessionId, context, outputs, { token: true }, signal);
    return Uint32Array.from(res, (r) => {
      if (r.next.token === null || r.next.token === undefined)
        throw new InternalError('node-llama-cpp sampled no token');
      return r.next.token;
    });
  }

  generate(sessionId: string, context: Uint32Array, n: number, signal?: AbortSignal): Promise<Uint32Array> {
    return generateGreedy(this, sessionId, context, n, signal);
  }

  /** Frees the context, the sessions and the model. */
  async close(): Promise<void> {
    this.closed = true;
    this.sessions.clear();
    this.free.length = 0;
    this.wakeIdleWaiters();
    await this.context?.dispose();
    await this.model.dispose();
  }

  private validate(context: Uint32Array, outputs: number): void {
    if (!this.context) throw new ConfigError(`${this.info.name} was loaded for its tokenizer only`);
    if (!(Number.isInteger(outputs) && outputs >= 1 && outputs <= context.length))
      throw new ConfigError(`outputs must be 1..${context.length}, got ${outputs}`);
    if (context.length > this.info.contextSize)
      throw new ConfigError(
        `context of ${context.length} tokens exceeds the session limit of ${this.info.contextSize}`,
        { context: { tokens: context.length, limit: this.info.contextSize } },
      );
    const vocab = this.info.vocabSize;
    for (const t of context)
      if (t >= vocab) throw new TokenOutOfRangeError(`token ${t} is outside the vocabulary (${vocab})`);
  }

  private async step(
    sessionId: string,
    context: Uint32Array,
    outputs: number,
    wanted: NextWanted,
    signal?: AbortSignal,
  ): Promise<ControlledEvaluateIndexOutput[]> {
    this.validate(context, outputs);
    if (signal?.aborted) throw new CancelledError('evaluation cancelled');
    const h = await this.acquire(sessionId);
    return this.exclusive(h, async () => {
      if (signal?.aborted) throw new CancelledError('evaluation cancelled');
      let common = 0;
      const held = h.tokens;
      while (common < held.length && common < context.length && held[common] === context[common]) common++;
      // Predictions need their positions evaluated in this pass, even when already held.
      const keep = Math.min(common, context.length - outputs);
      if (keep < held.length) {
        await h.seq.eraseContextTokenRanges([{ start: keep, end: h.seq.nextTokenIndex }]);
        held.length = keep;
      }
      const firstOut = context.length - outputs;
      const input: ControlledEvaluateInputItem[] = [];
      for (let i = keep; i < context.length; i++)
        input.push(i >= firstOut ? [tokenAt(context, i), { generateNext: wanted }] : tokenAt(context, i));
      let res: Array<ControlledEvaluateIndexOutput | undefined>;
      try {
        res = await h.seq.controlledEvaluate(input);
      } catch (err) {
        // Whatever was evaluated before the failure is what the sequence holds now.
        // (In place: a released session's pending step and its successor share the array.)
        h.tokens.splice(0, h.tokens.length, ...h.seq.contextTokens);
        throw err;
      }
      for (let i = keep; i < context.length; i++) held.push(context[i]!);
      const out = res.slice(firstOut - keep) as ControlledEvaluateIndexOutput[];
      if (out.length !== outputs || out.some((r) => r === undefined))
        throw new InternalError(`node-llama-cpp returned ${out.length} predictions, expected ${outputs}`);
      if (signal?.aborted) throw new CancelledError('evaluation cancelled');
      return out;
    });
  }

  /**
   * The session's sequence, marked busy so it cannot be evicted before its step runs. A new session
   * gets a released sequence, a fresh one, or the least recently used idle session's; when every
   * sequence is busy it waits for one to become idle. A reused sequence keeps its tokens until the
   * first step, which erases only where the new context differs: a shared prefix is not evaluated again.
   */
  private async acquire(sessionId: string): Promise<HeldSession> {
    for (;;) {
      if (this.closed) throw new CancelledError(`${this.info.name} is closed`);
      const h = this.sessions.get(sessionId) ?? this.bind(sessionId);
      if (h) {
        h.busy++;
        h.lastUse = ++this.useClock;
        return h;
      }
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  private bind(sessionId: string): HeldSession | undefined {
    const ctx = this.context!;
    let reuse = this.free.pop();
    if (!reuse && ctx.sequencesLeft === 0) {
      let victim: [string, HeldSession] | undefined;
      for (const e of this.sessions)
        if (e[1].busy === 0 && (!victim || e[1].lastUse < victim[1].lastUse)) victim = e;
      if (!victim) return undefined;
      this.sessions.delete(victim[0]);
      reuse = victim[1];
    }
    const h: HeldSession = {
      seq: reuse?.seq ?? ctx.getSequence({ contextShift: { strategy: refuseContextShift } }),
      tokens: reuse?.tokens ?? [],
      lastUse: 0,
      tail: reuse?.tail ?? Promise.resolve(),
      busy: 0,
    };
    this.sessions.set(sessionId, h);
    return h;
  }

  /** Runs `fn` after the session's earlier steps; `h` was acquired (busy) by the caller. */
  private exclusive<T>(h: HeldSession, fn: () => Promise<T>): Promise<T> {
    const run = h.tail.then(fn, fn);
    const settle = () => {
      if (--h.busy === 0) this.wakeIdleWaiters();
    };
    h.tail = run.then(settle, settle);
    return run;
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters.splice(0);
    for (const w of waiters) w();
  }
}
