/**
 * Runs this process as one echo actor until SIGTERM / SIGINT, then drains and exits 0. Prints
 * `ready <id>` on stdout once it serves, so a parent process can wait for it.
 */
import { Actor } from './actor.js';
import type { ActorOptions } from './actor-options.js';
import { type EchoServiceOptions, serveEcho } from './echo-service.js';
import { createLogger } from './logger.js';
import { installGracefulShutdown } from './shutdown.js';

export type EchoProcessOptions = Omit<ActorOptions, 'role'> & EchoServiceOptions;

export async function runEchoProcess(options: EchoProcessOptions): Promise<Actor> {
  const logger = options.logger ?? createLogger();
  const actor = await Actor.start({ ...options, role: 'echo', logger });
  serveEcho(actor, options);
  installGracefulShutdown([actor], { logger });
  process.stdout.write(`ready ${actor.id}\n`);
  return actor;
}
