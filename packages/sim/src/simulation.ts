/**
 * The discrete-event engine: a virtual clock and a future-event list of callbacks. Components schedule
 * work with `at` / `after`; `run` pops events in time order (ties in scheduling order) and advances the
 * clock to each. Nothing here knows about models or networks.
 *
 * @example
 *   const sim = new Simulation();
 *   sim.after(5, () => console.log(sim.now)); // 5
 *   sim.run();
 */
import { ConfigError } from '@specmesh/protocol';
import { EventQueue } from './event-queue.js';

export type SimCallback = () => void;

export class Simulation {
  private readonly queue = new EventQueue<SimCallback>();
  private clock = 0;
  private processed = 0;
  private stopped = false;

  /** Virtual time now, ms. */
  get now(): number {
    return this.clock;
  }

  /** Events run so far. */
  get events(): number {
    return this.processed;
  }

  /** Events waiting. */
  get pending(): number {
    return this.queue.size;
  }

  /** Runs `fn` at virtual time `time` (not before now). */
  at(time: number, fn: SimCallback): void {
    if (!(time >= this.clock)) throw new ConfigError(`event scheduled in the past: ${time} < ${this.clock}`);
    this.queue.push(time, fn);
  }

  /** Runs `fn` `delay` ms from now. */
  after(delay: number, fn: SimCallback): void {
    this.at(this.clock + delay, fn);
  }

  /** Makes `run` return after the current event. */
  stop(): void {
    this.stopped = true;
  }

  /** Runs events until none is left, `stop()` is called, or the next one lies after `until`. */
  run(until = Number.POSITIVE_INFINITY): void {
    this.stopped = false;
    const q = this.queue;
    while (!this.stopped && q.size > 0 && q.peekTime() <= until) {
      const fn = q.pop()!;
      this.clock = q.lastTime;
      this.processed++;
      fn();
    }
  }
}
