/**
 * Runs one session's pre-draft requests (core's `predraft` commands, SSD) on the drafter instances
 * lent to pre-drafting: a {@link DrafterServer} of their own, beside the session's main drafter,
 * which they therefore never delay. A `drop-predrafts` command stops a running request at once (its
 * instance frees) and ignores a finished one's result.
 *
 * Accounts the pre-drafters' time: all of it, and the part spent on requests dropped (branches never
 * used: the orchestrator names exactly those).
 */
import { type OrchestratorEvent, oracleDrafts, type TokenOracle } from '@specmesh/core';
import type { DrafterServer, DraftJob } from './drafter-server.js';
import type { Simulation } from './simulation.js';

export class PredraftRunner {
  /** Pre-drafter time spent, and the part spent on branches never used, ms. */
  busyMs = 0;
  unusedMs = 0;
  private readonly jobs = new Map<string, DraftJob>();

  constructor(
    private readonly sim: Simulation,
    private readonly server: DrafterServer,
    private readonly sessionId: number,
    private readonly oracle: TokenOracle,
    private readonly runnerUps: number,
  ) {}

  /** Drafts `n` tokens after `prefix`; `deliver` gets the `predrafted` event unless it is dropped. */
  predraft(id: string, prefix: Uint32Array, n: number, deliver: (e: OrchestratorEvent) => void): void {
    const tokens = oracleDrafts(this.oracle, prefix, n, this.runnerUps);
    const job = this.server.draft(this.sessionId, n, () => {
      this.busyMs += job.cost;
      deliver({ type: 'predrafted', id, tokens });
    });
    this.jobs.set(id, job);
  }

  drop(ids: readonly string[]): void {
    for (const id of ids) {
      const job = this.jobs.get(id);
      if (!job) continue;
      this.jobs.delete(id);
      if (job.state === 'done') this.unusedMs += job.cost;
      else if (job.state === 'running') {
        const spent = this.sim.now - job.startedAt;
        this.busyMs += spent;
        this.unusedMs += spent;
      }
      this.server.cancel(job);
    }
  }

  /** The session ended: its next pre-draft on these instances is a fresh prefill. */
  close(): void {
    this.server.forget(this.sessionId);
  }
}
