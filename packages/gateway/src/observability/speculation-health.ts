/**
 * Speculation health per drafter-target pair. Output stays correct when speculation stops paying
 * (a drafter that no longer agrees with its target only makes every round shorter), so the only way
 * to notice is to watch the rounds: over the last `window` verified rounds of a pair, the acceptance
 * rate (drafts kept / drafts sent) and the tokens each target call yields (kept drafts + the target's
 * own token, the speedup a round can give at best). A pair is unhealthy when either falls below its
 * threshold once at least `minRounds` rounds were seen; the tracker reports each change of state.
 *
 * @example
 *   const h = new SpeculationHealth({ minAcceptance: 0.5, minTokensPerRound: 1.5, window: 4, minRounds: 2 });
 *   h.observe('d0', 'v0', 4, 0); // → undefined (too few rounds)
 *   h.observe('d0', 'v0', 4, 0); // → { healthy: false, acceptance: 0, tokensPerRound: 1, ... }
 */

export interface SpeculationHealthOptions {
  /** Acceptance rate below which a pair is flagged. Defaults to 0.3. */
  minAcceptance?: number;
  /** Tokens per verification round below which a pair is flagged. Defaults to 1.2. */
  minTokensPerRound?: number;
  /** Verified rounds per pair the figures are computed over. Defaults to 64. */
  window?: number;
  /** Rounds a pair needs before it can be flagged. Defaults to 16. */
  minRounds?: number;
}

export type SpeculationHealthConfig = Readonly<Required<SpeculationHealthOptions>>;

/** Figures of one pair over its window. */
export interface PairHealth {
  readonly drafter: string;
  readonly target: string;
  readonly healthy: boolean;
  readonly acceptance: number;
  readonly tokensPerRound: number;
  readonly rounds: number;
}

interface PairWindow {
  /** Ring of [drafted, accepted] per round. */
  readonly drafted: Uint32Array;
  readonly accepted: Uint32Array;
  next: number;
  count: number;
  healthy: boolean;
}

export class SpeculationHealth {
  readonly config: SpeculationHealthConfig;
  private readonly pairs = new Map<string, PairWindow & { drafter: string; target: string }>();

  constructor(config: SpeculationHealthConfig) {
    this.config = config;
  }

  /**
   * Records one verified round of `drafted` tokens of which `accepted` were kept. Returns the pair's
   * figures when its state changed (healthy ↔ unhealthy), else undefined.
   */
  observe(drafter: string, target: string, drafted: number, accepted: number): PairHealth | undefined {
    const key = `${drafter}\u0000${target}`;
    let w = this.pairs.get(key);
    if (!w) {
      const n = this.config.window;
      w = {
        drafter,
        target,
        drafted: new Uint32Array(n),
        accepted: new Uint32Array(n),
        next: 0,
        count: 0,
        healthy: true,
      };
      this.pairs.set(key, w);
    }
    w.drafted[w.next] = drafted;
    w.accepted[w.next] = Math.min(accepted, drafted);
    w.next = (w.next + 1) % this.config.window;
    w.count = Math.min(w.count + 1, this.config.window);
    const figures = this.figures(w);
    if (figures.healthy === w.healthy) return undefined;
    w.healthy = figures.healthy;
    return figures;
  }

  /** Current figures of every pair seen. */
  all(): PairHealth[] {
    return [...this.pairs.values()].map((w) => this.figures(w));
  }

  private figures(w: PairWindow & { drafter: string; target: string }): PairHealth {
    let drafted = 0;
    let accepted = 0;
    for (let i = 0; i < w.count; i++) {
      drafted += w.drafted[i]!;
      accepted += w.accepted[i]!;
    }
    // A round with no drafts (a plain target step) has nothing to accept: acceptance counts drafts only.
    const acceptance = drafted > 0 ? accepted / drafted : 1;
    const tokensPerRound = w.count > 0 ? (accepted + w.count) / w.count : 0;
    const judged = w.count >= this.config.minRounds;
    const healthy =
      !judged || (acceptance >= this.config.minAcceptance && tokensPerRound >= this.config.minTokensPerRound);
    return { drafter: w.drafter, target: w.target, healthy, acceptance, tokensPerRound, rounds: w.count };
  }
}
