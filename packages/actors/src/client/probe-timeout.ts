/**
 * How long a client waits for a host to answer a probe before it counts the host as hung: at least the
 * configured floor, and longer for a host that has been slow to answer earlier probes. On a loaded
 * machine a host's event loop answers late without being hung; judging it hung moves the request
 * (a new session, the old one cancelled) for nothing. A host that answered quickly keeps the floor, so
 * a paused or dead host is still noticed as fast as before.
 */
export class ProbeTimeout {
  private readonly replies: number[] = [];

  /**
   * @param floorMs the configured probe timeout, never undercut.
   * @param factor how many times its slowest recent answer a host gets.
   * @param window answers remembered.
   */
  constructor(
    private readonly floorMs: number,
    private readonly factor = 4,
    private readonly window = 8,
  ) {}

  /** Records how long a host took to answer a probe, ms. */
  answered(ms: number): void {
    this.replies.push(ms);
    if (this.replies.length > this.window) this.replies.shift();
  }

  /** Forgets the answers: the request moved to another host. */
  reset(): void {
    this.replies.length = 0;
  }

  get ms(): number {
    let slowest = 0;
    for (const r of this.replies) if (r > slowest) slowest = r;
    return Math.max(this.floorMs, this.factor * slowest);
  }
}
