/**
 * One verification task against a target model: evaluate the context and the drafts in one call,
 * then apply the acceptance rule of `@specmesh/core` (greedy, or rejection sampling with the
 * drafter's sparse distributions from the task).
 */
import {
  hashTokens,
  processDistribution,
  Rng,
  type SamplingParams,
  type SparseDist,
  type VerifyOutcome,
  verifyGreedy,
  verifyRejection,
} from '@specmesh/core';
import type { LanguageModel } from '@specmesh/models';
import { type BodyOf, TokenOutOfRangeError } from '@specmesh/protocol';
import { sessionKey } from '../placement/session-key.js';
import { unpackDraftDists } from '../session/draft-dists.js';
import { type TargetLogprobs, targetLogprobs } from './target-logprobs.js';

type Task = BodyOf<'verify.task'>;

/** Unpacks the CSR draft distributions of a task into one sparse distribution per draft. */
export function draftDistsOf(task: Task): SparseDist[] {
  // A task without drafts is a plain target step: nothing to compare against.
  if (task.drafts.length === 0) return [];
  return unpackDraftDists(task.draftDist, task.drafts.length, `task ${task.taskId}`);
}

/** A task's verdict, with the target's log-probabilities of the decided positions when the task asked. */
export type VerifyTaskOutcome = VerifyOutcome & { readonly logprobs?: TargetLogprobs };

/**
 * @param context the whole sequence before the drafts (prompt and committed tokens), shape `[n]`
 */
export async function runVerifyTask(
  model: LanguageModel,
  task: Task,
  context: Uint32Array,
  signal?: AbortSignal,
): Promise<VerifyTaskOutcome> {
  const vocab = model.info.vocabSize;
  for (const t of task.drafts) {
    if (t >= vocab) throw new TokenOutOfRangeError(`draft token ${t} is outside the vocabulary (${vocab})`);
  }
  for (const t of context) {
    if (t >= vocab) throw new TokenOutOfRangeError(`context token ${t} is outside the vocabulary (${vocab})`);
  }
  const full = new Uint32Array(context.length + task.drafts.length);
  full.set(context);
  full.set(task.drafts, context.length);
  const sampling: SamplingParams = task.sampling;
  const seed = task.sampling.seed;
  if (sampling.temperature === 0 && task.logprobs === undefined) {
    // Greedy needs only the argmax per position: the backend skips building distributions.
    const argmaxes = await model.predict(sessionKey(task), full, task.drafts.length + 1, signal);
    return verifyGreedy(task.drafts, argmaxes);
  }
  // Distributions: for rejection sampling, or for the log-probabilities the task asked for.
  const dists = await model.evaluate(sessionKey(task), full, task.drafts.length + 1, signal);
  let verdict: VerifyOutcome;
  if (sampling.temperature === 0) verdict = verifyGreedy(task.drafts, dists.map(argmaxOf));
  else {
    // Seeded by request seed and position: a retried task draws the same verdict.
    const rng = new Rng(seed ^ hashTokens(full, context.length, 8, context.length));
    verdict = verifyRejection(
      task.drafts,
      draftDistsOf(task),
      dists.map((p) => processDistribution(p, sampling)),
      rng,
    );
  }
  if (task.logprobs === undefined) return verdict;
  const chosen = [...task.drafts.subarray(0, verdict.accepted), verdict.token];
  const n = Math.min(task.logprobs, model.info.vocabSize);
  return { ...verdict, logprobs: targetLogprobs(dists, chosen, n) };
}

/** The most likely token (the lowest id among equals), as greedy decoding picks it. */
function argmaxOf(p: Float32Array): number {
  let best = 0;
  for (let t = 1; t < p.length; t++) if (p[t]! > p[best]!) best = t;
  return best;
}
