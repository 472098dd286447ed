/**
 * Role processes of a benchmark: `specmesh node --role …` children of one supervisor, never restarted
 * (a crash is part of what the benchmark reports), optionally behind a command such as `taskset`.
 */
import type { Supervisor } from '@specmesh/runtime';

/** The arguments of `node <nodeBin> node --role <role> --name <name> --nats <nats> …extra`. */
export function roleArgs(
  nodeBin: string,
  role: string,
  name: string,
  nats: string,
  extra: readonly string[],
): string[] {
  return [nodeBin, 'node', '--role', role, '--name', name, '--nats', nats, ...extra];
}

export interface RoleProcesses {
  /** Starts `name` as a `role` process with `extra` flags. */
  start(name: string, role: string, extra: readonly string[]): void;
  /** The pids of the named processes running now. */
  pids(names: readonly string[]): number[];
}

export function roleProcesses(
  sup: Supervisor,
  o: {
    /** The `specmesh` entry script. */
    readonly nodeBin: string;
    readonly natsUrl: string;
    /** A command and its arguments in front of node (`['taskset', '-c', '1']`), or none. */
    readonly wrapper?: readonly string[];
  },
): RoleProcesses {
  const wrapper = o.wrapper ?? [];
  return {
    start: (name, role, extra) =>
      sup.start({
        name,
        ...(wrapper.length > 0 ? { command: wrapper[0]! } : {}),
        args: [
          ...wrapper.slice(1),
          ...(wrapper.length > 0 ? [process.execPath] : []),
          ...roleArgs(o.nodeBin, role, name, o.natsUrl, ['--log-level', 'warn', ...extra]),
        ],
        restart: 'never',
      }),
    pids: (names) =>
      sup
        .status()
        .filter((c) => names.includes(c.name) && c.pid !== undefined)
        .map((c) => c.pid!),
  };
}
