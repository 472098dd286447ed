/**
 * What a live session hands its window policy (`WindowFeatures`): the record the simulator fills
 * (packages/sim/src/awc/window-observation.ts), here from the session's own measurements and its
 * host's view of the pool's heartbeats, so a policy trained in the simulator (AWC) sees in the
 * cluster the figures it was trained on.
 *
 * | field | live source |
 * |---|---|
 * | queueUtil | tasks waiting for a slot / slots, at the verifier that answered last (its heartbeat); across the pool before an answer |
 * | pendingVerifyTokens | draft tokens of those waiting tasks (heartbeat meta `queuedDrafts`) |
 * | rttMs | the last answer's send → receive time minus the verifier's reported queue and compute time; before one, the host's figure (pings) |
 * | tpotMs | the last answer's compute time: the target step that verified the round |
 * | drafterCapability | tpot / (tpot + the session's draft time per token), 1 before both are measured; in the edge view the edge drafter's reported draft time |
 * | acceptance, lastAcceptance, lastWindow | the orchestrator's window statistics |
 * | contextTokens | prompt length |
 */
import { performance } from 'node:perf_hooks';
import type { WindowFeatures, WindowStats } from '@specmesh/core';
import { ACTIVE_WINDOW_MS, type PoolView } from '../placement/target-capacity.js';

/** Queue figures of a verifier, or of the pool when none is named (from heartbeats). */
export interface QueueFigures {
  /** Tasks waiting for a slot over slots. */
  readonly queueUtil: number;
  /** Draft tokens of the waiting tasks. */
  readonly pendingVerifyTokens: number;
}

/** What a session's host knows around it; the session asks at each window decision. */
export interface HostSurroundings {
  /** Queue figures of `verifierId` (undefined: of the pool), from heartbeats. */
  queue(pool: string, verifierId: string | undefined): QueueFigures;
  /**
   * Round trip from an edge drafter to the pool, ms: on a drafter its own pings; on a verifier the
   * figure the best free drafter reports. Undefined when unknown.
   */
  edgeRttMs(): number | undefined;
  /**
   * Told each round trip a session measured on the network (the answer's time minus the verifier's):
   * a drafter reports their average in its heartbeat, so the scheduler's first AWC decision sees the
   * round trip its sessions will see (a ping misses the batcher hop and the hosts' own delays).
   */
  roundTrip?(ms: number): void;
  /**
   * Told each draft speed a session measured (ms per token): a drafter reports their average in its
   * heartbeat (`draftMsPerToken`), so a fused session judging the edge sees the edge drafter's speed,
   * not its own host's draft model (much faster, beside the target).
   */
  drafted?(msPerToken: number): void;
  /** The draft speed of the edge drafter `edgeRttMs` describes, ms per token; undefined when unknown. */
  edgeDraftMsPerToken?(): number | undefined;
  /**
   * The pool as the session's next round would meet it, from heartbeats: the target that served it
   * last (`verifierId`) with its load and cost, and how many targets would run a parallel task of
   * `positions` at once. `measuredStepMs` is the session's own last verification time.
   */
  pool?(
    pool: string,
    verifierId: string | undefined,
    positions: number,
    measuredStepMs: number | undefined,
    servedBy: ReadonlySet<string>,
    /** The session's verify tasks in flight. */
    inFlight: number,
  ): PoolView;
  /** The host verifies its sessions in-process (a verifier): rounds cross no network. */
  readonly local?: boolean;
}

/** The session's own latest measurements (undefined until measured). */
export interface SessionMeasurements {
  readonly rttMs: number | undefined;
  readonly tpotMs: number | undefined;
  readonly draftMsPerToken: number | undefined;
  readonly verifierId: string | undefined;
  /** Verifiers that answered the session in the last second (they count it among their sessions). */
  readonly servedBy: ReadonlySet<string>;
  /**
   * Other sessions `verifierId` served as its last verdict for this session left (protocol 2.4;
   * undefined from an older verifier): fresher than its heartbeat.
   */
  readonly otherSessions: number | undefined;
}

