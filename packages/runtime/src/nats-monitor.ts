/**
 * What a nats-server's monitoring endpoint (`-m <port>`) says of its client connections: tests and
 * soaks use it to see which processes are connected (a warm spare must not be, a killed process's
 * connection must go), without a client of their own that would count too.
 */

/** Client connections the nats-server monitored on `monitorPort` holds under `name` (a connection's name is its actor's id). */
export async function connectionsNamed(
  monitorPort: number,
  name: string,
  host = '127.0.0.1',
): Promise<number> {
  const res = await fetch(`http://${host}:${monitorPort}/connz?limit=1024`);
  const body = (await res.json()) as { connections?: Array<{ name?: string }> };
  return (body.connections ?? []).filter((c) => c.name === name).length;
}

/**
 * Polls until the nats-server monitored on `monitorPort` holds exactly `count` connections under
 * `name`; resolves whether it did within `timeoutMs` (a killed process's connection takes a moment
 * to go, one that should not exist would stay).
 */
export async function untilConnections(
  monitorPort: number,
  name: string,
  count: number,
  timeoutMs: number,
): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if ((await connectionsNamed(monitorPort, name)) === count) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
