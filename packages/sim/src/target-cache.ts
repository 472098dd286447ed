/**
 * What a target's cache holds of a session, and what a job pays for what it lacks (`cache: session`
 * or `prefix`, see scenario-schema.ts). Shared by the window batches and the passes of target-server.ts.
 */
import type { TargetJob } from './target-job.js';

export type CacheModel = 'session' | 'prefix';

/** Length of the common prefix of `held` and `tokens` (0 when nothing is held). */
export function commonPrefix(held: Uint32Array | undefined, tokens: Uint32Array): number {
  if (!held) return 0;
  const n = Math.min(held.length, tokens.length);
  let i = 0;
  while (i < n && held[i] === tokens[i]) i++;
  return i;
}

function tokensOf(job: TargetJob): Uint32Array {
  if (!job.tokens) throw new Error(`job ${job.taskId} carries no tokens for a prefix cache`);
  return job.tokens;
}

/** `cache: prefix`: how much of `job`'s sequence the cache holds now. */
export function heldOf(cached: Map<number, Uint32Array>, job: TargetJob): number {
  return commonPrefix(cached.get(job.sessionId), tokensOf(job));
}

/**
 * `cache: prefix`, as a job starts: the cache keeps the part of the session it holds in common with
 * the job (a diverging tail is dropped; the whole sequence is held once the job is done). Returns the
 * length of that common part.
 */
export function trimCache(cached: Map<number, Uint32Array>, job: TargetJob): number {
  const held = cached.get(job.sessionId);
  const common = commonPrefix(held, tokensOf(job));
  if (held) cached.set(job.sessionId, held.subarray(0, common));
  return common;
}

/**
 * `cache: prefix`, a window batch: what its jobs lack, as prompt tokens (a cold job evaluates its
 * whole prefix, `prefill`) and drafts (its own, or for a warm job its fresh positions beyond the
 * first, each at perTokenMs). Trims the cache as `trimCache` does.
 */
export function prefixCharge(
  cached: Map<number, Uint32Array>,
  jobs: readonly TargetJob[],
  prefill: boolean,
): { prompt: number; drafts: number } {
  let prompt = 0;
  let drafts = 0;
  for (const job of jobs) {
    const common = trimCache(cached, job);
    const length = tokensOf(job).length;
    if (prefill) {
      prompt += length - job.drafts - Math.min(common, length - job.drafts);
      drafts += job.drafts;
    } else drafts += Math.max(1, length - common) - 1;
  }
  return { prompt, drafts };
}

/**
 * Positions `job` evaluates on a batching target: what the target's cache lacks of it, as the
 * emulated model counts them. `cache: session`: a verification of d drafts on a target holding the
 * session is d + 1 (the token the last round corrected, then the drafts); the session's first job
 * there (`prefill`) is `promptTokens + d` (the prompt's last token is the first verified position, so
 * a plain step on a cold target evaluates the prompt alone). `cache: prefix`: every position past
 * what the target holds of the session (`common`).
 */
export function jobPositions(job: TargetJob, prefill: boolean, cache: CacheModel, common: number): number {
  if (cache === 'session') return prefill ? Math.max(1, job.promptTokens + job.drafts) : job.drafts + 1;
  return Math.max(1, tokensOf(job).length - common);
}
