/**
 * How long a requester waits for an answer before it counts the other side as gone: four times the
 * slowest of its recent answers, within a floor and a ceiling.
 *
 * - A **probe** of a host (`session.probe`) waits at least the configured floor, and longer for a host
 *   that answered earlier probes slowly: on a loaded machine a host's event loop answers late without
 *   being hung, and judging it hung moves the request for nothing. A host that answered quickly keeps
 *   the floor, so a paused or dead host is still noticed as fast as before.
 * - A **submit** attempt waits the configured attempt timeout until the client has seen schedulers
 *   answer, then four times their slowest recent answer, at least a floor: a scheduler that paused
 *   holding the attempt costs a few of its usual reply times, not the fixed 1.5 s. A cluster whose
 *   requests wait in the scheduler's queue answers slowly, and the timeout grows with it.
 * - A scheduler's **session start** on a host (`session.start`) waits the configured start timeout
 *   until hosts have answered, then four times their slowest recent answer, at least a floor: a
 *   paused drafter holds a request's admission for a few of its usual answers, not the whole 2 s.
 */
export interface AnswerTimeoutOptions {
  /** Never less than this, ms. */
  readonly floorMs: number;
  /** Until the first answer, ms. Defaults to `floorMs`. */
  readonly initialMs?: number;
  /** Never more than this, ms. Defaults to no bound. */
  readonly ceilingMs?: number;
  /** How many times its slowest recent answer the other side gets. Defaults to 4. */
  readonly factor?: number;
  /** Answers remembered. Defaults to 8. */
  readonly window?: number;
}

export class AnswerTimeout {
  private readonly replies: number[] = [];

  constructor(private readonly o: AnswerTimeoutOptions) {}

  /** Records how long an answer took, ms. */
  answered(ms: number): void {
    this.replies.push(ms);
    if (this.replies.length > (this.o.window ?? 8)) this.replies.shift();
  }

  /** Forgets the answers (a probed request moved to another host). */
  reset(): void {
    this.replies.length = 0;
  }

  get ms(): number {
    if (this.replies.length === 0) return this.o.initialMs ?? this.o.floorMs;
    let slowest = 0;
    for (const r of this.replies) if (r > slowest) slowest = r;
    const ms = Math.max(this.o.floorMs, (this.o.factor ?? 4) * slowest);
    return Math.min(this.o.ceilingMs ?? Infinity, ms);
  }
}
