/**
 * What `specmesh drain <instance>` does when it runs; the command and its flags are described in
 * commands/drain.ts.
 */ import type { ArgumentsCamelCase } from 'yargs';
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
