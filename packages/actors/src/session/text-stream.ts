/**
 * Turns committed tokens into text deltas, one token at a time, decoding only a short window.
 *
 * Tokens `[prefixAt, readAt)` were already turned into text; decoding them together with the new
 * ones, then dropping their own text, keeps what a tokenizer does at a sequence start (a dropped
 * leading space) out of the delta. A multi-byte character split across tokens comes out whole once
 * complete: until then the decoded window ends in U+FFFD and the delta is empty. The cost per token is
 * the window, not the whole output (the same scheme as Hugging Face's text-generation-inference).
 *
 * @example
 *   const s = new TextStream((t) => tokenizer.decode(t));
 *   s.push(id('▁Hello')); // → 'Hello'
 *   s.push(id('▁world')); // → ' world'
 */
/** Where a text stream stands (see {@link TextStream.mark}). */
export interface TextStreamMark {
  readonly length: number;
  readonly prefixAt: number;
  readonly readAt: number;
}

export class TextStream {
  private readonly tokens: number[] = [];
  private prefixAt = 0;
  private readAt = 0;

  constructor(private readonly detokenize: (tokens: readonly number[]) => string) {}

  /** Appends one token; returns the text it completes ('' while a character is still partial). */
  push(token: number): string {
    this.tokens.push(token);
    const prefix = this.detokenize(this.tokens.slice(this.prefixAt, this.readAt));
    const text = this.detokenize(this.tokens.slice(this.prefixAt));
    if (text.length <= prefix.length || text.endsWith('\uFFFD')) return '';
    this.prefixAt = this.readAt;
    this.readAt = this.tokens.length;
    return text.slice(prefix.length);
  }

  /** Tokens pushed so far. */
  get length(): number {
    return this.tokens.length;
  }

  /** Where the stream stands now: {@link rewind} returns here, forgetting the tokens pushed since. */
  mark(): TextStreamMark {
    return { length: this.tokens.length, prefixAt: this.prefixAt, readAt: this.readAt };
  }

  /** Returns to a mark taken earlier (a verifier following a session whose drafts were rejected). */
  rewind(m: TextStreamMark): void {
    this.tokens.length = m.length;
    this.prefixAt = m.prefixAt;
    this.readAt = m.readAt;
  }

  /** The token pushed at `i`. */
  at(i: number): number | undefined {
    return this.tokens[i];
  }
}
