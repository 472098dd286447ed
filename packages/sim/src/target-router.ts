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
 *
 * Load-aware DSI (`submitParallel`, for `auto` sessions and batching targets): a session's parallel
 * task (another of its tasks is in flight) goes only to a target that runs it at once
 * (`TargetServer.runsAtOnce`) and holds no other task of the session (its own sticky target, busy
 * with it, does not qualify), the least loaded first, lowest index on ties; with none, it is
 * declined and the session lowers its SP degree. The `freeTargets` a session's round choice sees
 * count targets by the same room test, without the session test (heartbeats do not tell a session's
 * own tasks from others').
 */
import { ConfigError } from '@specmesh/protocol';
import { LeastLoadTree } from './least-load-tree.js';
import type { TargetJob } from './target-job.js';
import type { TargetServer } from './target-server.js';

export type RoutingPolicy = 'jsq-sticky' | 'shared-queue' | 'batcher';

export class TargetRouter {
  readonly policy: RoutingPolicy;
  private readonly targets: readonly TargetServer[];
  private readonly sticky = new Map<number, TargetServer>();
  private readonly pool: TargetJob[] = [];
  /** Per session, its jobs queued or running on each target (`batcher`, load-aware `jsq-sticky`). */
  private readonly live = new Map<number, Map<number, number>>();
  private readonly tracks: boolean;
  /** The targets' loads, for the least loaded one without a scan. */
  private readonly loads: LeastLoadTree;
  /** Per session, the targets it sent jobs to (they may hold its cache until it ends). */
  private readonly visited = new Map<number, TargetServer[]>();
  private poolHead = 0;
  private held = 0;

  /**
   * `loadAware`: sessions send parallel tasks through `submitParallel`, so `jsq-sticky` too keeps
   * track of where each session's tasks are (`batcher` always does). Defaults to false.
   */
  constructor(policy: RoutingPolicy, targets: readonly TargetServer[], loadAware = false) {
    if (policy !== 'jsq-sticky' && policy !== 'shared-queue' && policy !== 'batcher')
      throw new ConfigError(`routing.targets must be jsq-sticky, shared-queue or batcher, got ${policy}`);
    this.policy = policy;
    this.targets = targets;
    this.tracks = policy === 'batcher' || (policy === 'jsq-sticky' && loadAware);
    if (policy === 'shared-queue') for (const t of targets) t.onIdle = () => this.dispatch();
    const loads = new LeastLoadTree(targets.length);
    for (const t of targets) {
      loads.set(t.index, t.load);
      t.onLoad = (x) => loads.set(x.index, x.load);
    }
    this.loads = loads;
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

  /** The target a session's next (non-parallel) job goes to: where it sticks, else the JSQ choice. */
  targetFor(sessionId: number): TargetServer {
    const t = this.sticky.get(sessionId);
    if (t && this.policy === 'jsq-sticky') return t;
    if (this.policy === 'batcher') return this.pick(sessionId);
    return t ?? this.leastLoaded();
  }

  /** The target with the fewest jobs waiting or running, lowest index on ties. */
  private leastLoaded(): TargetServer {
    return this.targets[this.loads.least()]!;
  }

  /** Hands `job` to `t`, remembering that the session's cache may now be there. */
  private send(t: TargetServer, job: TargetJob): void {
    const seen = this.visited.get(job.sessionId);
    if (!seen) this.visited.set(job.sessionId, [t]);
    else if (!seen.includes(t)) seen.push(t);
    t.submit(job);
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
      this.send(t, job);
      return;
    }
    let t = this.sticky.get(job.sessionId);
    if (!t) {
      t = this.leastLoaded();
      this.sticky.set(job.sessionId, t);
    }
    if (this.tracks) this.track(job.sessionId, t.index, +1);
    this.send(t, job);
  }

  /**
   * Targets other than `except` that would run a parallel task of the session at once, the task
   * making target `t` evaluate `positions(t)` tokens (more where it does not hold the session: the
   * whole prefix); `ownTasks`: the session's view of the targets free for it, where a target holding
   * a task of the session counts as its heartbeat shows it, and a target that runs each task alone
   * counts when every job there is the session's own (as the cluster's sessions count those,
   * actors/src/placement/target-capacity.ts `poolView`: they run tasks among its tasks in flight).
   */
  freeFor(
    sessionId: number,
    positions: number | ((t: TargetServer) => number),
    except?: TargetServer,
    ownTasks = false,
  ): TargetServer[] {
    const live = this.live.get(sessionId);
    const on = typeof positions === 'number' ? () => positions : positions;
    return this.targets.filter((t) => {
      if (t === except) return false;
      const mine = live?.get(t.index) ?? 0;
      if (!ownTasks) return mine === 0 && t.runsAtOnce(on(t), sessionId);
      return t.runsAtOnce(on(t), sessionId) || (!t.batchCost && mine > 0 && mine === t.load);
    });
  }

  /**
   * Targets other than `except` a round of the session may plan on: those {@link freeFor} names, and
   * those whose passes hold no other session's work (a parallel task the session just cancelled keeps
   * a batching target's pass running to its end, and its own task in flight keeps it busy). A round's
   * plan takes them; its parallel tasks still go out, task by task, only where {@link freeFor} says.
   */
  plannableFor(
    sessionId: number,
    positions: number | ((t: TargetServer) => number),
    except?: TargetServer,
  ): TargetServer[] {
    const free = new Set(this.freeFor(sessionId, positions, except, true));
    return this.targets.filter(
      (t) => t !== except && (free.has(t) || (t.batchCost !== undefined && t.sessions(sessionId) === 0)),
    );
  }

  /**
   * Load-aware DSI: sends a parallel task of `positions` to a target that runs it at once, and
   * returns false (declined, nothing sent) when there is none. A shared queue takes it as any job.
   */
  submitParallel(job: TargetJob, positions: number | ((t: TargetServer) => number)): boolean {
    if (this.policy === 'shared-queue') {
      this.submit(job);
      return true;
    }
    let best: TargetServer | undefined;
    for (const t of this.freeFor(job.sessionId, positions)) if (!best || t.load < best.load) best = t;
    if (!best) return false;
    if (this.tracks) this.track(job.sessionId, best.index, +1);
    this.send(best, job);
    return true;
  }

  /** A job finished: `batcher` sessions now stick to where it ran (the batcher learns this from the
   * result). */
  done(job: TargetJob): void {
    if (!this.tracks || job.target < 0) return;
    this.track(job.sessionId, job.target, -1);
    if (this.policy === 'batcher') this.sticky.set(job.sessionId, this.targets[job.target]!);
  }

  cancel(job: TargetJob): void {
    if (this.tracks && job.target >= 0 && (job.state === 'queued' || job.state === 'running'))
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

  /** The session ended: targets may drop its cache (parallel tasks may have left it on several). */
  release(sessionId: number): void {
    this.sticky.delete(sessionId);
    this.live.delete(sessionId);
    const seen = this.visited.get(sessionId);
    if (!seen) return;
    this.visited.delete(sessionId);
    for (const x of seen) x.release(sessionId);
  }

  hold(): void {
    this.held++;
  }

  resume(): void {
    if (--this.held === 0) this.dispatch();
  }

  private dispatch() {
    if (this.held > 0 || this.poolHead === this.pool.length) return;
    for (const t of this.targets) {
      while (t.idle && this.poolHead < this.pool.length) {
        const job = this.pool[this.poolHead++]!;
        if (job.state === 'queued') this.send(t, job);
      }
    }
    if (this.poolHead === this.pool.length) {
      this.pool.length = 0;
      this.poolHead = 0;
    } else if (this.poolHead > 1024 && this.poolHead * 2 > this.pool.length) {
      this.pool.splice(0, this.poolHead);
      this.poolHead = 0;
    }
  }
}
