/**
 * Positions a task makes a verifier's target evaluate, given the tokens the verifier holds for the
 * task's session: its base, context and drafts, less the prefix the model's cache already holds (a
 * model evaluates only what it lacks, as the emulated target charges its passes). A DSI parallel task
 * carries its session's whole prefix; on a verifier that ran an earlier task of the session it adds
 * the tokens committed since and its drafts. The verifier reports these positions in its heartbeats
 * and judges a parallel task by them, as the simulator's targets count a job's (its prefix cache).
 */
import type { BodyOf } from '@specmesh/protocol';

export function evaluatedPositions(task: BodyOf<'verify.task'>, held: Uint32Array | undefined): number {
  const full = task.basePos + task.context.length;
  let common = 0;
  // The base is the held tokens' (the verifier refuses a task whose base it lacks); the context may
  // repeat more of what is held (a whole prefix).
  if (held && task.basePos <= held.length) {
    const n = Math.min(held.length - task.basePos, task.context.length);
    let i = 0;
    while (i < n && held[task.basePos + i] === task.context[i]) i++;
    common = task.basePos + i;
  }
  // A context held whole is evaluated again at its last position, for that position's output.
  return Math.max(1, full - common) + task.drafts.length;
}
