/**
 * Routes verification jobs to targets.
 *
 * - `jsq-sticky` (DSD): a request's first job goes to the target with the fewest jobs waiting or
 *   running (lowest index on ties); its later jobs follow it there, where its cache is.
 * - `shared-queue` (DSI single node): one FIFO for the pool; a target takes the next job when it has a
 *   free slot and nothing queued, lowest index first, like a thread pool of target servers.
 *
 * While `hold()` is in effect (a session is turning one event into commands) shared-queue jobs only
 * queue; `resume()` hands them out, so cancels in the same step free servers first.
 */
import { ConfigError } from '@specmesh/protocol';
import type { TargetJob } from './target-job.js';
import type { TargetServer } from './target-server.js';

export type RoutingPolicy = 'jsq-sticky' | 'shared-queue';

export class TargetRouter {
  readonly policy: RoutingPolicy;
  private readonly targets: readonly TargetServer[];
  private readonly sticky = new Map<number, TargetServer>();
  private readonly pool: TargetJob[] = [];
  private poolHead = 0;
  private held = 0;

  constructor(policy: RoutingPolicy, targets: readonly TargetServer[]) {
    if (policy !== 'jsq-sticky' && policy !== 'shared-queue')
      throw new ConfigError(`routing.targets must be jsq-sticky or shared-queue, got ${policy}`);
    this.policy = policy;
    this.targets = targets;
    if (policy === 'shared-queue') for (const t of targets) t.onIdle = () => this.dispatch();
  }

  /** Jobs waiting in the shared pool queue. */
  get poolQueued(): number {
    let n = 0;
    for (let i = this.poolHead; i < this.pool.length; i++) if (this.pool[i]!.state === 'queued') n++;
    return n;
  }

  submit(job: TargetJob): void {
    if (this.policy === 'shared-queue') {
      this.pool.push(job);
      if (this.held === 0) this.dispatch();
      return;
    }
    let t = this.sticky.get(job.sessionId);
    if (!t) {
      t = this.targets[0]!;
      for (const c of this.targets) if (c.load < t.load) t = c;
      this.sticky.set(job.sessionId, t);
    }
    t.submit(job);
  }

  cancel(job: TargetJob): void {
    if (job.target >= 0) this.targets[job.target]!.cancel(job);
    else job.state = 'cancelled'; // still in the pool queue: dispatch skips it
  }

  /** The session ended: targets may drop its cache. */
  release(sessionId: number): void {
    const t = this.sticky.get(sessionId);
    this.sticky.delete(sessionId);
    if (t) t.release(sessionId);
    else if (this.policy === 'shared-queue') for (const x of this.targets) x.release(sessionId);
  }

  hold(): void {
    this.held++;
  }

  resume(): void {
    if (--this.held === 0) this.dispatch();
  }

  private dispatch() {
    if (this.held > 0) return;
    for (const t of this.targets) {
      while (t.idle && this.poolHead < this.pool.length) {
        const job = this.pool[this.poolHead++]!;
        if (job.state === 'queued') t.submit(job);
      }
    }
    if (this.poolHead > 1024 && this.poolHead * 2 > this.pool.length) {
      this.pool.splice(0, this.poolHead);
      this.poolHead = 0;
    }
  }
}
