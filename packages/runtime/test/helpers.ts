import { type ChildProcess, spawn } from 'node:child_process';
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
