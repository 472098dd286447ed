/**
 * Request/reply for an actor: one wildcard subscription under the actor's inbox, each request
 * published with a reply subject of its own token below it, its reply matched by that token.
 *
 * nats.js's `nc.request` does the same, and more per request than its reply needs: a deferred and a
 * timer promise raced with each other, a rejection handler, and, on every request that succeeds, an
 * `Error` (stack trace and all) built to reject a promise that has already resolved. Measured on the
 * runtime benchmark's loopback round trip, the request alone costs about 45 µs more than this
 * (`specmesh bench runtime`, docs/benchmarks/runtime.md): a fifth of a round trip. Here a request
 * is one map entry and one timer.
 *
 * Failures are specmesh's typed errors: no responders (the server's 503 status reply to a request
 * no subscriber took) is `E_NO_RESPONDERS`, a reply not in time `E_DEADLINE`, an aborted signal
 * `E_CANCELLED`, a connection closing under it `E_CONNECTION`; a publish or inbox the server's
 * permissions refuse fails at once with the server's reason. A reply that comes twice (two
 * responders) or after its request ended is dropped.
 */
import { randomBytes } from 'node:crypto';
import { type Msg, type MsgHdrs, type NatsConnection, errors as natsErrors } from '@nats-io/transport-node';
import {
  asSpecmeshError,
  CancelledError,
  ConnectionError,
  DeadlineError,
  NoRespondersError,
} from '@specmesh/protocol';
import { mapRequestError } from './nats-errors.js';

interface Pending {
  readonly subject: string;
  readonly resolve: (msg: Msg) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: (() => void) | undefined;
}

export interface MuxRequestOptions {
  readonly timeoutMs: number;
  readonly headers?: MsgHdrs;
  readonly signal?: AbortSignal;
}

export class RequestMux {
  private readonly pending = new Map<string, Pending>();
  /** `<inbox>.<random>.`: the replies' subjects are this and a token. */
  private readonly prefix: string;
  private seq = 0;
  private closed = false;
  private refused: Error | undefined;

  /** Subscribes below `inbox` (the actor's own inbox subtree, the only one it may read). */
  constructor(
    private readonly nc: NatsConnection,
    inbox: string,
  ) {
    this.prefix = `${inbox}.${randomBytes(6).toString('hex')}.`;
    nc.subscribe(`${this.prefix}*`, {
      // An error here is the server refusing the subscription itself (this user may not read the
      // inbox it was given): no reply can ever come, so every request fails with the reason.
      callback: (err, msg) => (err ? this.refuse(asSpecmeshError(err)) : this.onReply(msg)),
    });
    void nc.closed().then(() => this.close());
    void this.watchPermissions();
  }

  /**
   * A publish the server refused (this user may not send there) gets no reply, only an error on the
   * connection naming the subject: the oldest request still waiting on that subject fails with it at
   * once, as nats.js's own requests do, rather than waiting out its timeout.
   */
  private async watchPermissions() {
    for await (const s of this.nc.status()) {
      if (s.type !== 'error' || !(s.error instanceof natsErrors.PermissionViolationError)) continue;
      const pe = s.error;
      if (pe.operation !== 'publish') continue;
      for (const [token, p] of this.pending)
        if (p.subject === pe.subject) {
          this.fail(token, asSpecmeshError(pe));
          break;
        }
    }
  }

  /** Requests in flight. */
  get size(): number {
    return this.pending.size;
  }

  /** Publishes `data` on `subject` and resolves with its reply. */
  request(subject: string, data: Uint8Array, o: MuxRequestOptions): Promise<Msg> {
    if (this.refused) return Promise.reject(this.refused);
    if (this.closed)
      return Promise.reject(
        new ConnectionError(`NATS connection is closed (request on ${subject})`, { context: { subject } }),
      );
    if (o.signal?.aborted)
      return Promise.reject(new CancelledError(`request on ${subject} cancelled before it was sent`));
    const token = (this.seq++).toString(36);
    return new Promise<Msg>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.fail(
            token,
            new DeadlineError(`no reply on ${subject} within ${o.timeoutMs} ms`, {
              context: { subject, timeoutMs: o.timeoutMs },
            }),
          ),
        o.timeoutMs,
      );
      const onAbort = o.signal
        ? () =>
            this.fail(
              token,
              new CancelledError(`request on ${subject} cancelled`, { cause: o.signal?.reason }),
            )
        : undefined;
      if (onAbort) o.signal!.addEventListener('abort', onAbort, { once: true });
      this.pending.set(token, { subject, resolve, reject, timer, signal: o.signal, onAbort });
      try {
        this.nc.publish(subject, data, {
          reply: `${this.prefix}${token}`,
          ...(o.headers ? { headers: o.headers } : {}),
        });
      } catch (err) {
        this.fail(token, mapRequestError(err, subject, o.timeoutMs));
      }
    });
  }

  private onReply(msg: Msg) {
    const token = msg.subject.slice(this.prefix.length);
    const p = this.end(token);
    if (!p) return;
    // The server's answer to a request no subscriber took: a status message with no data.
    if (msg.data.length === 0 && msg.headers?.code === 503)
      p.reject(new NoRespondersError(`no responders on ${p.subject}`, { context: { subject: p.subject } }));
    else p.resolve(msg);
  }

  private fail(token: string, err: Error) {
    this.end(token)?.reject(err);
  }

  /** Forgets request `token`, returning it if it was still waiting. */
  private end(token: string): Pending | undefined {
    const p = this.pending.get(token);
    if (!p) return undefined;
    this.pending.delete(token);
    clearTimeout(p.timer);
    if (p.onAbort) p.signal!.removeEventListener('abort', p.onAbort);
    return p;
  }

  /** The inbox subscription was refused: every request, waiting or to come, fails with `err`. */
  private refuse(err: Error) {
    this.refused = err;
    for (const token of [...this.pending.keys()]) this.fail(token, err);
  }

  /** The connection closed: every request still waiting fails. */
  private close() {
    this.closed = true;
    for (const [token, p] of [...this.pending]) {
      this.end(token);
      p.reject(
        new ConnectionError(`NATS connection closed under the request on ${p.subject}`, {
          context: { subject: p.subject },
        }),
      );
    }
  }
}
