#!/usr/bin/env node
/**
 * Runs one DelayProxy in this process (started inside a lab namespace with `ip netns exec`), so
 * traffic leaving a "machine" gets wide-area latency without kernel netem.
 * Usage: delay-proxy-main.mjs <listenHost> <listenPort> <targetHost> <targetPort> <oneWayMs>
 * Prints `ready <host>:<port>` once listening; stops on SIGTERM.
 */
import { DelayProxy } from '@specmesh/runtime';

const [host, port, targetHost, targetPort, oneWayMs] = process.argv.slice(2);
const proxy = await DelayProxy.start({
  host,
  port: Number(port),
  targetHost,
  targetPort: Number(targetPort),
  oneWayMs: Number(oneWayMs),
});
process.stdout.write(`ready ${proxy.host}:${proxy.port}\n`);
process.on('SIGTERM', () => void proxy.stop().then(() => process.exit(0)));
