/**
 * The receiving side of `specmesh drain <instance>`: a `specmesh node` process answers `drain` on its
 * control subject and then shuts down exactly as on SIGTERM (the graceful-shutdown handler drains the
 * role: no new work, in-flight work finished, heartbeats say `draining`, then exit 0).
 */
import { ConfigError } from '@specmesh/protocol';
import type { Actor } from '@specmesh/runtime';

/**
 * Serves `<p>.v2.ctl.<id>` on `actor`. `shutdown` defaults to sending this process SIGTERM, so the
 * drain follows the one shutdown path the signal handlers already own.
 */
export function serveDrainControl(
  actor: Actor,
  shutdown: () => void = () => process.kill(process.pid, 'SIGTERM'),
): void {
  let requested = false;
  actor.handle(actor.subjects.control(actor.id), 'drain', (msg) => {
    if (msg.body.id !== actor.id)
      throw new ConfigError(`drain for ${msg.body.id} reached ${actor.id}`, {
        context: { option: 'instance' },
      });
    const inflight = actor.inflightCount - 1; // this request itself is in flight
    if (!requested) {
      requested = true;
      actor.logger.info({ reason: msg.body.reason, from: msg.from }, 'drain requested');
      // Let the reply leave before the connection starts draining.
      setTimeout(shutdown, 20).unref();
    }
    return { kind: 'drain.ok', body: { id: actor.id, inflight: Math.max(0, inflight) } };
  });
}
