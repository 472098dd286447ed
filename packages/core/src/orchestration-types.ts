/**
 * Records exchanged with the orchestration state machine. Events come in (from real actors or from
 * the virtual-time runner), commands go out. Positions are absolute indices in the token sequence
 * (prompt first), so a command means the same thing wherever it is executed.
 */
import type { SparseDist } from './sampling.js';

/**
 * `auto` chooses per round among the other three (and the window and SP degree) through
 * {@link OrchestratorOptions.nextRound}.
 */
export type OrchestrationMode = 'nonsi' | 'si' | 'dsi' | 'auto';

/** One drafted token with what rejection sampling needs of the drafter's distribution. */
export interface DraftToken {
  readonly token: number;
  /** The drafter's processed distribution at this position (sampling only; absent under greedy). */
  readonly dist?: SparseDist;
  /**
   * The drafter's next most likely tokens here after `token`, most likely first, each with the
   * drafter's probability for it: its guesses of the target's token should `token` be rejected
   * (pre-drafting; under sampling they are read from `dist` when absent).
   */
  readonly alternatives?: readonly DraftAlternative[];
}

/** One of the drafter's runner-up tokens at a drafted position. */
export interface DraftAlternative {
  readonly token: number;
  readonly prob: number;
}

export type OrchestratorEvent =
  /** The drafter produced `tokens` for positions `pos …` in `epoch`. */
  | {
      readonly type: 'drafted';
      readonly epoch: number;
      readonly pos: number;
      readonly tokens: readonly DraftToken[];
    }
  /** A verification task finished. */
  | {
      readonly type: 'verified';
      readonly taskId: string;
      readonly accepted: number;
      readonly token: number;
      readonly bonus: boolean;
    }
  /** A verification task failed (target died, refused) or passed its deadline: it is re-issued. */
  | { readonly type: 'failed' | 'timeout'; readonly taskId: string }
  /**
   * The pool could not run a parallel task at once (no target free for it): it is dropped, not
   * re-issued, and the SP degree stays at what is in flight until the next round plan.
   */
  | { readonly type: 'declined'; readonly taskId: string }
  /** The client or an operator cancelled the request. */
  | { readonly type: 'cancelled' }
  /**
   * A pre-draft request (`predraft` command `id`) finished with these tokens; none when it failed
   * (its drafter died): the branch is asked for again, or the main drafter takes over.
   */
  | { readonly type: 'predrafted'; readonly id: string; readonly tokens: readonly DraftToken[] };

export type FinishReason = 'stop' | 'length' | 'cancelled';

export type OrchestratorCommand =
  /** Draft `n` tokens after `sequence[0, pos)`; answer with a `drafted` event carrying `epoch` and `pos`. */
  | { readonly type: 'draft'; readonly epoch: number; readonly pos: number; readonly n: number }
  /**
   * Verify `drafts` after `prefix` (= the sequence up to `base`, prompt included) on any free target.
   * `drafts` may be empty: a plain target step that yields one token.
   */
  | {
      readonly type: 'verify';
      readonly taskId: string;
      readonly epoch: number;
      readonly base: number;
      readonly prefix: Uint32Array<ArrayBuffer>;
      readonly drafts: readonly DraftToken[];
      /**
       * Another task of the session in flight already covers the verified prefix (this is a DSI
       * parallel task): the pool should run it only where it runs at once, and may decline it (a
       * `declined` event) rather than queue it. The task that covers the prefix is never parallel.
       */
      readonly parallel: boolean;
    }
  /** These tasks no longer matter: stop them and ignore their results. */
  | { readonly type: 'cancel'; readonly taskIds: readonly string[] }
  /** Append these tokens to the output; `sources[i]` is 1 for an accepted draft, 0 for a target token. */
  | { readonly type: 'commit'; readonly tokens: readonly number[]; readonly sources: readonly number[] }
  /** Generation is over. */
  | { readonly type: 'done'; readonly reason: FinishReason }
  /**
   * Pre-drafting (SSD): on an idle drafter instance, draft `n` tokens after `prefix` (= the sequence
   * up to `pos`, then the branch's guess of the target's token at `pos`, then the branch's earlier
   * pre-drafts), and answer with a `predrafted` event carrying `id`. Never on the session's main
   * drafter: at most `predraft.drafters` of these are in flight at once.
   */
  | {
      readonly type: 'predraft';
      readonly id: string;
      readonly pos: number;
      readonly prefix: Uint32Array<ArrayBuffer>;
      readonly n: number;
    }
  /**
   * These pre-draft requests will never be used: stop the ones still running (their drafter
   * instance is free at once) and ignore their results. Requests whose tokens were used are never
   * named, so what these requests cost is the drafter time spent on branches never used.
   */
  | { readonly type: 'drop-predrafts'; readonly ids: readonly string[] };
