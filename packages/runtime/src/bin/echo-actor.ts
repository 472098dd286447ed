#!/usr/bin/env node
/**
 * Process entry of an echo actor: `node echo-actor.js <nats-url> [id] [heartbeatMs]`.
 * Used by the supervisor and membership tests; `specmesh node --role echo` is the user-facing form.
 * Started as a warm spare (`SPECMESH_STANDBY=1`), it connects only once its supervisor promotes it.
 */
import { runEchoProcess } from '../echo-process.js';
import { awaitPromotion, isStandby, reportStarted } from '../standby.js';

const [url, id, heartbeatMs] = process.argv.slice(2);
if (!url) {
  process.stderr.write('usage: echo-actor <nats-url> [id] [heartbeatMs]\n');
  process.exit(2);
}
if (isStandby()) await awaitPromotion();
await runEchoProcess({
  servers: url,
  ...(id ? { id } : {}),
  ...(heartbeatMs ? { heartbeatIntervalMs: Number(heartbeatMs) } : {}),
});
reportStarted();
