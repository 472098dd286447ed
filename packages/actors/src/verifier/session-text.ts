/**
 * The text of a session's output as its session produces it, followed at the verifier so that a
 * verified statement can vouch for the text as well as the token ids (the gateway shows the chunks'
 * text and has no tokenizer to check it).
 *
 * The session's text stream starts at its first output token (`verify.task.textFrom`) and makes one
 * piece per token (packages/actors/src/session/text-stream.ts). Here the same stream runs over the
 * task's context and then the decided tokens; a mark per token lets it step back to where the next
 * task's context parts from what it saw (drafts rejected, another branch of a DSI session), so
 * following a session costs the tokens that changed, not its whole output.
 */
import { TextStream, type TextStreamMark } from '../session/text-stream.js';

export class SessionText {
  private readonly stream: TextStream;
  /** `marks[k]`: the stream after its first `k` tokens. */
  private readonly marks: TextStreamMark[];
  private textFrom: number | undefined;

  constructor(detokenize: (tokens: readonly number[]) => string) {
    this.stream = new TextStream(detokenize);
    this.marks = [this.stream.mark()];
  }

  /** The text piece of each of `decided`, which follow `context` (prompt and output so far). */
  piecesOf(context: ArrayLike<number>, textFrom: number, decided: readonly number[]): string[] {
    if (textFrom !== this.textFrom) {
      this.rewindTo(0);
      this.textFrom = textFrom;
    }
    const start = Math.min(textFrom, context.length);
    const outputLen = context.length - start;
    let same = 0;
    const n = Math.min(this.stream.length, outputLen);
    while (same < n && this.stream.at(same) === context[start + same]) same++;
    this.rewindTo(same);
    for (let i = same; i < outputLen; i++) this.push(context[start + i]!);
    return decided.map((t) => this.push(t));
  }

  private push(token: number): string {
    const piece = this.stream.push(token);
    this.marks.push(this.stream.mark());
    return piece;
  }

  private rewindTo(k: number) {
    this.stream.rewind(this.marks[k]!);
    this.marks.length = k + 1;
  }
}
