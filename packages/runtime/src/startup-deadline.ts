/**
 * How long to wait for processes to come up before calling it a failure. A role process spends most
 * of its start-up loading modules on one core, so on a machine whose run queue is longer than its
 * cores every start takes proportionally longer: a fixed limit that holds on an idle laptop fails on a
 * busy CI runner, and one that holds there makes a real failure on an idle machine wait minutes.
 * The deadline therefore grows with the number of processes starting and with the machine's load,
 * and one setting overrides it everywhere (`SPECMESH_STARTUP_TIMEOUT_MS`).
 */
import { availableParallelism, loadavg } from 'node:os';
import { ConfigError } from '@specmesh/protocol';

/** Milliseconds; overrides the computed start-up deadline of every wait on processes starting. */
export const STARTUP_TIMEOUT_ENV = 'SPECMESH_STARTUP_TIMEOUT_MS';

/** Fixed part of a start-up deadline: connecting, the first heartbeats, a NATS server or two. */
const BASE_MS = 15_000;
/** Per process starting at once: about twice what a role needs to load on a busy core. */
const PER_PROCESS_MS = 3_000;

/**
 * How many times slower than idle this machine runs a CPU-bound start-up now: the one-minute load
 * average over the cores, never below 1 (an idle machine does not start things faster than idle).
 */
export function machineLoadFactor(): number {
  const cores = Math.max(1, availableParallelism());
  return Math.max(1, (loadavg()[0] ?? 0) / cores);
}

/**
 * The deadline for `processes` processes starting together (role processes, servers), in ms:
 * `SPECMESH_STARTUP_TIMEOUT_MS` when set, else (15 s + 3 s per process) × the machine's load factor.
 * @throws ConfigError when the variable is set but not a positive number.
 */
export function startupDeadlineMs(processes = 1, env: NodeJS.ProcessEnv = process.env): number {
  const set = env[STARTUP_TIMEOUT_ENV];
  if (set !== undefined && set !== '') {
    const ms = Number(set);
    if (!Number.isFinite(ms) || ms <= 0)
      throw new ConfigError(`${STARTUP_TIMEOUT_ENV} must be a positive number of milliseconds, not ${set}`, {
        context: { option: STARTUP_TIMEOUT_ENV },
      });
    return ms;
  }
  return Math.round((BASE_MS + PER_PROCESS_MS * Math.max(1, processes)) * machineLoadFactor());
}
