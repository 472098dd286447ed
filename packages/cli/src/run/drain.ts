/**
 * `specmesh drain <instance>`: asks one running instance (a `specmesh node` process, by its id as
 * `specmesh status` shows it) to stop taking work, finish what it holds and exit. Its heartbeats say
 * `draining` meanwhile, so routers send it nothing new. Exits 0 once the instance has accepted,
 * 4 when nobody answers for that id (unknown or already gone), 5 on a deadline.
 */
import type { ArgumentsCamelCase } from 'yargs';
import type { DrainArgs } from '../commands/drain.js';
import { connectClient } from '../connect-client.js';
import { createOutput } from '../output.js';

export async function runDrain(args: ArgumentsCamelCase<DrainArgs>): Promise<void> {
  const actor = await connectClient(args, 'drain');
  try {
    const reply = await actor.request(
      actor.subjects.control(args.instance),
      'drain',
      { id: args.instance, reason: args.reason },
      { expect: 'drain.ok', timeoutMs: args.timeoutMs },
    );
    createOutput(args.json).result(
      reply.body,
      (b) => `draining ${b.id} (${b.inflight} in flight); it exits once they are done`,
    );
  } finally {
    await actor.stop();
  }
}
