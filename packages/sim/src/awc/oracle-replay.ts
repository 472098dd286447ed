/**
 * Runs of a labelling scenario: a base run that records the window decisions, and replays with a set
 * of decision points forced to one action. The simulator is deterministic for its seed, so a replay is
 * the base run up to its first forced point. At a forced point (request, decision index) the session
 * takes `action` for its next `horizonTokens` output tokens (every decision until it has committed
 * them), then returns to the behaviour policy.
 *
 * Recorded per point: the state the decision saw (time, target, AWC features, as core's feature source
 * computes them from the same `WindowFeatures` a live policy gets), when the client saw the horizon's
 * tokens, and every commit on the point's target after the decision (for the target-local throughput
 * and the time to first token of requests starting there). A replay stops once every point's horizon
 * is over: labelling needs only that stretch of the run.
 */
import { AWC_FEATURES, AwcFeatureSource, type AwcWeights } from '@specmesh/core';
import { runScenario } from '../run-scenario.js';
import type { Scenario } from '../scenario-schema.js';
import type { CommitSeen } from '../session-driver.js';
import type { WindowDecision } from './window-observation.js';

/** A decision as the base run took it. */
export interface BaseDecision {
  readonly requestId: number;
  readonly index: number;
  readonly at: number;
  readonly target: number;
  /** Shape `[AWC_FEATURES]`. */
  readonly features: Float64Array;
}

/** What a replay measured at one forced point. */
export interface PointMeasure {
  readonly at: number;
  readonly target: number;
  /** Shape `[AWC_FEATURES]`. */
  readonly features: Float64Array;
  /** When the client saw the end of the horizon (or the request's last token), ms. */
  horizonEnd: number;
  /** Output tokens the horizon held (fewer than asked when the request ended first). */
  horizonTokens: number;
  /** Commits on the point's target after the decision: request, seen time, tokens. */
  readonly commitRequests: number[];
  readonly commitTimes: number[];
  readonly commitTokens: number[];
  /** First tokens on the point's target after the decision: seen time, time to first token. */
  readonly firstTimes: number[];
  readonly firstTtfts: number[];
}

export interface ReplayOptions {
  /** The behaviour policy: the window of every decision that is not forced. */
  readonly behaviour: (d: WindowDecision, proposed: number) => number;
  /** Output tokens a forced action lasts. */
  readonly horizonTokens: number;
  /** Weights for a scenario whose policy is `awc`. */
  readonly awcWeights?: AwcWeights;
}

const key = (requestId: number, index: number) => requestId * 65536 + index;

function featuresOf(sources: Map<number, AwcFeatureSource>, d: WindowDecision): Float64Array {
  let src = sources.get(d.requestId);
  if (!src) {
    src = new AwcFeatureSource();
    sources.set(d.requestId, src);
  }
  return src.observe(d.features, new Float64Array(AWC_FEATURES));
}

/** Runs `s` following the behaviour policy until `untilMs`; returns every decision taken by then. */
export function recordDecisions(s: Scenario, o: ReplayOptions, untilMs: number): BaseDecision[] {
  const sources = new Map<number, AwcFeatureSource>();
  const out: BaseDecision[] = [];
  let now = 0;
  runScenario(s, {
    ...(o.awcWeights ? { awcWeights: o.awcWeights } : {}),
    windowOverride: (d, proposed) => {
      now = d.at;
      out.push({
        requestId: d.requestId,
        index: d.index,
        at: d.at,
        target: d.target,
        features: featuresOf(sources, d),
      });
      return o.behaviour(d, proposed);
    },
    onCommit: (c) => {
      now = c.at;
    },
    onRequest: (r) => sources.delete(r.id),
    stopWhen: () => now > untilMs,
  });
  return out;
}

interface Forcing {
  readonly measure: PointMeasure;
  readonly committedAtDecision: number;
  /** Output tokens committed when the horizon ends; known once the decision's own commit is seen. */
  untilCommitted: number;
  /**
   * The verification that triggered the decision commits its tokens right after it, in the same
   * step: those tokens were decided before the point and are not the action's.
   */
  skipNext: boolean;
  seen: number;
  done: boolean;
}