/** One answered task, as the session measured it. */
export interface AnswerTiming {
  /** Send → receive, ms. */
  readonly roundTripMs: number;
  /** What the verifier reports: waiting for a slot and computing, ms. */
  readonly queueMs: number;
  readonly computeMs: number;
  readonly verifierId: string;
  /** Other sessions the verifier served as the answer left, when it says. */
  readonly otherSessions?: number;
}

/** The session's own measurements and the feature record built from them. */
export class LiveWindowMeasures {
  private rttMs: number | undefined;
  private tpotMs: number | undefined;
  private draftMsPerToken: number | undefined;
  private verifierId: string | undefined;
  private otherSessions: number | undefined;
  private readonly answeredAt = new Map<string, number>();

  constructor(
    private readonly pool: string,
    private readonly promptTokens: number,
    private readonly around: HostSurroundings | undefined,
  ) {}

  /** Records an answered task. */
  answered(t: AnswerTiming): void {
    this.rttMs = Math.max(0, t.roundTripMs - t.queueMs - t.computeMs);
    this.around?.roundTrip?.(this.rttMs);
    this.tpotMs = t.computeMs;
    this.verifierId = t.verifierId;
    this.otherSessions = t.otherSessions;
    this.answeredAt.set(t.verifierId, performance.now());
  }

  /** Records a draft of `tokens` tokens that took `ms` (an exponential average, so one slow call does not swing it). */
  drafted(ms: number, tokens: number): void {
    if (tokens <= 0) return;
    const perToken = ms / tokens;
    this.around?.drafted?.(perToken);
    this.draftMsPerToken =
      this.draftMsPerToken === undefined ? perToken : 0.7 * this.draftMsPerToken + 0.3 * perToken;
  }

  /** The edge drafter's draft speed as the host knows it (a fused session's edge view), ms per token. */
  edgeDraftMsPerToken(): number | undefined {
    return this.around?.edgeDraftMsPerToken?.();
  }

  /** The latest measurements, for the `auto` mode's round plan. */
  current(): SessionMeasurements {
    const now = performance.now();
    const servedBy = new Set<string>();
    for (const [id, at] of this.answeredAt) {
      if (now - at <= ACTIVE_WINDOW_MS) servedBy.add(id);
      else this.answeredAt.delete(id);
    }
    return {
      servedBy,
      rttMs: this.rttMs,
      tpotMs: this.tpotMs,
      draftMsPerToken: this.draftMsPerToken,
      verifierId: this.verifierId,
      otherSessions: this.otherSessions,
    };
  }

  /**
   * The features of a decision. `edgeView` replaces the measured round trip and draft speed by the
   * host's edge figures: what the session would see if it ran at the edge (a fused session asking
   * whether to go back).
   */
  features(w: WindowStats, edgeView = false): WindowFeatures {
    const q = this.around?.queue(this.pool, this.verifierId) ?? { queueUtil: 0, pendingVerifyTokens: 0 };
    const edgeRtt = this.around?.edgeRttMs();
    const rttMs = edgeView ? edgeRtt : (this.rttMs ?? edgeRtt);
    const tpot = this.tpotMs;
    const draft = edgeView
      ? (this.around?.edgeDraftMsPerToken?.() ?? this.draftMsPerToken)
      : this.draftMsPerToken;
    return {
      acceptance: w.acceptance,
      lastAcceptance: w.lastLength > 0 ? w.lastAccepted / w.lastLength : 1,
      lastWindow: w.lastWindow,
      queueUtil: q.queueUtil,
      pendingVerifyTokens: q.pendingVerifyTokens,
      ...(rttMs !== undefined ? { rttMs } : {}),
      ...(tpot !== undefined ? { tpotMs: tpot } : {}),
      drafterCapability:
        tpot !== undefined && draft !== undefined && tpot + draft > 0 ? tpot / (tpot + draft) : 1,
      contextTokens: this.promptTokens,
    };
  }
}
