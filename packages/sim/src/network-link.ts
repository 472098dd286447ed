/**
 * A network path between a drafter and the targets, one way: a base latency and a relative jitter
 * (uniform ±`jitter`), drawn per message from the link's own random stream. Messages may overtake each
 * other when jitter is large; the orchestration state machine tolerates reordering by design.
 */
import { ConfigError } from '@specmesh/protocol';
import type { SimRandom } from './sim-random.js';

export class NetworkLink {
  readonly oneWayMs: number;
  readonly jitter: number;
  private readonly rng: SimRandom;

  constructor(oneWayMs: number, jitter: number, rng: SimRandom) {
    if (!(oneWayMs >= 0)) throw new ConfigError(`link oneWayMs must be >= 0, got ${oneWayMs}`);
    if (!(jitter >= 0 && jitter < 1)) throw new ConfigError(`link jitter must be in [0, 1), got ${jitter}`);
    this.oneWayMs = oneWayMs;
    this.jitter = jitter;
    this.rng = rng;
  }

  /** Delay of the next message, ms. */
  delay(): number {
    if (this.oneWayMs === 0) return 0;
    if (this.jitter === 0) return this.oneWayMs;
    return this.oneWayMs * (1 + this.jitter * (2 * this.rng.float() - 1));
  }
}