/**
 * Runs `s` with `points` (from the base run, all decided by `lastPointAt`) forced to `action`;
 * returns a measure per point reached, by position in `points`.
 */
export function replayForced(
  s: Scenario,
  points: readonly BaseDecision[],
  action: number,
  o: ReplayOptions,
): Array<PointMeasure | undefined> {
  const index = new Map<number, number>();
  let lastPointAt = 0;
  points.forEach((p, i) => {
    index.set(key(p.requestId, p.index), i);
    lastPointAt = Math.max(lastPointAt, p.at);
  });
  const measures: Array<PointMeasure | undefined> = new Array(points.length).fill(undefined);
  const sources = new Map<number, AwcFeatureSource>();
  const forcing = new Map<number, Forcing>();
  const byTarget = new Map<number, PointMeasure[]>();
  let now = 0;
  let pending = 0;
  let lastHorizonEnd = 0;

  const windowOverride = (d: WindowDecision, proposed: number): number => {
    now = d.at;
    const features = featuresOf(sources, d);
    const f = forcing.get(d.requestId);
    if (f && !f.done) {
      if (!(d.committed >= f.untilCommitted)) return action;
      finish(f);
    }
    const i = index.get(key(d.requestId, d.index));
    if (i === undefined) return o.behaviour(d, proposed);
    const m: PointMeasure = {
      at: d.at,
      target: d.target,
      features,
      horizonEnd: Number.NaN,
      horizonTokens: 0,
      commitRequests: [],
      commitTimes: [],
      commitTokens: [],
      firstTimes: [],
      firstTtfts: [],
    };
    measures[i] = m;
    pending++;
    forcing.set(d.requestId, {
      measure: m,
      committedAtDecision: d.committed,
      untilCommitted: Number.NaN,
      skipNext: true,
      seen: 0,
      done: false,
    });
    const list = byTarget.get(d.target) ?? [];
    list.push(m);
    byTarget.set(d.target, list);
    return action;
  };

  const finish = (f: Forcing) => {
    if (f.done) return;
    f.done = true;
    pending--;
    if (f.measure.horizonEnd > lastHorizonEnd) lastHorizonEnd = f.measure.horizonEnd;
  };

  const onCommit = (c: CommitSeen) => {
    now = c.at;
    const f = forcing.get(c.requestId);
    if (f?.skipNext) {
      f.skipNext = false;
      f.untilCommitted = f.committedAtDecision + c.tokens + o.horizonTokens;
    } else if (f && !f.done) {
      f.seen += c.tokens;
      const m = f.measure;
      m.horizonEnd = Number.isNaN(m.horizonEnd) ? c.seenAt : Math.max(m.horizonEnd, c.seenAt);
      m.horizonTokens = f.seen;
      if (f.seen >= o.horizonTokens) finish(f);
    }
    // The decision's own commit (kept out of the horizon above) is the same in every replay; it
    // counts for the target like any other.
    const list = byTarget.get(c.target);
    if (!list) return;
    for (const m of list) {
      if (c.seenAt < m.at) continue;
      m.commitRequests.push(c.requestId);
      m.commitTimes.push(c.seenAt);
      m.commitTokens.push(c.tokens);
      if (c.first) {
        m.firstTimes.push(c.seenAt);
        m.firstTtfts.push(c.seenAt - c.arrivedAt);
      }
    }
  };

  runScenario(s, {
    ...(o.awcWeights ? { awcWeights: o.awcWeights } : {}),
    windowOverride,
    onCommit,
    onRequest: (r) => {
      sources.delete(r.id);
      const f = forcing.get(r.id);
      if (f) finish(f);
    },
    // Every point has had its chance, every horizon is over, and every commit the client can see
    // before the last horizon ended has been made.
    stopWhen: () => now > lastPointAt && pending === 0 && now >= lastHorizonEnd,
  });
  return measures;
}
