/**
 * Process exit codes of the specmesh CLI. Scripts may rely on them; values never change meaning.
 */
import { ErrorCode, SpecmeshError } from '@specmesh/protocol/errors';

export const ExitCode = {
  /** Success. */
  Ok: 0,
  /** A runtime failure (see the message). */
  Failure: 1,
  /** Bad usage or invalid configuration. */
  Usage: 2,
  /** A required binary or file is missing or unusable (e.g. nats-server, a broken model file). */
  Missing: 3,
  /** NATS cannot be reached. */
  Connection: 4,
  /** A deadline passed. */
  Deadline: 5,
} as const;

/** Maps an error to the exit code a script sees. */
export function exitCodeFor(err: unknown): number {
  if (!(err instanceof SpecmeshError)) return ExitCode.Failure;
  switch (err.code) {
    case ErrorCode.Config:
    case ErrorCode.Subject:
      return ExitCode.Usage;
    case ErrorCode.Missing:
    case ErrorCode.ModelFile:
      return ExitCode.Missing;
    case ErrorCode.Connection:
    case ErrorCode.NoResponders:
      return ExitCode.Connection;
    case ErrorCode.Deadline:
      return ExitCode.Deadline;
    default:
      return ExitCode.Failure;
  }
}
