/**
 * The echo service: answers a `verify.task` with a `verify.result` that accepts every draft. It runs
 * no model; it exists to exercise the runtime with real protocol messages (demo, tests, benchmark).
 */
import { performance } from 'node:perf_hooks';
import type { Actor } from './actor.js';

export interface EchoServiceOptions {
  /** Service name in the subject `<p>.v2.echo.<service>`. Defaults to `default`. */
  service?: string;
  /** Queue group, so several echo actors share the load. Defaults to `echo`. */
  queue?: string;
}

/** Subscribes `actor` as an echo responder; returns the subject it serves. */
export function serveEcho(actor: Actor, options: EchoServiceOptions = {}): string {
  const subject = actor.subjects.echo(options.service ?? 'default');
  actor.handle(
    subject,
    'verify.task',
    (msg) => {
      const started = performance.now();
      const task = msg.body;
      const n = task.drafts.length;
      return {
        kind: 'verify.result',
        body: {
          taskId: task.taskId,
          sessionId: task.sessionId,
          epoch: task.epoch,
          accepted: n,
          token: n > 0 ? task.drafts[n - 1]! : 0,
          bonus: true,
          verifierId: actor.id,
          queueMs: 0,
          computeMs: performance.now() - started,
        },
      };
    },
    { queue: options.queue ?? 'echo' },
  );
  return subject;
}
