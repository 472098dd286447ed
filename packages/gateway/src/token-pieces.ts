/**
 * Splits a committed token chunk into one piece per token, for the one-token-per-event cadence.
 * Drafters send `textEnds` (where each token's text ends in the chunk's text); a chunk without it
 * (an older drafter) cannot be split without a tokenizer and comes back as one piece.
 *
 * @example
 *   tokenPieces({ tokens: [5, 6, 7], text: 'abc', textEnds: [1, 2, 3], sources: [1, 1, 0] })
 *   // → [{ text: 'a', sources: [1] }, { text: 'b', sources: [1] }, { text: 'c', sources: [0] }]
 */
import type { TokenChunk } from '@specmesh/protocol';

export interface TokenPiece {
  /** Text of the piece (empty for a token that completes no character yet). */
  readonly text: string;
  /** Per token of the piece: 1 from an accepted draft, 0 from the target. */
  readonly sources: number[];
}

export function tokenPieces(c: Pick<TokenChunk, 'tokens' | 'text' | 'textEnds' | 'sources'>): TokenPiece[] {
  const n = c.tokens.length;
  const ends = c.textEnds;
  if (n <= 1 || !ends || ends.length !== n || ends[n - 1] !== c.text.length) {
    return n === 0 ? [] : [{ text: c.text, sources: Array.from(c.sources ?? []) }];
  }
  const out: TokenPiece[] = [];
  let from = 0;
  for (let i = 0; i < n; i++) {
    const to = Math.max(from, ends[i]!);
    out.push({ text: c.text.slice(from, to), sources: c.sources ? [c.sources[i] ?? 0] : [] });
    from = to;
  }
  return out;
}
