/** A verification job as targets and routers see it. */

export type TargetJobState = 'queued' | 'running' | 'done' | 'cancelled';

export interface TargetJob {
  /** Orchestrator task id. */
  readonly taskId: string;
  /** Request (session) the job belongs to; a target holds a session's cache after its first job. */
  readonly sessionId: number;
  /** Draft tokens to check. */
  readonly drafts: number;
  /** Prompt tokens, paid once per session and target (prefill). */
  readonly promptTokens: number;
  /**
   * The job's whole sequence, prefix then drafts (shape `[base + drafts]`), for targets that cache
   * prefixes (`cache: prefix`); absent, the target charges by `promptTokens` and `drafts`.
   */
  readonly tokens?: Uint32Array;
  /**
   * Time the target spends drafting this job's tokens itself before verifying them, ms: a fused
   * round's drafts when fused drafting is charged to the target (`targets.fusedDraftCost: target`);
   * 0 for drafts made elsewhere. A batch runs its jobs' drafting as one batched phase, as long as its
   * longest (see target-server.ts).
   */
  readonly serverDraftMs: number;
  /** Called at the target when the job's batch completes, unless the job was cancelled. */
  readonly onDone: (job: TargetJob) => void;
  state: TargetJobState;
  /** True when it runs as the session's prefill on its target (decided when it reaches the target). */
  prefill: boolean;
  /** Virtual time it reached the target's queue, and its batch start. */
  enqueuedAt: number;
  startedAt: number;
  /** Index of the target serving it, -1 while unassigned. */
  target: number;
  /**
   * Positions it evaluates on a batching target (`TargetServerOptions.batchCost`): estimated when it
   * reaches the queue, exact once its pass starts. 0 elsewhere.
   */
  positions: number;
}

export function newTargetJob(
  taskId: string,
  sessionId: number,
  drafts: number,
  promptTokens: number,
  onDone: (job: TargetJob) => void,
  tokens?: Uint32Array,
  serverDraftMs = 0,
): TargetJob {
  return {
    taskId,
    sessionId,
    drafts,
    promptTokens,
    // Always present (possibly undefined): one object shape for every job keeps the hot paths
    // monomorphic.
    tokens,
    serverDraftMs,
    onDone,
    state: 'queued',
    prefill: false,
    enqueuedAt: 0,
    startedAt: 0,
    target: -1,
    positions: 0,
  };
}
