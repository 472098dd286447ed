/**
 * Structured logging (pino). One root logger per process; actors take children bound to their role
 * and instance id, so every line says who wrote it.
 */
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

export interface LoggerSettings {
  /** Minimum level. Defaults to `SPECMESH_LOG_LEVEL`, else `info` (`silent` under test runners). */
  level?: string;
  /** Static fields added to every line. */
  base?: Record<string, unknown>;
  /** Where lines go (one JSON object per `write`). Defaults to stderr. */
  destination?: DestinationStream;
}

function defaultLevel(): string {
  const env = process.env['SPECMESH_LOG_LEVEL'];
  if (env) return env;
  return process.env['VITEST'] ? 'silent' : 'info';
}

/** Creates a JSON logger writing to stderr (stdout stays free for command output), or to `destination`. */
export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? defaultLevel(),
    base: { pid: process.pid, ...settings.base },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return pino(options, settings.destination ?? pino.destination({ fd: 2, sync: false }));
}
