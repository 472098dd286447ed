/**
 * Routes verification jobs to targets.
 *
 * - `jsq-sticky` (DSD): a request's first job goes to the target with the fewest jobs waiting or
 *   running (lowest index on ties); its later jobs follow it there, where its cache is.
 * - `shared-queue` (DSI single node): one FIFO for the pool; a target takes the next job when it has a
 *   free slot and nothing queued, lowest index first, like a thread pool of target servers.
 * - `batcher` (specmesh's batcher, actors/batcher/pick-verifier.ts): like `jsq-sticky`, but a job of a
 *   session that already has a job queued or running on its target (DSI's parallel tasks) goes to an
 *   idle target (nothing queued or running; lowest index) when there is one, and the session follows
 *   the target of its last finished job. The batcher's slack (leave a sticky verifier loaded far
 *   above the others) is not modelled: with slots 1 it is 8 tasks, more than a session keeps.
 *
 * While `hold()` is in effect (a session is turning one event into commands) shared-queue jobs only
 * queue; `resume()` hands them out, so cancels in the same step free servers first.
 */
import { ConfigError } from '@specmesh/protocol';
import type { TargetJob } from './target-job.js';
import type { TargetServer } from './target-server.js';

export type RoutingPolicy = 'jsq-sticky' | 'shared-queue' | 'batcher';

export class TargetRouter {
  readonly policy: RoutingPolicy;
  private readonly targets: readonly TargetServer[];
  private readonly sticky = new Map<number, TargetServer>();
  private readonly pool: TargetJob[] = [];
  /** `batcher`: per session, its jobs queued or running on each target. */
  private readonly live = new Map<number, Map<number, number>>();
  private poolHead = 0;
  private held = 0;

  constructor(policy: RoutingPolicy, targets: readonly TargetServer[]) {
    if (policy !== 'jsq-sticky' && policy !== 'shared-queue' && policy !== 'batcher')
      throw new ConfigError(`routing.targets must be jsq-sticky, shared-queue or batcher, got ${policy}`);
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

  /** The target a session sticks to, once it has one (`jsq-sticky`, `batcher`). */
  targetOf(sessionId: number): TargetServer | undefined {
    return this.sticky.get(sessionId);
  }

  submit(job: TargetJob): void {
    if (this.policy === 'shared-queue') {
      this.pool.push(job);
      if (this.held === 0) this.dispatch();
      return;
    }
    if (this.policy === 'batcher') {
      const t = this.pick(job.sessionId);
      this.track(job.sessionId, t.index, +1);
      t.submit(job);
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

  /** `batcher`: a job finished, and its session now sticks to where it ran (the batcher learns this
   * from the result). */
  done(job: TargetJob): void {
    if (this.policy !== 'batcher' || job.target < 0) return;
    this.track(job.sessionId, job.target, -1);
    this.sticky.set(job.sessionId, this.targets[job.target]!);
  }

  cancel(job: TargetJob): void {
    if (this.policy === 'batcher' && job.target >= 0 && (job.state === 'queued' || job.state === 'running'))
      this.track(job.sessionId, job.target, -1);
    if (job.target >= 0) this.targets[job.target]!.cancel(job);
    else job.state = 'cancelled'; // still in the pool queue: dispatch skips it
  }

  private pick(sessionId: number): TargetServer {
    const sticky = this.sticky.get(sessionId);
    const live = this.live.get(sessionId);
    if (sticky) {
      if (!live?.get(sticky.index)) return sticky;
      // A parallel job: an idle target runs it at once (and pays for the prefix it lacks); a busy one
      // would make it wait as well, so it queues behind its session on the sticky target instead.
      return this.targets.find((t) => t.load === 0 && !live.get(t.index)) ?? sticky;
    }
    // No result yet: the least loaded target not already busy with the session.
    const free = this.targets.filter((t) => !live?.get(t.index));
    let best: TargetServer | undefined;
    for (const c of free.length > 0 ? free : this.targets) if (!best || c.load < best.load) best = c;
    return best!;
  }

  private track(sessionId: number, target: number, delta: 1 | -1) {
    const m = this.live.get(sessionId) ?? new Map<number, number>();
    const n = (m.get(target) ?? 0) + delta;
    if (n > 0) m.set(target, n);
    else m.delete(target);
    if (m.size > 0) this.live.set(sessionId, m);
    else this.live.delete(sessionId);
  }

  /** The session ended: targets may drop its cache. */
  release(sessionId: number): void {
    if (this.policy === 'batcher') {
      this.sticky.delete(sessionId);
      for (const x of this.targets) x.release(sessionId);
      return;
    }
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
