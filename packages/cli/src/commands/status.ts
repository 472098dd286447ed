/**
 * `specmesh status`: who is alive in the cluster, with what load and version, from heartbeats.
 * Listens for a few heartbeat intervals, then prints a table (or JSON with --json). With `--expect n`
 * it stops listening as soon as n instances are heard, and exits 5 when fewer were by the end.
 */
import { DeadlineError, type Role } from '@specmesh/protocol';
import { type Member, MembershipView } from '@specmesh/runtime';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { type ConnectionArgs, connectClient, withConnectionOptions } from '../options.js';
import { createOutput, withJsonOption } from '../output.js';

interface StatusArgs extends ConnectionArgs {
  listenMs: number;
  json: boolean;
  only?: string;
  id?: string;
  expect?: number;
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
  const view = new MembershipView(args.only ? { role: args.only as Role } : {}).start(actor, 100);
  const wanted = args.expect;
  if (wanted !== undefined)
    await view.waitFor((ms) => ms.length >= wanted, args.listenMs).catch(() => undefined);
  else await new Promise((r) => setTimeout(r, args.listenMs));
  const rows = view
    .alive({ includeDraining: true })
    .filter((m) => args.id === undefined || m.id === args.id)
    .map(row)
    .sort(
      (a, b) =>
        String(a['role']).localeCompare(String(b['role'])) || String(a['id']).localeCompare(String(b['id'])),
    );
  view.stop();
  await actor.stop();
  createOutput(args.json).result(rows, (r) =>
    r.length === 0 ? `no instance heard within ${args.listenMs} ms` : formatTable(r),
  );
  if (wanted !== undefined && rows.length < wanted)
    throw new DeadlineError(
      `heard ${rows.length} of ${wanted} expected instances within ${args.listenMs} ms`,
      {
        context: { heard: rows.length, expected: wanted },
      },
    );
}

function formatTable(rows: Array<Record<string, string | number | boolean>>): string {
  const cols = Object.keys(rows[0]!);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(width[i]!)).join('  ');
  return `${line(cols)}\n${rows.map((r) => line(cols.map((c) => String(r[c])))).join('\n')}`;
}

export const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status',
  describe: 'List live instances (role, id, pool, version, load) from their heartbeats',
  builder: (y: Argv) =>
    withJsonOption(withConnectionOptions(y), 'the instances (an array)')
      .option('listen-ms', {
        type: 'number',
        default: 2500,
        describe:
          'How long to listen for heartbeats, ms (instances beat every --heartbeat-ms, 1000 by default)',
      })
      .option('only', {
        type: 'string',
        choices: ['scheduler', 'batcher', 'verifier', 'drafter', 'gateway', 'echo'],
        describe:
          'Only list instances of this role (not --role: a shared specmesh.yaml may set role for `node`)',
      })
      .option('id', {
        type: 'string',
        describe:
          'Only list this instance; with --expect 1 a health check of one node (Kubernetes exec probe)',
      })
      .option('expect', {
        type: 'number',
        describe:
          'Stop as soon as this many instances are heard; exit 5 if fewer by --listen-ms (scripts, readiness checks)',
      })
      .example('$0 status --nats nats://127.0.0.1:4222', 'table of live instances')
      .example('$0 status --nats nats://127.0.0.1:4222 --json', 'the same as JSON for scripts')
      .example('$0 status --only verifier --expect 3 --listen-ms 10000', 'wait until 3 verifiers are up')
      .epilogue(
        'Columns: role, id, pool, version, uptime, in-flight / queued work, capacity, draining.',
      ) as unknown as Argv<StatusArgs>,
  handler: runStatus,
};
