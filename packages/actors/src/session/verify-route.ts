/**
 * Where a session sends each verify task: through its pool's batcher, or straight to a verifier
 * (`direct.<verifier>.<host>`, protocol 2.1).
 *
 * A round through the batcher crosses two hops (host → batcher → verifier) and may wait a batching
 * window; a direct one crosses one. The batcher stays the control plane: it places a session's first
 * task and every task after a loss, and it moves a session off a verifier that is full. So a
 * sequential task goes direct only while the session holds a *lease*: the verifier that answered its
 * last sequential task (it holds the session's context) is alive, takes direct tasks and has a free
 * slot (see direct-target.ts). A direct task that is lost (timeout, failure) ends the lease; the next
 * task goes through the batcher, which places it anew.
 *
 * A DSI parallel task goes direct too, to a verifier running none of the session's tasks, which runs
 * it only if it starts at once and declines it otherwise. Only that verifier knows its load at this
 * moment: a heartbeat is up to an interval old, and neither it nor the batcher knows when the
 * session's direct tasks came back, so judged from them a verifier the session had just left looked
 * busy and a third of the parallel tasks of a lone DSI session were declined. With no such verifier
 * the task goes through the batcher, which may know better.
 *
 * When the batcher itself stops answering (a task sent through it timed out and none sent through it
 * came back since), or the pool has no live batcher at all (heartbeats), the session sends its tasks,
 * parallel ones included, to a verifier of its own choosing, lease or not: a stopped or restarting
 * batcher then costs at most a round's timeout, not the whole outage, and new sessions start without it.
 */
import type { Member } from '@specmesh/runtime';
import { directTarget, parallelTarget } from '../placement/direct-target.js';

export class VerifyRoute {
  /** Verifier that answered the session's last sequential task. */
  private lease: string | undefined;
  /** A task sent through the batcher timed out, and none sent through it came back since. */
  private batcherSilent = false;
  /** Verifiers that lost a direct task of the session: not chosen again until one answers. */
  private readonly lost = new Set<string>();
  /** The verifier each direct task in flight went to (absent: through the batcher). */
  private readonly via = new Map<string, string>();
  /** Tasks in flight through the batcher (their verifier unknown until they are answered). */
  private readonly viaBatcher = new Set<string>();
  /** Turns among equally loaded verifiers for parallel tasks. */
  private rotation = 0;

  /**
   * @param enabled sessions may send tasks directly (the host's `directVerify` option).
   * @param verifiers the pool's live verifiers, from heartbeats.
   * @param batcherAlive whether the pool has a live batcher, from heartbeats.
   */
  constructor(
    private readonly enabled: boolean,
    private readonly verifiers: () => readonly Member[],
    private readonly batcherAlive: () => boolean = () => true,
  ) {}

  /** The verifier holding the session's lease (it answered its last sequential task), if any. */
  get leaseHolder(): string | undefined {
    return this.lease;
  }

  /** The verifier task `taskId` goes to directly, or undefined for the batcher; remembers the choice. */
  choose(taskId: string, parallel: boolean): string | undefined {
    const to = this.enabled ? this.target(parallel) : undefined;
    if (to !== undefined) this.via.set(taskId, to);
    else this.viaBatcher.add(taskId);
    return to;
  }

  private target(parallel: boolean): string | undefined {
    const noBatcher = this.batcherSilent || !this.batcherAlive();
    if (parallel)
      return (
        parallelTarget(this.verifiers(), this.busyWithSession(), this.rotation++) ??
        (noBatcher ? directTarget(this.verifiers(), undefined, true, this.lost) : undefined)
      );
    const lease = this.lease !== undefined && !this.lost.has(this.lease) ? this.lease : undefined;
    if (lease === undefined && !noBatcher) return undefined;
    return directTarget(this.verifiers(), lease, noBatcher, this.lost);
  }

  /**
   * Verifiers a parallel task of the session would wait at (its tasks run there in order) or that lost
   * one: those running its direct tasks, and the lease holder while a task through the batcher is in
   * flight (the batcher keeps a session on the verifier holding it).
   */
  private busyWithSession(): Set<string> {
    const busy = new Set([...this.lost, ...this.via.values()]);
    if (this.viaBatcher.size > 0 && this.lease !== undefined) busy.add(this.lease);
    return busy;
  }

  /** Task `taskId` was answered by `verifierId`. */
  answered(taskId: string, verifierId: string, parallel: boolean): void {
    if (!this.via.delete(taskId)) this.batcherSilent = false;
    this.viaBatcher.delete(taskId);
    this.lost.delete(verifierId);
    if (!parallel) this.lease = verifierId;
  }

  /**
   * Task `taskId` was lost: it timed out (`timedOut`), or its verifier or the batcher answered with a
   * failure. A lost direct task ends its verifier's lease; a batcher that lets a task time out is
   * taken as silent until a task through it comes back.
   */
  failed(taskId: string, timedOut: boolean): void {
    const to = this.via.get(taskId);
    this.via.delete(taskId);
    this.viaBatcher.delete(taskId);
    if (to !== undefined) {
      this.lost.add(to);
      if (this.lease === to) this.lease = undefined;
    } else if (timedOut) {
      this.batcherSilent = true;
    } else {
      // A failure from the batcher: it answers.
      this.batcherSilent = false;
    }
  }

  /** A task was dropped without an answer (preempted), or declined for want of room: nothing learned. */
  forget(taskId: string): void {
    this.via.delete(taskId);
    this.viaBatcher.delete(taskId);
  }

  /** Verifiers running a task of the session sent directly, which the batcher cannot see. */
  directlyOn(): string[] {
    return [...new Set(this.via.values())];
  }

  /** Whether task `taskId` went directly (for traces and counts). */
  isDirect(taskId: string): boolean {
    return this.via.has(taskId);
  }
}
