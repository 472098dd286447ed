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
