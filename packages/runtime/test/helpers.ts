import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Compiled entry of the echo actor process (tests run after `tsc -b`). */
export const ECHO_ACTOR_BIN = fileURLToPath(new URL('../dist/bin/echo-actor.js', import.meta.url));

/** Starts an echo actor child process and resolves once it prints `ready`. */
export function spawnEchoActor(url: string, id: string, heartbeatMs = 100): Promise<ChildProcess> {
  const child = spawn(process.execPath, [ECHO_ACTOR_BIN, url, id, String(heartbeatMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SPECMESH_LOG_LEVEL: 'warn' },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`echo actor exited early with ${code}`)));
  });
}

export function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * True while process `pid` runs (Linux). A zombie waiting for its new parent to reap it has exited:
 * it counts as gone.
 */
export function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Polls `condition` every 25 ms; resolves whether it came true within `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

/**
 * Runs `script` (an ES module's source) in a node process of its own, with its stdout collected:
 * a supervisor the test can SIGKILL outright, leaving what it started behind.
 */
export function spawnScript(script: string): { proc: ChildProcess; output: () => string } {
  const proc = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return { proc, output: () => out };
}
