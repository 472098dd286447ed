/**
 * Live figures for the dashboard's charts: over the last `horizonMs` of finished requests, tokens
 * per second, requests per second, median TTFT and TPOT, and the acceptance rate.
 */

export interface Completion {
  /** Wall clock when the request finished, ms. */
  readonly at: number;
  readonly tokens: number;
  readonly ttftMs: number | undefined;
  readonly tpotMs: number | undefined;
  readonly drafted: number;
  readonly accepted: number;
}

export interface LiveSnapshot {
  readonly at: number;
  readonly horizonMs: number;
  readonly requestsPerSecond: number;
  readonly tokensPerSecond: number;
  readonly ttftP50Ms: number | null;
  readonly tpotP50Ms: number | null;
  /** Accepted / drafted over the horizon; null when nothing was drafted. */
  readonly acceptance: number | null;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export class LiveStats {
  private readonly horizonMs: number;
  private readonly done: Completion[] = [];

  /** @param horizonMs window the figures cover, ms. Defaults to 10000. */
  constructor(horizonMs = 10_000) {
    this.horizonMs = horizonMs;
  }

  add(c: Completion): void {
    this.done.push(c);
    this.prune(c.at);
  }

  snapshot(now = Date.now()): LiveSnapshot {
    this.prune(now);
    const seconds = this.horizonMs / 1000;
    let tokens = 0;
    let drafted = 0;
    let accepted = 0;
    const ttft: number[] = [];
    const tpot: number[] = [];
    for (const c of this.done) {
      tokens += c.tokens;
      drafted += c.drafted;
      accepted += c.accepted;
      if (c.ttftMs !== undefined) ttft.push(c.ttftMs);
      if (c.tpotMs !== undefined) tpot.push(c.tpotMs);
    }
    return {
      at: now,
      horizonMs: this.horizonMs,
      requestsPerSecond: this.done.length / seconds,
      tokensPerSecond: tokens / seconds,
      ttftP50Ms: median(ttft),
      tpotP50Ms: median(tpot),
      acceptance: drafted > 0 ? accepted / drafted : null,
    };
  }

  private prune(now: number) {
    while (this.done.length > 0 && this.done[0]!.at < now - this.horizonMs) this.done.shift();
  }
}
