/**
 * Stop strings over a token stream: which committed tokens (and how much of their text) may be sent
 * now, and where generation ends.
 *
 * Generation ends at the first stop string to appear: the earliest end position at which some stop
 * string ends, and among those ending there the longest (the earliest start). The output is the text
 * before that occurrence; {@link cutAtFirstStop} is the offline definition, and the streamed result is
 * the same however the text is split into tokens.
 *
 * Nothing is released that a later token could still turn into part of a stop string: a token is held
 * while its text reaches into the longest suffix of the output that is a proper prefix of a stop
 * string (or, with an empty piece, starts where that suffix starts), and released (whole: a chunk's
 * text is always the text of its tokens) once that suffix is resolved. Tokens are released in order.
 *
 * Token accounting at a stop: a token whose text starts before the stop is kept, its piece cut at the
 * stop; tokens whose text starts at or after the stop (the stop's own tokens, and those after) are
 * dropped. So the released tokens are exactly those that produced the returned text.
 *
 * @example
 *   const m = new StopMatcher(['\n\n']);
 *   m.push('Hello'); // → { released: ['Hello'], stopped: false }
 *   m.push('\n');    // → { released: [], stopped: false }  (could be the start of '\n\n')
 *   m.push('\nBye'); // → { released: [], stopped: true }   (the '\n' token starts at the stop: dropped)
 */

/** What one pushed token resolved. */
export interface StopStep {
  /** Text pieces of the tokens released now, oldest first (the last one cut at the stop when `stopped`). */
  readonly released: readonly string[];
  /** A stop string appeared: generation ends after releasing `released`. */
  readonly stopped: boolean;
}

export class StopMatcher {
  private readonly stops: readonly string[];
  /** Longest stop string, UTF-16 code units. */
  private readonly longest: number;
  /** Pieces of the tokens held back, oldest first. */
  private readonly held: string[] = [];
  /** Text of the held tokens, concatenated. */
  private heldText = '';
  /** The last `longest - 1` code units of what was released (or given as what came before). */
  private tail: string;
  private ended = false;

  /**
   * @param stops stop strings (empty ones are ignored)
   * @param before text already sent before this matcher's first token (a resumed request's output):
   *   a stop that starts in it and ends in new text still ends generation, cutting at the new text's start
   */
  constructor(stops: readonly string[] = [], before = '') {
    this.stops = stops.filter((s) => s.length > 0);
    this.longest = this.stops.reduce((m, s) => Math.max(m, s.length), 0);
    this.tail = this.trimTail(before);
  }

  /** Whether there are stop strings at all (without, every token is released at once). */
  get active(): boolean {
    return this.stops.length > 0;
  }

  /** Whether tokens are held back now (a possible stop string is unresolved). */
  get holding(): boolean {
    return this.held.length > 0;
  }

  /** Appends one token's text piece. */
  push(piece: string): StopStep {
    if (this.ended) return { released: [], stopped: true };
    if (this.stops.length === 0) return { released: [piece], stopped: false };
    const search = this.tail + this.heldText + piece;
    const from = search.length - piece.length;
    const hit = firstStopEndingAfter(search, this.stops, from);
    if (hit !== undefined) {
      this.ended = true;
      // Where the stop starts in the unreleased text (before 0 only when it starts in `before`).
      const cut = Math.max(0, hit - this.tail.length);
      const released: string[] = [];
      let at = 0;
      for (const p of [...this.held, piece]) {
        if (at >= cut) break;
        released.push(p.slice(0, cut - at));
        at += p.length;
      }
      this.held.length = 0;
      this.heldText = '';
      return { released, stopped: true };
    }
    this.held.push(piece);
    this.heldText += piece;
    // Hold from the start of the longest suffix that could still grow into a stop string.
    const keepFrom =
      this.heldText.length - Math.min(this.heldText.length, longestStopPrefixSuffix(search, this.stops));
    const released: string[] = [];
    let end = 0;
    // A token is released once its text lies wholly before the hold and starts before it (a token
    // with an empty piece at the hold's start may belong to what follows: it waits).
    while (this.held.length > 0 && end < keepFrom && end + this.held[0]!.length <= keepFrom) {
      const p = this.held.shift()!;
      end += p.length;
      released.push(p);
    }
    this.tail = this.trimTail(this.tail + this.heldText.slice(0, end));
    this.heldText = this.heldText.slice(end);
    return { released, stopped: false };
  }

  /** Generation ended without a stop (length, end of sequence): releases every held token whole. */
  flush(): readonly string[] {
    const out = this.held.splice(0);
    this.tail = this.trimTail(this.tail + this.heldText);
    this.heldText = '';
    return out;
  }

  private trimTail(text: string): string {
    return this.longest <= 1 ? '' : text.slice(-(this.longest - 1));
  }
}

/**
 * Start of the first stop string to appear in `text` (see the file comment), or -1. The offline
 * definition the streaming matcher follows.
 */
export function cutAtFirstStop(text: string, stops: readonly string[]): number {
  const hit = firstStopEndingAfter(
    text,
    stops.filter((s) => s.length > 0),
    0,
  );
  return hit ?? -1;
}

/**
 * Start of the occurrence that ends first among those ending after `from` (the longest when several
 * end there), or undefined.
 */
function firstStopEndingAfter(text: string, stops: readonly string[], from: number): number | undefined {
  let bestEnd = Number.POSITIVE_INFINITY;
  let bestStart = 0;
  for (const s of stops) {
    // The first occurrence ending after `from` starts at or after `from - s.length + 1`.
    const i = text.indexOf(s, Math.max(0, from - s.length + 1));
    if (i < 0) continue;
    const end = i + s.length;
    if (end < bestEnd || (end === bestEnd && i < bestStart)) {
      bestEnd = end;
      bestStart = i;
    }
  }
  return bestEnd === Number.POSITIVE_INFINITY ? undefined : bestStart;
}

/** Length of the longest suffix of `text` that is a proper prefix of some stop string. */
function longestStopPrefixSuffix(text: string, stops: readonly string[]): number {
  let best = 0;
  for (const s of stops) {
    for (let n = Math.min(s.length - 1, text.length); n > best; n--) {
      if (text.endsWith(s.slice(0, n))) {
        best = n;
        break;
      }
    }
  }
  return best;
}
