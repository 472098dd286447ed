/**
 * Costs of each action at one labelled decision, from the replays' measures, and the oracle's label
 * under either objective:
 *
 * - `latency`: the forced session's time per token over its horizon (client-seen), least wins among
 *   the actions that meet the SLOs: that horizon's time per token within `tpotMs`, and every request
 *   starting on the same target in the comparison window served its first token within `ttftMs`
 *   (a window that floods the target shows up as its neighbours' slow first tokens). When no action
 *   meets them, the least latency wins.
 * - `throughput`: tokens per second that every session on the point's target delivered in the
 *   comparison window, most wins (ties: least latency). This counts what the forced session gains and
 *   what its neighbours lose by its load on the target.
 *
 * The comparison window runs from the decision to the end of the shortest horizon among the actions,
 * so every action is still in force throughout it.
 */
import type { PointMeasure } from './oracle-replay.js';

export type AwcObjective = 'latency' | 'throughput';

export interface SloOptions {
  /** Time per output token the forced horizon must meet, ms. */
  readonly tpotMs: number;
  /** Time to first token requests starting on the target must meet, ms. */
  readonly ttftMs: number;
}

/** Per action (same order as the actions), shape `[actions]` each. */
export interface ActionCosts {
  readonly latencyMsPerToken: Float64Array;
  readonly targetTokPerSec: Float64Array;
  readonly sloMet: Uint8Array;
  /** Length of the comparison window, ms. */
  readonly windowMs: number;
}

/** Costs of the actions measured at one point; undefined when a measure is missing or empty. */
export function actionCosts(
  measures: ReadonlyArray<PointMeasure | undefined>,
  slo: SloOptions,
): ActionCosts | undefined {
  const n = measures.length;
  let window = Number.POSITIVE_INFINITY;
  for (const m of measures) {
    if (!m || m.horizonTokens === 0 || !(m.horizonEnd > m.at)) return undefined;
    window = Math.min(window, m.horizonEnd - m.at);
  }
  const latencyMsPerToken = new Float64Array(n);
  const targetTokPerSec = new Float64Array(n);
  const sloMet = new Uint8Array(n);
  measures.forEach((m, a) => {
    const x = m!;
    const end = x.at + window;
    latencyMsPerToken[a] = (x.horizonEnd - x.at) / x.horizonTokens;
    targetTokPerSec[a] = (tokensBy(x, end) * 1000) / window;
    let ok = latencyMsPerToken[a]! <= slo.tpotMs;
    for (let i = 0; i < x.firstTimes.length && ok; i++)
      if (x.firstTimes[i]! <= end && x.firstTtfts[i]! > slo.ttftMs) ok = false;
    sloMet[a] = ok ? 1 : 0;
  });
  return { latencyMsPerToken, targetTokPerSec, sloMet, windowMs: window };
}

/**
 * Tokens the target's sessions delivered between the decision and `end`. A commit arrives as a chunk
 * of up to a window plus one tokens; counting a chunk whole or not at all by where the window ends
 * would swing the count by several tokens for a shift of a few microseconds, so each session's
 * progress is taken as linear between its commits and read at `end`.
 */
function tokensBy(m: PointMeasure, end: number): number {
  const last = new Map<number, number>();
  let tokens = 0;
  // Commits are recorded in the order they were made, which per request is the order they are seen.
  for (let i = 0; i < m.commitTimes.length; i++) {
    const r = m.commitRequests[i]!;
    const t = m.commitTimes[i]!;
    const prev = last.get(r) ?? m.at;
    if (prev > end) continue;
    const k = m.commitTokens[i]!;
    tokens += t <= end ? k : (k * (end - prev)) / (t - prev);
    last.set(r, t);
  }
  return tokens;
}

/** Index of the best action under `objective`. */
export function bestActionIndex(c: ActionCosts, objective: AwcObjective): number {
  const lat = c.latencyMsPerToken;
  let best = -1;
  if (objective === 'latency') {
    const anyMet = c.sloMet.some((x) => x === 1);
    for (let a = 0; a < lat.length; a++) {
      if (anyMet && c.sloMet[a] !== 1) continue;
      if (best < 0 || lat[a]! < lat[best]!) best = a;
    }
    return best;
  }
  const thr = c.targetTokPerSec;
  for (let a = 0; a < thr.length; a++)
    if (best < 0 || thr[a]! > thr[best]! || (thr[a] === thr[best] && lat[a]! < lat[best]!)) best = a;
  return best;
}

/**
 * How much the choice matters at this decision: the mean cost of the actions over the best one's,
 * minus 1 (0 when every action costs the same). Cost is time per token, or its inverse tokens per
 * second, per objective.
 */
export function choiceStakes(c: ActionCosts, objective: AwcObjective): number {
  const best = bestActionIndex(c, objective);
  const v = objective === 'latency' ? c.latencyMsPerToken : c.targetTokPerSec;
  let mean = 0;
  for (const x of v) mean += x;
  mean /= v.length;
  const b = v[best]!;
  if (objective === 'latency') return b > 0 ? mean / b - 1 : 0;
  return mean > 0 ? b / mean - 1 : 0;
}
