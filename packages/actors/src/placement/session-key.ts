/**
 * The key a batcher or verifier keeps a session's state under: its host and its id. Session ids are
 * chosen by schedulers and travel in tasks any host may send, so keying by id alone would let one host's
 * tasks reach another host's session state (its prefix cache, its sticky verifier); the host is the one
 * its subjects name, which NATS permissions bind to that instance.
 */
export function sessionKey(task: { readonly host: string; readonly sessionId: string }): string {
  return `${task.host}/${task.sessionId}`;
}

/** A task's key for preemption and aborts: task ids are chosen by hosts, so they too are kept per host. */
export function taskKey(host: string, taskId: string): string {
  return `${host}/${taskId}`;
}
