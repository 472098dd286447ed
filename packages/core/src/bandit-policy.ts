/**
 * A bandit window policy, the learning baseline beside AWC: discounted UCB1 over the windows
 * (0, a plain target step, included), rewarded with what a round actually gave: output tokens
 * committed per ms between one decision and the next. It needs no model of the target, the network or
 * the load, only the session's clock and committed count (`WindowFeatures.nowMs`, `.committed`), and
 * it adapts to whatever the load does to those rounds; its price is exploration: every window is
 * tried once before UCB chooses, and an old estimate fades (discount per decision) so a changed load
 * is noticed.
 *
 * Rewards are divided by the largest seen so far, so the exploration bonus is on the scale of the
 * rewards whatever the units. Without `nowMs` the reward is tokens per round.
 *
 * @example
 *   const p = createBanditPolicy({ arms: [0, 4] });
 *   p.nextWindow({ ...f, nowMs: 0, committed: 0 })   // → 0 (untried arms first, in order)
 *   p.nextWindow({ ...f, nowMs: 30, committed: 1 })  // → 4 (untried)
 *   p.nextWindow({ ...f, nowMs: 60, committed: 5 })  // → 4 (4 tokens in 30 ms beat 1)
 */
import { ConfigError } from '@specmesh/protocol';
import type { WindowFeatures, WindowPolicy } from './window-features.js';

export interface BanditOptions {
  /** Windows to choose among, distinct, each 0..64. Defaults to {@link BANDIT_ARMS}. */
  readonly arms?: readonly number[];
  /** Weight kept by past rewards per decision, (0, 1]. Defaults to 0.97 (about 30 rounds of memory). */
  readonly discount?: number;
  /** Exploration weight of UCB (rewards scaled to the best seen: 1). Defaults to 0.15. */
  readonly exploration?: number;
}

/** Windows the bandit chooses among by default: a plain step and DSD's windows. */
export const BANDIT_ARMS: readonly number[] = [0, 1, 2, 3, 4, 6, 8];

export function createBanditPolicy(o: BanditOptions = {}): WindowPolicy {
  const arms = o.arms ?? BANDIT_ARMS;
  const discount = o.discount ?? 0.97;
  const c = o.exploration ?? 0.15;
  if (
    arms.length === 0 ||
    new Set(arms).size !== arms.length ||
    arms.some((a) => !(Number.isInteger(a) && a >= 0 && a <= 64))
  )
    throw new ConfigError(`bandit arms must be distinct integers 0..64, got [${arms.join(', ')}]`);
  if (!(discount > 0 && discount <= 1))
    throw new ConfigError(`bandit discount must be in (0, 1], got ${discount}`);
  if (!(c >= 0 && Number.isFinite(c))) throw new ConfigError(`bandit exploration must be >= 0, got ${c}`);
  const pulls = new Float64Array(arms.length);
  const sums = new Float64Array(arms.length);
  let scale = 0;
  let last: { arm: number; nowMs: number; committed: number } | undefined;
  return {
    name: 'bandit',
    nextWindow(f: WindowFeatures): number {
      const nowMs = f.nowMs ?? 0;
      const committed = f.committed ?? 0;
      if (last) {
        const tokens = Math.max(0, committed - last.committed);
        const ms = nowMs - last.nowMs;
        const reward = f.nowMs !== undefined ? (ms > 0 ? tokens / ms : 0) : tokens;
        for (let i = 0; i < arms.length; i++) {
          pulls[i]! *= discount;
          sums[i]! *= discount;
        }
        pulls[last.arm]! += 1;
        sums[last.arm]! += reward;
        scale = Math.max(scale, reward);
      }
      let arm = pulls.indexOf(0);
      if (arm < 0) {
        let total = 0;
        for (const n of pulls) total += n;
        let best = Number.NEGATIVE_INFINITY;
        for (let i = 0; i < arms.length; i++) {
          const mean = scale > 0 ? sums[i]! / pulls[i]! / scale : 0;
          const ucb = mean + c * Math.sqrt(Math.log(Math.max(total, 1)) / pulls[i]!);
          if (ucb > best) {
            best = ucb;
            arm = i;
          }
        }
      }
      last = { arm, nowMs, committed };
      return arms[arm]!;
    },
  };
}
