/**
 * Measures round trips from this actor to other instances over NATS (`ping` → `pong`), continuously
 * and cheaply: one ping per interval, to the peers in turn, each kept as a smoothed value (EWMA,
 * α = 1/8 as in TCP). The path is the one messages take (delay proxies, leaf nodes, routes), so the
 * figure is what a verification round pays on the network. A peer that does not answer within the
 * timeout counts as that timeout.
 *
 * @example
 *   const rtt = new RttMonitor(actor, () => view.alive({ role: 'verifier' }).map((m) => m.id)).start(500);
 *   rtt.medianMs(); // → 10.4 (undefined before the first answer)
 */
import type { Actor } from './actor.js';

export class RttMonitor {
  private readonly rtt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private turn = 0;
  private busy = false;

  constructor(
    private readonly actor: Actor,
    private readonly peers: () => readonly string[],
    private readonly timeoutMs = 2000,
  ) {}

  /** Pings one peer every `intervalMs`. */
  start(intervalMs: number): this {
    this.timer = setInterval(() => void this.pingNext(), intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Smoothed round trip to `peer`, ms. */
  rttMs(peer: string): number | undefined {
    return this.rtt.get(peer);
  }

  /** Median over the peers alive now, ms; undefined before any answer. */
  medianMs(): number | undefined {
    const live = new Set(this.peers());
    const values = [...this.rtt.entries()]
      .filter(([id]) => live.has(id))
      .map(([, v]) => v)
      .sort((a, b) => a - b);
    if (values.length === 0) return undefined;
    const mid = values.length >> 1;
    return values.length % 2 ? values[mid] : (values[mid - 1]! + values[mid]!) / 2;
  }

  /** Pings the next peer once (the interval calls this; tests may too). */
  async pingNext(): Promise<void> {
    const peers = this.peers();
    if (this.busy || peers.length === 0 || this.actor.status !== 'running') return;
    this.busy = true;
    const peer = peers[this.turn++ % peers.length]!;
    const started = performance.now();
    let sample: number;
    try {
      await this.actor.request(
        this.actor.subjects.ping(peer),
        'ping',
        {},
        { expect: 'pong', timeoutMs: this.timeoutMs },
      );
      sample = performance.now() - started;
    } catch {
      sample = this.timeoutMs;
    } finally {
      this.busy = false;
    }
    const prev = this.rtt.get(peer);
    this.rtt.set(peer, prev === undefined ? sample : prev + (sample - prev) / 8);
  }
}
