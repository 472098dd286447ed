/** A FIFO of target jobs that skips cancelled ones (cancelling a queued job only marks it). */
import type { TargetJob } from './target-job.js';

export class JobQueue {
  private items: TargetJob[] = [];
  private head = 0;
  live = 0;

  push(job: TargetJob) {
    this.items.push(job);
    this.live++;
  }

  /** Oldest job still queued, skipping cancelled ones. */
  peek(): TargetJob | undefined {
    while (this.head < this.items.length && this.items[this.head]!.state !== 'queued') this.head++;
    // Drop what was taken, or the jobs (and the sessions their callbacks hold) stay reachable.
    if (this.head === this.items.length) {
      if (this.head > 0) {
        this.items = [];
        this.head = 0;
      }
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return this.items[this.head];
  }

  /** Draft tokens of the jobs still queued. */
  drafts(): number {
    let n = 0;
    for (let i = this.head; i < this.items.length; i++)
      if (this.items[i]!.state === 'queued') n += this.items[i]!.drafts;
    return n;
  }

  /** Calls `fn` on every job still queued, oldest first. */
  forEach(fn: (job: TargetJob) => void): void {
    for (let i = this.head; i < this.items.length; i++)
      if (this.items[i]!.state === 'queued') fn(this.items[i]!);
  }

  shift(): TargetJob | undefined {
    const job = this.peek();
    if (job) {
      this.head++;
      this.live--;
    }
    return job;
  }
}
