/**
 * A session's window choice: the request's window policy fed with live features (window-measures.ts)
 * before each round, and, when the request asks for AWC under adaptive placement, where AWC wants the
 * session to run. DSD's AWC decides between distributed rounds (γ ≥ 2, drafter at the edge) and fused
 * mode (γ = 1, drafting and verification both at the target, no network per round); in the cluster a
 * mode switch moves the session (a handover) between an edge drafter and a verifier that drafts itself:
 *
 * - an edge session whose AWC chose γ = 1 or γ = 0 (a plain step: no speculation; held by AWC's own
 *   hysteresis) wants to run `fused`, where neither pays the edge link per round;
 * - a fused session runs AWC on the features it would see at the edge (the edge drafters' measured
 *   round trip to the pool: as in the simulator, where a session at the target keeps its link's round
 *   trip among its features) and wants to go back to the `edge` once AWC chooses γ ≥ 2; meanwhile it
 *   runs fused rounds (γ = 1), or plain steps while AWC chooses γ = 0 (a busy batching target).
 *
 * Policies that may choose γ = 0 (`awc`, `bandit`) run under per-round plans (the orchestrator's
 * `auto` mode with one task in flight: `plansRounds`); the others keep the orchestrator's window.
 *
 * The host decides whether a move is possible (a free fused host or drafter); the session never moves
 * before a minimum segment of output, so it does not ping-pong. Greedy output does not depend on any
 * of this: windows and hosts change only how fast the target's tokens come.
 */
import { performance } from 'node:perf_hooks';
import {
  type AwcWeights,
  createWindowPolicy,
  mayChoosePlainSteps,
  type RoundView,
  type WindowFeatures,
  type WindowPolicy,
  type WindowStats,
} from '@specmesh/core';
import type { BodyOf, HandoverTarget, Placement } from '@specmesh/protocol';
import { awcPlaces } from '../placement/placement.js';
import type { LiveWindowMeasures } from './window-measures.js';

type Start = BodyOf<'session.start'>;

/**
 * Consecutive decisions that must agree before the session asks to move. A move restarts the session
 * on another host, so a verdict that flips with one noisy round trip (a loaded machine, a burst of
 * other sessions) must not move it back and forth; AWC's own hysteresis holds only one decision.
 */
export const WISH_STREAK = 3;

export class SessionWindowControl {
  private readonly policy: WindowPolicy;
  /** The policy may choose γ = 0: the session runs per-round plans. */
  readonly plansRounds: boolean;
  /**
   * A fused session under AWC placement: its rounds are fused (γ = 1), and its policy is fed what the
   * edge would see, to tell when distributed rounds would pay again.
   */
  private readonly edgeView: boolean;
  private readonly placedAt: Placement['kind'];
  private readonly awc: boolean;
  private lastWindow: number;
  private edgeWindow: number | undefined;
  /** Consecutive decisions that wanted the session elsewhere (`wanted`). */
  private streak = 0;
  private wanted: HandoverTarget | undefined;

  constructor(
    start: Start,
    private readonly measures: LiveWindowMeasures,
    awcWeights?: AwcWeights,
    /** The target as the `auto` mode sees it now (round-planner.ts), for load-aware policies. */
    private readonly view?: () => RoundView,
  ) {
    const spec = {
      policy: start.window.policy,
      k: start.window.k,
      ...(awcWeights ? { weights: awcWeights } : {}),
    };
    this.policy = createWindowPolicy(spec);
    this.lastWindow = start.window.k;
    this.placedAt = start.placement?.kind ?? 'edge';
    this.awc = awcPlaces(start);
    this.edgeView = this.awc && this.placedAt === 'fused';
    this.plansRounds = mayChoosePlainSteps(spec.policy);
  }

  /** The load view as the edge would see it: the edge's round trip and its drafter's speed. */
  private edgeRound(view: RoundView, rttMs: number | undefined): RoundView {
    const draft = this.measures.edgeDraftMsPerToken();
    return {
      ...view,
      ...(rttMs !== undefined ? { rttMs } : {}),
      ...(draft !== undefined ? { draftMsPerToken: draft } : {}),
    };
  }

  /** What the policy is handed: the measured features, the load view, the clock, the last window. */
  private features(w: WindowStats, edgeView: boolean): WindowFeatures {
    const f = this.measures.features(w, edgeView);
    const view = this.view?.();
    return {
      ...f,
      // The orchestrator's statistics miss plain rounds (nothing to accept): the control knows.
      lastWindow: this.lastWindow,
      nowMs: performance.now(),
      committed: w.committed,
      ...(view ? { round: edgeView ? this.edgeRound(view, f.rttMs) : view } : {}),
    };
  }

  /**
   * The window of the next round (the orchestrator's `nextWindow`). A session AWC placed fused runs
   * DSD's fused mode, γ = 1 (one draft, verified next to it), while AWC at the edge would keep it so.
   */
  next(w: WindowStats): number {
    if (!this.edgeView) {
      this.lastWindow = this.policy.nextWindow(this.features(w, false));
      this.record();
      return this.lastWindow;
    }
    const f = this.features(w, true);
    // Without an edge round trip to judge by, AWC has nothing to say: DSD's fused mode.
    this.edgeWindow = f.rttMs !== undefined ? this.policy.nextWindow(f) : undefined;
    // At the target: a plain step where AWC says so, else fused rounds (also while it waits to move).
    this.lastWindow = this.edgeWindow === 0 ? 0 : 1;
    this.record();
    return this.lastWindow;
  }

  /**
   * Where AWC wants the session to run, when that is not where it runs and the last
   * {@link WISH_STREAK} decisions agreed; undefined otherwise.
   */
  wish(): HandoverTarget | undefined {
    return this.wanted !== undefined && this.streak >= WISH_STREAK ? this.wanted : undefined;
  }

  /** This decision's verdict on where the session should run (undefined: where it is). */
  private verdict(): HandoverTarget | undefined {
    if (!this.awc) return undefined;
    if (this.placedAt === 'edge' && this.lastWindow <= 1) return 'fused';
    if (this.placedAt === 'fused' && this.edgeWindow !== undefined && this.edgeWindow >= 2) return 'edge';
    return undefined;
  }

  private record(): void {
    const v = this.verdict();
    this.streak = v !== undefined && v === this.wanted ? this.streak + 1 : v !== undefined ? 1 : 0;
    this.wanted = v;
  }
}
