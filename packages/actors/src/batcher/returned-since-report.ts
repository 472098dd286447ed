/**
 * Tasks a batcher got back from each verifier since that verifier's last heartbeat. The heartbeat was
 * sent while they were still inside, so it still counts them (`inflight`, `positions`); until the next
 * one comes, the batcher takes them off what the verifier reported. Without this a target that runs
 * each task alone looked busy for up to a heartbeat interval after every task, and DSI's parallel
 * tasks were declined on an idle pool.
 *
 * Heartbeats are told apart by identity (each is a new object), so no clock is involved. A return
 * counts against the heartbeat that was the latest when it came back, and only if that one arrived
 * after the task was sent (an older report never counted the task). Once a newer heartbeat arrives,
 * it is the verifier's own account again.
 *
 * @example
 *   const r = new ReturnedSinceReport();
 *   r.returned('v1', hbAtSend, hb, 1, 7);
 *   r.since('v1', hb);    // → { tasks: 1, positions: 7 }
 *   r.since('v1', newer); // → { tasks: 0, positions: 0 }
 */

/** Work taken off a verifier's report. */
export interface ReturnedWork {
  readonly tasks: number;
  readonly positions: number;
}

const NONE: ReturnedWork = { tasks: 0, positions: 0 };

export class ReturnedSinceReport {
  private readonly byVerifier = new Map<string, { report: object; tasks: number; positions: number }>();

  /**
   * `tasks` of `positions` came back from `verifierId`; `atSend` was its latest heartbeat when they were
   * sent, `report` is its latest now.
   */
  returned(
    verifierId: string,
    atSend: object | undefined,
    report: object | undefined,
    tasks: number,
    positions: number,
  ): void {
    if (report === undefined) {
      this.byVerifier.delete(verifierId);
      return;
    }
    if (report === atSend) return;
    const r = this.byVerifier.get(verifierId);
    if (r && r.report === report) {
      r.tasks += tasks;
      r.positions += positions;
    } else {
      this.byVerifier.set(verifierId, { report, tasks, positions });
    }
  }

  /** What came back from `verifierId` since it sent `report` (its latest heartbeat). */
  since(verifierId: string, report: object): ReturnedWork {
    const r = this.byVerifier.get(verifierId);
    if (!r) return NONE;
    if (r.report !== report) {
      this.byVerifier.delete(verifierId);
      return NONE;
    }
    return r;
  }
}
