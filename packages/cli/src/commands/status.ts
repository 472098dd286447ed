/**
 * `specmesh status`: who is alive in the cluster, with what load and version, from heartbeats.
 * Listens for a few heartbeat intervals, then prints a table (or JSON with --json).
 */
import { type Member, MembershipView } from '@specmesh/runtime';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { connectClient, withConnectionOptions } from '../options.js';

interface StatusArgs {
  nats?: string[];
  prefix: string;
  logLevel: string;
  listenMs: number;
  json: boolean;
}

function row(m: Member): Record<string, string | number | boolean> {
  const hb = m.heartbeat;
  return {
    role: hb.role,
    id: hb.id,
    pool: hb.pool ?? '',
    version: hb.version,
    uptimeS: Math.round((Date.now() - hb.startedAt) / 1000),
    inflight: hb.load.inflight,
    queued: hb.load.queued,
    capacity: hb.load.capacity,
    draining: hb.draining,
  };
}

async function runStatus(args: ArgumentsCamelCase<StatusArgs>): Promise<void> {
  const actor = await connectClient(args, 'status');
  const view = new MembershipView().start(actor, 100);
  await new Promise((r) => setTimeout(r, args.listenMs));
  const rows = view
    .alive({ includeDraining: true })
    .map(row)
    .sort(
      (a, b) =>
        String(a['role']).localeCompare(String(b['role'])) || String(a['id']).localeCompare(String(b['id'])),
    );
  view.stop();
  await actor.stop();
  if (args.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write(`no instance heard within ${args.listenMs} ms\n`);
    return;
  }
  const cols = Object.keys(rows[0]!);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(width[i]!)).join('  ');
  process.stdout.write(`${line(cols)}\n${rows.map((r) => line(cols.map((c) => String(r[c])))).join('\n')}\n`);
}

export const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status',
  describe: 'List live instances (role, id, pool, version, load) from their heartbeats',
  builder: (y: Argv) =>
    withConnectionOptions(y)
      .option('listen-ms', {
        type: 'number',
        default: 2500,
        describe: 'How long to listen for heartbeats, ms',
      })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON instead of a table' })
      .example('$0 status --nats nats://127.0.0.1:4222', 'table of live instances')
      .example(
        '$0 status --nats nats://127.0.0.1:4222 --json',
        'the same as JSON for scripts',
      ) as unknown as Argv<StatusArgs>,
  handler: runStatus,
};
