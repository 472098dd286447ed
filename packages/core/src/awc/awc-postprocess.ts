/**
 * AWC's post-processing of the network's raw window, per drafter-target pair, in DSD's order:
 *
 * 1. clamp to [γ_min, γ_max];
 * 2. exponential smoothing with α (0.4): s ← α·γ + (1 − α)·s (the first decision starts s at γ);
 * 3. rounding to the nearest allowed window ({0, 1, 2, 3, 4, 6, 8}; ties go to the smaller);
 * 4. hysteresis: after choosing to run at the target (fused mode γ = 1, or γ = 0: a plain target step,
 *    no speculation) the pair holds that choice for `hold` more decisions (1).
 *
 * Window 0 is not in DSD's set: it is where a busy batching target is best used for plain decoding
 * (every draft position costs a token's compute past the knee). Pass `allowed` without 0 (and
 * `gammaMin: 1`) for DSD's original behaviour.
 *
 * @example
 *   const p = new AwcPostProcessor(); p.next(9.3) // → 8 (clamped, first value, rounded)
 */
import { ConfigError } from '@specmesh/protocol';

export interface AwcPostOptions {
  /** Defaults to 0 (a plain step). */
  readonly gammaMin?: number;
  /** Defaults to 8. */
  readonly gammaMax?: number;
  /** EMA weight of the newest value. Defaults to 0.4. */
  readonly alpha?: number;
  /** Allowed windows, ascending. Defaults to {@link AWC_ALLOWED_WINDOWS}. */
  readonly allowed?: readonly number[];
  /** Decisions a window of 0 or 1 (running at the target) is held after it is chosen. Defaults to 1. */
  readonly hold?: number;
}

/** AWC's windows: 0 (plain step), fused mode 1, and DSD's distributed windows. */
export const AWC_ALLOWED_WINDOWS: readonly number[] = [0, 1, 2, 3, 4, 6, 8];

/** DSD's own set, without plain steps. */
export const DSD_ALLOWED_WINDOWS: readonly number[] = [1, 2, 3, 4, 6, 8];

/** Nearest allowed value; a tie goes to the smaller one. */
export function roundToAllowed(x: number, allowed: readonly number[]): number {
  let best = allowed[0]!;
  for (const a of allowed) if (Math.abs(a - x) < Math.abs(best - x)) best = a;
  return best;
}

export class AwcPostProcessor {
  private readonly min: number;
  private readonly max: number;
  private readonly alpha: number;
  private readonly allowed: readonly number[];
  private readonly hold: number;
  private smoothed: number | undefined;
  private holding = 0;
  private held = 1;

  constructor(o: AwcPostOptions = {}) {
    this.min = o.gammaMin ?? 0;
    this.max = o.gammaMax ?? 8;
    this.alpha = o.alpha ?? 0.4;
    this.allowed = o.allowed ?? AWC_ALLOWED_WINDOWS;
    this.hold = o.hold ?? 1;
    if (!(this.min >= 0 && this.max >= this.min && this.max >= 1))
      throw new ConfigError(
        `AWC window bounds must satisfy 0 <= min <= max, max >= 1, got [${this.min}, ${this.max}]`,
      );
    if (!(this.alpha > 0 && this.alpha <= 1))
      throw new ConfigError(`AWC alpha must be in (0, 1], got ${this.alpha}`);
    if (this.allowed.length === 0 || this.allowed.some((a, i) => i > 0 && a <= this.allowed[i - 1]!))
      throw new ConfigError('AWC allowed windows must be a non-empty ascending list');
  }

  /** The window to use for the network's raw output `raw` (absolute γ, not the adjustment). */
  next(raw: number): number {
    const clamped = Math.min(this.max, Math.max(this.min, raw));
    this.smoothed =
      this.smoothed === undefined ? clamped : this.alpha * clamped + (1 - this.alpha) * this.smoothed;
    if (this.holding > 0) {
      this.holding--;
      return this.held;
    }
    const gamma = roundToAllowed(this.smoothed, this.allowed);
    if (gamma <= 1) {
      this.holding = this.hold;
      this.held = gamma;
    }
    return gamma;
  }
}
