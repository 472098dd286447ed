/**
 * One node-llama-cpp runtime per thread and GPU choice. Loading the native binding costs most of a
 * second, so every model of a thread shares it. `build: "never"`: a missing prebuilt binary fails at
 * once with a clear error instead of starting a compiler.
 */
import { MissingError } from '@specmesh/protocol';
import type { Llama } from 'node-llama-cpp';
import type { LlamaGpu } from './llama-options.js';

const runtimes = new Map<string, Promise<Llama>>();

/**
 * Loads node-llama-cpp's JavaScript only (about a third of a second and 40 MB idle), not its native
 * binding, a GPU or a model: a warm spare of a llama role loads it while it waits, so its promotion
 * pays no module loading.
 */
export async function loadLlamaCode(): Promise<void> {
  await import('node-llama-cpp');
}

export function llamaRuntime(gpu: LlamaGpu): Promise<Llama> {
  const key = String(gpu);
  let r = runtimes.get(key);
  if (!r) {
    r = (async () => {
      const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
      try {
        return await getLlama({ gpu, build: 'never', logLevel: LlamaLogLevel.error, progressLogs: false });
      } catch (err) {
        throw new MissingError(
          `node-llama-cpp has no usable prebuilt binary for gpu=${key} on this machine (${(err as Error).message})`,
          { cause: err, context: { gpu: key } },
        );
      }
    })();
    runtimes.set(key, r);
    // A failed load may succeed later (e.g. after installing a package): do not cache the failure.
    r.catch(() => runtimes.delete(key));
  }
  return r;
}
