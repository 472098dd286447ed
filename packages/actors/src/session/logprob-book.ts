/**
 * The target's log-probabilities a session received with its verification results, kept until the
 * tokens they describe are committed.
 *
 * A result describes the positions its task decided (accepted drafts, then the corrected or bonus
 * token), each on the task's own prefix. A committed token takes the entry of a task of the epoch that
 * committed it, at its position, for the same token: within an epoch every task builds on one chain
 * of drafts, so such an entry was computed on exactly the committed prefix (a task that disagreed with
 * the committed token earlier decided no later position; a disagreement that commits starts a new
 * epoch). In DSI a position may be decided by two tasks (one's bonus, the next one's first draft):
 * both computed the same distribution, and the token match picks the one whose token was committed.
 */

/** One committed token's log-probabilities: its own, and the top alternatives at its position. */
export interface TokenLogprobs {
  readonly logprob: number;
  /** The `n` most likely tokens at the position, most likely first. */
  readonly topTokens: ArrayLike<number>;
  readonly topLogprobs: ArrayLike<number>;
}

interface Entry {
  readonly epoch: number;
  /** Absolute position (prompt included) of the first decided token. */
  readonly base: number;
  /** Token decided at each position. */
  readonly tokens: ArrayLike<number>;
  readonly logprobs: Float32Array;
  readonly topTokens: Uint32Array;
  readonly topLogprobs: Float32Array;
}

export class LogprobBook {
  private readonly entries = new Map<string, Entry>();

  /** Alternatives per position. */
  constructor(private readonly n: number) {}

  /**
   * Keeps a task's result. `decided` are the tokens of its decided positions from `base` on (its
   * accepted drafts, then its token); the arrays are per decided position, `n` alternatives each.
   */
  record(
    taskId: string,
    epoch: number,
    base: number,
    decided: ArrayLike<number>,
    r: { logprobs: Float32Array; topTokens?: Uint32Array; topLogprobs?: Float32Array },
  ): void {
    const positions = decided.length;
    const topTokens = r.topTokens ?? new Uint32Array(0);
    const topLogprobs = r.topLogprobs ?? new Float32Array(0);
    // A result whose shape does not fit its task is not used: the tokens get no figures rather than wrong ones.
    if (r.logprobs.length !== positions || topTokens.length !== topLogprobs.length) return;
    if (positions > 0 && topTokens.length % positions !== 0) return;
    this.entries.set(taskId, { epoch, base, tokens: decided, logprobs: r.logprobs, topTokens, topLogprobs });
  }

  /** Drops the results of tasks that no longer count (cancelled). */
  forget(taskIds: readonly string[]): void {
    for (const id of taskIds) this.entries.delete(id);
  }

  /**
   * The figures of `token`, committed at absolute position `pos` in `epoch`, or undefined when no
   * result describes it. Results that describe only positions up to `pos` are dropped afterwards.
   */
  take(pos: number, token: number, epoch: number): TokenLogprobs | undefined {
    let found: TokenLogprobs | undefined;
    for (const e of this.entries.values()) {
      const i = pos - e.base;
      if (found || e.epoch !== epoch || i < 0 || i >= e.tokens.length || e.tokens[i] !== token) continue;
      const per = e.tokens.length > 0 ? e.topTokens.length / e.tokens.length : 0;
      const width = Math.min(per, this.n);
      found = {
        logprob: e.logprobs[i]!,
        topTokens: e.topTokens.subarray(i * per, i * per + width),
        topLogprobs: e.topLogprobs.subarray(i * per, i * per + width),
      };
    }
    for (const [id, e] of this.entries) {
      if (e.base + e.tokens.length <= pos + 1 || e.epoch < epoch) this.entries.delete(id);
    }
    return found;
  }
}
