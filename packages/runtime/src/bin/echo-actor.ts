#!/usr/bin/env node
/**
 * Process entry of an echo actor: `node echo-actor.js <nats-url> [id] [heartbeatMs]`.
 * Drains gracefully on SIGTERM / SIGINT. Used by the demo, the supervisor and the chaos tests.
 */
import { Actor } from '../actor.js';
import { serveEcho } from '../echo-service.js';
import { createLogger } from '../logger.js';
import { installGracefulShutdown } from '../shutdown.js';

const [url, id, heartbeatMs] = process.argv.slice(2);
if (!url) {
  process.stderr.write('usage: echo-actor <nats-url> [id] [heartbeatMs]\n');
  process.exit(2);
}
const logger = createLogger();
const actor = await Actor.start({
  role: 'echo',
  servers: url,
  ...(id ? { id } : {}),
  heartbeatIntervalMs: heartbeatMs ? Number(heartbeatMs) : 1000,
  logger,
});
serveEcho(actor);
installGracefulShutdown([actor], { logger });
// Tell a parent that waits on stdout that the actor serves now.
process.stdout.write(`ready ${actor.id}\n`);
