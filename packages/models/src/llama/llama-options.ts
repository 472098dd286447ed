/** Options of the node-llama-cpp backend, resolved and validated once, up front. */
import { ConfigError } from '@specmesh/protocol';

export type LlamaGpu = false | 'auto' | 'cuda' | 'vulkan' | 'metal';

export interface LlamaModelOptions {
  /** Path of the GGUF file. */
  readonly modelPath: string;
  /**
   * CPU threads of one forward pass. Defaults to 1: on small machines two threads per pass gave
   * unstable step times, and several workers already use the other cores.
   */
  readonly threads?: number;
  /**
   * Context cells per session (one is kept free by node-llama-cpp, so a session holds one token
   * less). Defaults to the model's training context, at most 4096.
   */
  readonly contextSize?: number;
  /**
   * Sessions held at once (each a context sequence with its own KV cache). Beyond this the least
   * recently used idle session is evicted; it is rebuilt from its tokens when it comes back.
   * Concurrent steps of different sessions are evaluated in one batch. Defaults to 4.
   */
  readonly sequences?: number;
  /** Most tokens in one forward pass. Defaults to 512. */
  readonly batchSize?: number;
  /** GPU backend, or `false` for the CPU. Defaults to `false`. */
  readonly gpu?: LlamaGpu;
  /** Display name. Defaults to the GGUF's `general.name`, else the file name. */
  readonly name?: string;
}

export type ResolvedLlamaOptions = Readonly<
  Required<Omit<LlamaModelOptions, 'contextSize' | 'name'>> & Pick<LlamaModelOptions, 'contextSize' | 'name'>
>;

const GPUS: readonly LlamaGpu[] = [false, 'auto', 'cuda', 'vulkan', 'metal'];

function positiveInt(name: string, value: number | undefined, fallback: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1 || v > max)
    throw new ConfigError(`llama ${name} must be an integer in [1, ${max}], got ${value}`, {
      context: { option: name },
    });
  return v;
}

export function resolveLlamaOptions(o: LlamaModelOptions): ResolvedLlamaOptions {
  if (typeof o.modelPath !== 'string' || o.modelPath.length === 0)
    throw new ConfigError('llama modelPath is required (a GGUF file)', { context: { option: 'modelPath' } });
  const gpu = o.gpu ?? false;
  if (!GPUS.includes(gpu))
    throw new ConfigError(`llama gpu must be one of ${GPUS.join(', ')}, got ${String(o.gpu)}`, {
      context: { option: 'gpu' },
    });
  return Object.freeze({
    modelPath: o.modelPath,
    threads: positiveInt('threads', o.threads, 1, 256),
    sequences: positiveInt('sequences', o.sequences, 4, 256),
    batchSize: positiveInt('batchSize', o.batchSize, 512, 65536),
    gpu,
    ...(o.contextSize !== undefined
      ? { contextSize: positiveInt('contextSize', o.contextSize, 4096, 1 << 20) }
      : {}),
    ...(o.name !== undefined ? { name: o.name } : {}),
  });
}
