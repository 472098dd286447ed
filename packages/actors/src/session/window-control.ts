/**
 * A session's window choice: the request's window policy fed with live features (window-measures.ts)
 * before each round, and, when the request asks for AWC under adaptive placement, where AWC wants the
 * session to run. DSD's AWC decides between distributed rounds (γ ≥ 2, drafter at the edge) and fused
 * mode (γ = 1, drafting and verification both at the target, no network per round); in the cluster a
 * mode switch moves the session (a handover) between an edge drafter and a verifier that drafts itself:
 *
 * - an edge session whose AWC chose γ = 1 (held by AWC's own hysteresis) wants to run `fused`;
 * - a fused session runs a second AWC on the features it would see at the edge (the edge drafters'
 *   measured round trip to the pool) and wants to go back to the `edge` once that one chooses γ ≥ 2.
 *
 * The host decides whether a move is possible (a free fused host or drafter); the session never moves
 * before a minimum segment of output, so it does not ping-pong. Greedy output does not depend on any
 * of this: windows and hosts change only how fast the target's tokens come.
 */
import { type AwcWeights, createWindowPolicy, type WindowPolicy, type WindowStats } from '@specmesh/core';
import type { BodyOf, HandoverTarget, Placement } from '@specmesh/protocol';
import { awcPlaces } from '../placement/placement.js';
import type { LiveWindowMeasures } from './window-measures.js';

type Start = BodyOf<'session.start'>;

export class SessionWindowControl {
  private readonly policy: WindowPolicy;
  /**
   * A fused session under AWC placement: its rounds are fused (γ = 1), and its policy is fed what the
   * edge would see, to tell when distributed rounds would pay again.
   */
  private readonly edgeView: boolean;
  private readonly placedAt: Placement['kind'];
  private readonly awc: boolean;
  private lastWindow: number;
  private edgeWindow: number | undefined;

  constructor(
    start: Start,
    private readonly measures: LiveWindowMeasures,
    awcWeights?: AwcWeights,
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
  }

  /**
   * The window of the next round (the orchestrator's `nextWindow`). A session AWC placed fused runs
   * DSD's fused mode, γ = 1 (one draft, verified next to it), while AWC at the edge would keep it so.
   */
  next(w: WindowStats): number {
    const f = this.measures.features(w, this.edgeView);
    if (!this.edgeView) this.lastWindow = this.policy.nextWindow(f);
    else {
      // Without an edge round trip to judge by, AWC has nothing to say about the edge.
      this.edgeWindow = f.rttMs !== undefined ? this.policy.nextWindow(f) : undefined;
      this.lastWindow = 1;
    }
    return this.lastWindow;
  }

  /** Where AWC wants the session to run, when that is not where it runs; undefined otherwise. */
  wish(): HandoverTarget | undefined {
    if (!this.awc) return undefined;
    if (this.placedAt === 'edge' && this.lastWindow === 1) return 'fused';
    if (this.placedAt === 'fused' && this.edgeWindow !== undefined && this.edgeWindow >= 2) return 'edge';
    return undefined;
  }
}
