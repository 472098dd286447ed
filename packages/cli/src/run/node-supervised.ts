/**
 * `specmesh node --supervise`: runs the role in a child process of this one and restarts it when it
 * crashes, with back-off (the runtime's {@link Supervisor}), for machines without systemd or
 * Kubernetes to do it. A configuration error (exit 2) is not retried. SIGTERM / SIGINT drain the
 * child and end both; a child that exits cleanly (after `specmesh drain`) ends both too. If this
 * process is killed outright, the child notices and drains itself.
 *
 * With `--warm-spare` (the default) a second child waits in standby, loaded but not connected, and
 * takes over at once when the running one crashes (node.ts, the runtime's standby.ts).
 */
import { createLogger, SUPERVISOR_PID_ENV, Supervisor } from '@specmesh/runtime';
import type { ArgumentsCamelCase } from 'yargs';
import type { NodeArgs } from '../commands/node.js';
import { ExitCode } from '../exit-codes.js';
import { runNode } from './node.js';

/** The command line again, without the flag that asked for supervision (`--supervise [true]`). */
function childArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (/^--supervise(=true)?$/.test(argv[i]!)) {
      if (argv[i] === '--supervise' && argv[i + 1] === 'true') i++;
      continue;
    }
    out.push(argv[i]!);
  }
  return out;
}

export async function runSupervised(args: ArgumentsCamelCase<NodeArgs>): Promise<void> {
  // Already the supervised child (the flag came back some other way): run the node, never nest.
  if (process.env[SUPERVISOR_PID_ENV] === String(process.ppid)) return runNode(args);
  const logger = createLogger({ level: args.logLevel });
  const supervisor = new Supervisor({ logger, stdio: ['ignore', 'inherit', 'inherit'] });
  const name = args.name ?? args.role;
  let stopping = false;
  const done = new Promise<number>((resolve) => {
    supervisor.on((e) => {
      if (e.type === 'gave-up') resolve(ExitCode.Failure);
      // A clean exit is not restarted (on-failure): the node was drained, and so is this process.
      if (e.type === 'exit' && e.code === 0 && !stopping) resolve(ExitCode.Ok);
      if (e.type === 'spawn' && e.restarts > 0)
        logger.warn({ child: name, pid: e.pid, promoted: e.promoted }, 'restarted');
      if (e.type === 'spare-ready') logger.info({ child: name, spare: e.pid }, 'warm spare ready');
    });
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining the supervised node');
    void supervisor.stopAll().then(() => process.exit(ExitCode.Ok));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  supervisor.start({
    name: name.replace(/[^A-Za-z0-9_-]/g, '-'),
    args: [process.argv[1]!, ...childArgs(process.argv.slice(2))],
    noRestartCodes: [ExitCode.Usage],
    warmSpare: args.warmSpare,
  });
  const code = await done;
  await supervisor.stopAll();
  process.exit(code);
}
