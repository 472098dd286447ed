/**
 * Service times of targets and drafters, ms. A target runs one batch per slot; a batch's time grows
 * with the jobs in it (batch-size effect) and with the tokens it checks:
 *
 *   verify batch  = tpotMs + perJobMs * (jobs - 1) + perTokenMs * Σ drafts
 *   prefill batch = ttftMs + perJobMs * (jobs - 1) + prefillPerTokenMs * Σ prompt tokens + perTokenMs * Σ drafts
 *
 * A drafter call costs `ttftMs` for a session's first token and `tpotMs` for each later one.
 *
 * @example
 *   verifyBatchMs({ ttftMs: 60, tpotMs: 15, perTokenMs: 0.5, perJobMs: 1 }, 3, 12) // 15 + 2 + 6 = 23
 */

export interface TargetLatency {
  /** A prefill step (the first step of a session on this target). */
  readonly ttftMs: number;
  /** A verification (decode) step. */
  readonly tpotMs: number;
  /** Per prompt token of a prefill. Defaults to 0. */
  readonly prefillPerTokenMs?: number;
  /** Per draft token checked. Defaults to 0. */
  readonly perTokenMs?: number;
  /** Per job in a batch beyond the first (batch-size effect). Defaults to 0. */
  readonly perJobMs?: number;
}

export interface DrafterLatency {
  /** A session's first draft token. */
  readonly ttftMs: number;
  /** Each later draft token. */
  readonly tpotMs: number;
}

export function verifyBatchMs(l: TargetLatency, jobs: number, drafts: number): number {
  return l.tpotMs + (l.perJobMs ?? 0) * (jobs - 1) + (l.perTokenMs ?? 0) * drafts;
}

export function prefillBatchMs(l: TargetLatency, jobs: number, promptTokens: number, drafts: number): number {
  return (
    l.ttftMs +
    (l.perJobMs ?? 0) * (jobs - 1) +
    (l.prefillPerTokenMs ?? 0) * promptTokens +
    (l.perTokenMs ?? 0) * drafts
  );
}
