/** Stopping one child process: SIGTERM (a graceful drain), SIGKILL if it is not gone in time. */
import type { ChildProcess } from 'node:child_process';

/** Whether `proc` has not exited yet. */
export function isAlive(proc: ChildProcess): boolean {
  return proc.exitCode === null && proc.signalCode === null;
}

/** Sends SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stopProcess(proc: ChildProcess, graceMs: number): Promise<void> {
  if (!isAlive(proc)) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
