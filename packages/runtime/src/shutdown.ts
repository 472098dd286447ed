/**
 * Graceful shutdown on SIGTERM / SIGINT: drain every registered actor (finish in-flight work, stop
 * heartbeats, close NATS) and exit 0. A second signal, or a drain that takes longer than `timeoutMs`,
 * exits at once with code 1.
 *
 * A process started by a {@link Supervisor} also drains when that supervisor dies without stopping
 * it (SIGKILL, a crash): nothing would restart or stop it any more, and an orphaned role would keep
 * serving a cluster nobody manages. The supervisor names itself in {@link SUPERVISOR_PID_ENV}.
 */
import type { Logger } from './logger.js';

/** Environment variable through which a supervisor tells its children its pid. */
export const SUPERVISOR_PID_ENV = 'SPECMESH_SUPERVISOR_PID';

export interface Drainable {
  drain(): Promise<void>;
}

export interface ShutdownOptions {
  /** Longest time the whole drain may take, ms. Defaults to 15000. */
  timeoutMs?: number;
  logger?: Logger;
  /** Extra clean-up after the actors drained (stop child servers, flush files). */
  onDrained?: () => Promise<void> | void;
  /** Called instead of `process.exit` (tests). Defaults to `process.exit`. */
  exit?: (code: number) => void;
  /**
   * Pid of the process whose death also shuts this one down. Defaults to the pid in
   * {@link SUPERVISOR_PID_ENV}, if that is this process's parent; otherwise no watch.
   */
  parentPid?: number;
  /** How often the parent is checked, ms. Defaults to 500. */
  parentCheckMs?: number;
}

/** The supervisor named by the environment, if it is this process's parent. */
function supervisorPid(): number | undefined {
  const pid = Number(process.env[SUPERVISOR_PID_ENV]);
  return Number.isInteger(pid) && pid > 0 && pid === process.ppid ? pid : undefined;
}

/** Installs the signal handlers; returns a function that removes them. */
export function installGracefulShutdown(
  targets: readonly Drainable[],
  options: ShutdownOptions = {},
): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      options.logger?.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    shuttingDown = true;
    options.logger?.info({ signal }, 'shutting down gracefully');
    const timer = setTimeout(() => {
      options.logger?.error('graceful shutdown timed out');
      exit(1);
    }, options.timeoutMs ?? 15_000);
    timer.unref();
    Promise.all(targets.map((t) => t.drain()))
      .then(() => options.onDrained?.())
      .then(
        () => {
          clearTimeout(timer);
          exit(0);
        },
        (err: unknown) => {
          options.logger?.error({ err }, 'shutdown failed');
          exit(1);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // An orphan is re-parented (to init or a subreaper), so a changed ppid means the parent died.
  // Polling is the portable way: Node exposes no parent-death signal.
  const parentPid = options.parentPid ?? supervisorPid();
  const watch =
    parentPid === undefined
      ? undefined
      : setInterval(() => {
          if (process.ppid === parentPid || shuttingDown) return;
          options.logger?.warn({ parentPid }, 'supervisor is gone');
          onSignal('SIGHUP');
        }, options.parentCheckMs ?? 500);
  watch?.unref();
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    if (watch) clearInterval(watch);
  };
}
