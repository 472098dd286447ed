/**
 * The verified statements a session received with its verification results, kept until the tokens
 * they vouch for are committed, and turned into the `proofs` of the chunks that carry those tokens.
 *
 * A committed token takes the statement of a task of the epoch that committed it, at its position,
 * for the same token (as LogprobBook does for log-probabilities: within an epoch every task builds
 * on one chain of drafts). The runs of a chunk follow the statements of its tokens in order; a run
 * that ends before its statement does (the rest was cut at a stop string or the length limit, or
 * decided by a later task) carries the statement's hash chain after it, so its prefix still checks.
 */
import { chainBefore, type TokenProof } from '@specmesh/protocol';

/** A verifier's signed decision of the positions `[from, from + tokens.length)`. */
export interface SignedDecision {
  readonly epoch: number;
  readonly verifierId: string;
  /** Session position (prompt included) of the first decided token. */
  readonly from: number;
  readonly tokens: readonly number[];
  /** The text piece of each token, as the verifier signed it. */
  readonly pieces: readonly string[];
  readonly signature: Uint8Array;
}

/** A committed token's place in the statement that vouches for it. */
export interface TokenVouch {
  readonly decision: SignedDecision;
  /** Offset of the token within the decision. */
  readonly offset: number;
}

export class ProofBook {
  private readonly entries = new Map<string, SignedDecision>();

  record(taskId: string, decision: SignedDecision): void {
    this.entries.set(taskId, decision);
  }

  /** Drops the statements of tasks that no longer count (cancelled). */
  forget(taskIds: readonly string[]): void {
    for (const id of taskIds) this.entries.delete(id);
  }

  /**
   * The statement vouching for `token` committed at position `pos` in `epoch`, or undefined when no
   * signed result decided it. Statements that decide only positions up to `pos` are dropped afterwards.
   */
  take(pos: number, token: number, epoch: number): TokenVouch | undefined {
    let found: TokenVouch | undefined;
    for (const d of this.entries.values()) {
      const i = pos - d.from;
      if (found || d.epoch !== epoch || i < 0 || i >= d.tokens.length || d.tokens[i] !== token) continue;
      found = { decision: d, offset: i };
    }
    for (const [id, d] of this.entries) {
      if (d.from + d.tokens.length <= pos + 1 || d.epoch < epoch) this.entries.delete(id);
    }
    return found;
  }
}

/**
 * The proofs of a chunk's tokens (with their text `pieces` as the chunk carries them), one run per
 * stretch of consecutive tokens of one statement; undefined when a token has no statement (a verifier
 * that does not sign): such a chunk carries none, and checking receivers refuse it.
 */
export function proofsOf(
  vouches: ReadonlyArray<TokenVouch | undefined>,
  pieces: readonly string[],
): TokenProof[] | undefined {
  const proofs: TokenProof[] = [];
  let run: { decision: SignedDecision; head: number; count: number; last: string } | undefined;
  const close = () => {
    if (!run) return;
    const d = run.decision;
    const end = run.head + run.count;
    const signed = d.pieces[end - 1]!;
    proofs.push({
      verifierId: d.verifierId,
      from: d.from,
      to: d.from + d.tokens.length,
      head: run.head,
      count: run.count,
      ...(end < d.tokens.length ? { rest: chainBefore(d.tokens.slice(end), d.pieces.slice(end)) } : {}),
      // The last token's text cut at a stop string: the signed piece, which the receiver checks it begins.
      ...(run.last !== signed ? { cut: signed } : {}),
      signature: d.signature,
    });
  };
  for (let i = 0; i < vouches.length; i++) {
    const v = vouches[i];
    if (!v) return undefined;
    const piece = pieces[i] ?? '';
    if (run && run.decision === v.decision && run.head + run.count === v.offset) {
      run.count++;
      run.last = piece;
    } else {
      close();
      run = { decision: v.decision, head: v.offset, count: 1, last: piece };
    }
  }
  close();
  return proofs;
}
