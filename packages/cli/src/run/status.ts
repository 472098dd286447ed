/**
 * What `specmesh status` does when it runs; the command and its flags are described in
 * commands/status.ts.
 */ import { DeadlineError, type Role } from '@specmesh/protocol';
import { type Member, MembershipView } from '@specmesh/runtime';
import type { ArgumentsCamelCase } from 'yargs';
import type { StatusArgs } from '../commands/status.js';
import { connectClient } from '../connect-client.js';
import { createOutput } from '../output.js';

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

export async function runStatus(args: ArgumentsCamelCase<StatusArgs>): Promise<void> {
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
