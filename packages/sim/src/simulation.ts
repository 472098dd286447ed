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
/** A callback that takes the argument it was scheduled with (`at`/`after`'s third argument). */
export type SimHandler<A> = (arg: A) => void;

export class Simulation {
  private readonly queue = new EventQueue<SimHandler<unknown>>();
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

  /**
   * Runs `fn` at virtual time `time` (not before now), with `arg` when given: hot paths pass one
   * long-lived handler and the event's object instead of allocating a closure per event.
   */
  at(time: number, fn: SimCallback): void;
  at<A>(time: number, fn: SimHandler<A>, arg: A): void;
  at(time: number, fn: SimHandler<never>, arg?: unknown): void {
    if (!(time >= this.clock)) throw new ConfigError(`event scheduled in the past: ${time} < ${this.clock}`);
    this.queue.push(time, fn as SimHandler<unknown>, arg);
  }

  /** Runs `fn` `delay` ms from now (with `arg`, as `at`). */
  after(delay: number, fn: SimCallback): void;
  after<A>(delay: number, fn: SimHandler<A>, arg: A): void;
  after(delay: number, fn: SimHandler<never>, arg?: unknown): void {
    if (!(this.clock + delay >= this.clock))
      throw new ConfigError(`event scheduled in the past: ${this.clock + delay} < ${this.clock}`);
    this.queue.push(this.clock + delay, fn as SimHandler<unknown>, arg);
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
      fn(q.lastArg);
    }
  }
}
