/**
 * A session's per-draft acceptance, the rate `chooseRound` wants: drafts accepted over drafts tried,
 * a task's tries being its accepted drafts plus the one it rejected, if any (the estimate of an i.i.d.
 * per-draft rate), with {@link PRIOR_WEIGHT} tries at {@link PRIOR_ACCEPTANCE} before any.
 *
 * Not `WindowStats.acceptance`: that smooths the accepted share of each window, a prefix rate (about
 * 0.59 for a per-draft 0.8 and windows of 4), with which `chooseRound` picks windows too short and,
 * past a few rejections, plain steps, which verify no drafts and so never correct the estimate.
 *
 * @example
 *   const t = new AcceptanceTally();
 *   t.add(3, 4); // 3 accepted, the 4th rejected: 4 tries
 *   t.rate;      // (3 + 2 * 0.7) / (4 + 2) ≈ 0.733
 */

/** Acceptance assumed before a session's first verification of drafts, and its weight in tries. */
export const PRIOR_ACCEPTANCE = 0.7;
export const PRIOR_WEIGHT = 2;

export class AcceptanceTally {
  private accepted = 0;
  private tries = 0;

  /** A task of `drafts` drafts came back with `accepted` of them accepted. */
  add(accepted: number, drafts: number): void {
    if (drafts <= 0) return;
    const a = Math.max(0, Math.min(accepted, drafts));
    this.accepted += a;
    this.tries += a + (a < drafts ? 1 : 0);
  }

  get rate(): number {
    return (this.accepted + PRIOR_WEIGHT * PRIOR_ACCEPTANCE) / (this.tries + PRIOR_WEIGHT);
  }
}
