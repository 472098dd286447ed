/**
 * The actor runtime: one NATS connection, a codec, subscriptions with typed handlers, requests with
 * deadlines, heartbeats, metrics, logs and graceful drain. Role logic (drafter, verifier, ...) lives
 * elsewhere and only calls these methods; this file knows nothing about language models.
 *
 * @example
 * const actor = await Actor.start({ role: 'echo', servers: url });
 * actor.handle(actor.subjects.echo('demo'), 'verify.task', (msg) => ({ kind: 'verify.result', body: ... }),
 *   { queue: 'echo' });
 * await actor.drain();
 */
import { performance } from 'node:perf_hooks';
import {
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  headers as natsHeaders,
  type Subscription,
} from '@nats-io/transport-node';
import {
  asSpecmeshError,
  type BodyOf,
  CancelledError,
  Codec,
  ConnectionError,
  DrainingError,
  decodeMessage,
  type Envelope,
  ErrorCode,
  fromWireError,
  inboxPrefix,
  type Load,
  type MessageKind,
  OverloadedError,
  type SpecmeshError,
  type Subjects,
  toWireError,
} from '@specmesh/protocol';
import { type ActorConfig, type ActorOptions, resolveActorOptions } from './actor-options.js';
import { createLogger, type Logger } from './logger.js';
import { RuntimeMetrics } from './metrics.js';
import { connectNats } from './nats-connect.js';
import { mapRequestError } from './nats-errors.js';
import { RequestMux } from './request-mux.js';
import { SpanIds, TRACEPARENT_HEADER, traceIdOf, traceparent } from './trace-context.js';

/** A reply a handler returns: any message kind with its body. */
export type Reply = { [K in MessageKind]: { kind: K; body: BodyOf<K>; traceId?: string } }[MessageKind];

/** What a handler learns about the message besides its envelope. */
export interface HandlerContext {
  /** Subject the message arrived on. */
  readonly subject: string;
  /** True when the sender waits for a reply. */
  readonly expectsReply: boolean;
  /** Aborted when the actor stops. */
  readonly signal: AbortSignal;
  /** The request's trace id: the `traceparent` header's, else the envelope's `tr`. */
  readonly traceId?: string;
}

/**
 * Handles one decoded message. For a request, the returned {@link Reply} is sent back; a thrown
 * error is sent back as an `error` message. For a publish, the return value is ignored.
 */
export type Handler<K extends MessageKind> = (
  msg: Envelope<K>,
  ctx: HandlerContext,
) => Reply | undefined | Promise<Reply | undefined>;

export interface HandleOptions {
  /** Queue group: each message goes to one member of the group. */
  queue?: string;
}

export interface RequestOptions<R extends MessageKind> {
  /** Kind(s) of reply accepted; anything else is a typed error. */
  expect: R | readonly R[];
  /** Deadline, ms. Defaults to the actor's `requestTimeoutMs`. */
  timeoutMs?: number;
  /** Cancels the wait; the request then fails with `E_CANCELLED`. */
  signal?: AbortSignal;
  traceId?: string;
}

export interface RequestManyOptions<R extends MessageKind> {
  /** Kind(s) of reply collected; others are counted and left out. */
  expect: R | readonly R[];
  /** How long replies are collected, ms. */
  windowMs: number;
  /** Most replies collected. */
  maxReplies: number;
  /** Stops collecting early once it returns true (e.g. every known instance answered). */
  enough?: (replies: ReadonlyArray<Envelope<R>>) => boolean;
}

type State = 'running' | 'draining' | 'closed';

/** A change of an actor's NATS connection (see {@link Actor.onConnection}). */
export type ConnectionEvent = 'disconnect' | 'reconnect';

/** Error codes with which handlers answer in normal operation (see finishHandler). */
const EXPECTED_REFUSALS: ReadonlySet<string> = new Set([
  ErrorCode.UnknownSession,
  ErrorCode.Overloaded,
  ErrorCode.Draining,
  ErrorCode.NoCapacity,
]);

/** An actor process's connection to the cluster. Create with {@link Actor.start}. */
export class Actor {
  readonly config: ActorConfig;
  readonly id: string;
  readonly subjects: Subjects;
  readonly codec: Codec;
  readonly logger: Logger;
  readonly metrics: RuntimeMetrics;
  private readonly spanIds = new SpanIds();
  readonly startedAt = Date.now();

  private state: State = 'running';
  private readonly nc: NatsConnection;
  /** Request/reply: one subscription under this actor's inbox for every reply (request-mux.ts). */
  private readonly requests: RequestMux;
  private readonly subs: Subscription[] = [];
  private readonly abort = new AbortController();
  private readonly loggedBadKinds = new Set<string>();
  private readonly options: ActorOptions;
  private inflight = 0;
  private idleWaiters: Array<() => void> = [];
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatSeq = 0;
  private readonly connectionListeners = new Set<(event: ConnectionEvent) => void>();

  private constructor(
    options: ActorOptions,
    config: ActorConfig,
    nc: NatsConnection,
    logger: Logger,
    inbox: string,
  ) {
    this.options = options;
    this.config = config;
    this.id = config.id;
    this.subjects = config.subjects;
    this.nc = nc;
    this.logger = logger;
    this.codec = new Codec({ from: config.id, validateOnEncode: config.validateOutgoing });
    this.metrics = new RuntimeMetrics({ role: config.role, instance: config.id }, () => this.inflight);
    this.requests = new RequestMux(nc, inbox);
  }

  /** Connects to NATS and starts heartbeats. */
  static async start(options: ActorOptions): Promise<Actor> {
    const config = resolveActorOptions(options);
    const logger = (options.logger ?? createLogger()).child({ role: config.role, actor: config.id });
    // Replies come under this inbox: the only one an instance's NATS user may read.
    const inbox = options.nats?.inboxPrefix ?? inboxPrefix(options.inbox ?? config.role, config.id);
    const nc = await connectNats({
      servers: [...config.servers],
      name: config.id,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      // No async stack traces: nats.js would capture two or three Error stacks per request (a few
      // µs each, about 4.5% of a loaded cluster's CPU profile) for a call site that the runtime's
      // typed errors already name (subject, deadline). Options may turn them back on.
      noAsyncTraces: true,
      ...options.nats,
      inboxPrefix: inbox,
    });
    const actor = new Actor(options, config, nc, logger, inbox);
    actor.watchConnection();
    // Anyone may measure the round trip to this instance (RTT in heartbeats, placement).
    actor.handle(actor.subjects.ping(actor.id), 'ping', () => ({ kind: 'pong', body: { id: actor.id } }));
    // The gateway gathers every instance's metrics into the cluster's `/metrics` (scatter-gather).
    actor.handle(actor.subjects.metricsGet(), 'metrics.get', async () => ({
      kind: 'metrics',
      body: { id: actor.id, role: config.role, families: await actor.metrics.wireFamilies() },
    }));
    actor.startHeartbeats();
    logger.info({ servers: config.servers, pool: config.pool }, 'actor started');
    return actor;
  }

  /** `running`, `draining` or `closed`. */
  get status(): State {
    return this.state;
  }

  /** Number of handlers running now. */
  get inflightCount(): number {
    return this.inflight;
  }

  /**
   * Told when this actor's NATS connection drops (`disconnect`) and when it is back (`reconnect`): a
   * request in flight across a drop may have been lost on the way, and its sender may send it again
   * instead of waiting out its timeout. Returns a function that stops telling.
   */
  onConnection(listener: (event: ConnectionEvent) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  /** Resolves when the NATS connection has closed. */
  closed(): Promise<void> {
    return this.nc.closed().then(() => undefined);
  }

  /**
   * Subscribes `handler` to `subject` for messages of `kinds`. Messages that fail to decode, have
   * another kind or arrive while the actor is saturated are answered with a typed `error` reply
   * (when the sender waits for one), counted, logged once per error code, and dropped; the actor
   * keeps serving. Returns a function that unsubscribes.
   */
  handle<K extends MessageKind>(
    subject: string,
    kinds: K | readonly K[],
    handler: Handler<K>,
    options: HandleOptions = {},
  ): () => void {
    if (this.state !== 'running')
      throw new DrainingError(`actor ${this.id} is ${this.state}; cannot subscribe`);
    const sub = this.nc.subscribe(subject, {
      ...(options.queue ? { queue: options.queue } : {}),
      callback: (err, msg) => {
        if (err) {
          this.logger.error({ err, subject }, 'subscription failed');
          return;
        }
        this.dispatch(subject, kinds, handler, msg);
      },
    });
    this.subs.push(sub);
    return () => {
      const i = this.subs.indexOf(sub);
      if (i >= 0) this.subs.splice(i, 1);
      sub.unsubscribe();
    };
  }

  private dispatch<K extends MessageKind>(
    subject: string,
    kinds: K | readonly K[],
    handler: Handler<K>,
    msg: Msg,
  ) {
    let env: Envelope<K>;
    try {
      env = decodeMessage(msg.data, kinds);
    } catch (err) {
      this.rejectBadMessage(subject, msg, asSpecmeshError(err));
      return;
    }
    this.metrics.countReceived(env.kind);
    if (this.inflight >= this.config.maxInflight) {
      const refusal = new OverloadedError(`actor ${this.id} has ${this.inflight} messages in flight`, {
        context: { limit: this.config.maxInflight },
      });
      this.metrics.refused.inc({ code: refusal.code });
      this.replyError(msg, refusal);
      return;
    }
    this.inflight++;
    const expectsReply = Boolean(msg.reply);
    const started = performance.now();
    const traceId = traceIdOf(msg.headers?.get(TRACEPARENT_HEADER)) ?? env.traceId;
    const ctx: HandlerContext = {
      // The message's own subject (a wildcard subscription's tokens name the sender, e.g. `hb.<role>.<id>`).
      subject: msg.subject,
      expectsReply,
      signal: this.abort.signal,
      ...(traceId ? { traceId } : {}),
    };
    let result: ReturnType<Handler<K>>;
    try {
      result = handler(env, ctx);
    } catch (err) {
      this.finishHandler(msg, env.kind, started, undefined, err, traceId);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (reply) => this.finishHandler(msg, env.kind, started, reply, undefined, traceId),
        (err) => this.finishHandler(msg, env.kind, started, undefined, err, traceId),
      );
    } else {
      this.finishHandler(msg, env.kind, started, result, undefined, traceId);
    }
  }

  private finishHandler(
    msg: Msg,
    kind: MessageKind,
    started: number,
    reply: Reply | undefined,
    err: unknown,
    traceId: string | undefined,
  ) {
    this.metrics.observeHandler(kind, (performance.now() - started) / 1000);
    if (err !== undefined) {
      const e = asSpecmeshError(err);
      this.metrics.handlerErrors.inc({ code: e.code });
      // A refusal the protocol foresees (a probe of an ended session, a full or draining instance)
      // is an answer, not a fault: counted, and logged only at debug level.
      const level = EXPECTED_REFUSALS.has(e.code) ? 'debug' : 'warn';
      this.logger[level]({ err: e, kind, ...(traceId ? { traceId } : {}) }, 'handler failed');
      this.replyError(msg, e);
    } else if (reply && msg.reply) {
      try {
        // A reply belongs to the request's trace unless the handler names another.
        const replyTrace = reply.traceId ?? traceId;
        const data = this.codec.encode(
          reply.kind,
          reply.body as never,
          replyTrace ? { traceId: replyTrace } : {},
        );
        const headers = this.traceHeaders(replyTrace);
        msg.respond(data, headers ? { headers } : undefined);
        this.metrics.countSent(reply.kind, data.byteLength);
      } catch (encodeErr) {
        const e = asSpecmeshError(encodeErr);
        this.metrics.handlerErrors.inc({ code: e.code });
        this.logger.error({ err: e, kind: reply.kind }, 'reply could not be encoded');
        this.replyError(msg, e);
      }
    }
    this.inflight--;
    if (this.inflight === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private rejectBadMessage(subject: string, msg: Msg, err: SpecmeshError) {
    this.metrics.badMessages.inc({ code: err.code });
    const key = `${subject}|${err.code}`;
    if (!this.loggedBadKinds.has(key)) {
      this.loggedBadKinds.add(key);
      this.logger.warn(
        { code: err.code, subject, bytes: msg.data.byteLength, reason: err.message },
        'bad message refused (further ones of this kind on this subject are only counted)',
      );
    }
    this.replyError(msg, err);
  }

  private replyError(msg: Msg, err: SpecmeshError) {
    if (!msg.reply) return;
    try {
      const data = this.codec.encode('error', toWireError(err));
      msg.respond(data);
      this.metrics.countSent('error', data.byteLength);
    } catch {
      // An error whose message or context is too large: send the bare code instead.
      msg.respond(
        this.codec.encode('error', {
          code: err.code,
          message: 'error detail too large',
          retryable: err.retryable,
        }),
      );
    }
  }

  /**
   * Resolves once the server has processed everything sent so far, subscriptions included. Call it
   * after {@link handle} when a request may follow at once from another connection.
   * @throws ConnectionError when the connection drops first (it reconnects; what was sent is re-sent).
   */
  async flush(): Promise<void> {
    try {
      await this.nc.flush();
    } catch (err) {
      throw mapRequestError(err, 'flush', 0);
    }
  }

  /** Publishes one message (fire and forget). */
  publish<K extends MessageKind>(
    subject: string,
    kind: K,
    body: BodyOf<K>,
    options: { traceId?: string } = {},
  ): void {
    if (this.state === 'closed')
      throw new ConnectionError(`actor ${this.id} is closed; cannot publish on ${subject}`);
    const data = this.codec.encode(kind, body, options);
    const headers = this.traceHeaders(options.traceId);
    this.nc.publish(subject, data, headers ? { headers } : undefined);
    this.metrics.countSent(kind, data.byteLength);
  }

  /**
   * Sends a request and waits for a reply of the expected kind(s). An `error` reply is rebuilt and
   * thrown as its typed class.
   *
   * @throws DeadlineError, NoRespondersError, CancelledError, ConnectionError, or the remote error.
   */
  async request<K extends MessageKind, R extends MessageKind>(
    subject: string,
    kind: K,
    body: BodyOf<K>,
    options: RequestOptions<R>,
  ): Promise<Envelope<R>> {
    if (this.state === 'closed')
      throw new ConnectionError(`actor ${this.id} is closed; cannot request on ${subject}`);
    const timeoutMs = options.timeoutMs ?? this.config.requestTimeoutMs;
    const signal = options.signal;
    if (signal?.aborted) throw new CancelledError(`request on ${subject} cancelled before it was sent`);
    const data = this.codec.encode(kind, body, options.traceId ? { traceId: options.traceId } : {});
    const started = performance.now();
    this.metrics.countSent(kind, data.byteLength);
    let reply: Msg;
    try {
      const headers = this.traceHeaders(options.traceId);
      reply = await this.requests.request(subject, data, {
        timeoutMs,
        ...(headers ? { headers } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      const e = mapRequestError(err, subject, timeoutMs);
      this.metrics.requests.inc({ outcome: e.code });
      throw e;
    }
    this.metrics.requestSeconds.observe((performance.now() - started) / 1000);
    const expected = typeof options.expect === 'string' ? [options.expect] : options.expect;
    const env = decodeMessage<R | 'error'>(reply.data, [...expected, 'error']);
    this.metrics.countReceived(env.kind);
    if (env.kind === 'error') {
      const remote = fromWireError((env as Envelope<'error'>).body);
      this.metrics.requests.inc({ outcome: remote.code });
      throw remote;
    }
    this.metrics.countRequestOk();
    return env as Envelope<R>;
  }

  /**
   * Scatter-gather: publishes one request and collects the replies of every responder until
   * `windowMs` has passed, `maxReplies` have come, or `enough` says so, whichever is first. Replies
   * that fail to decode, or are `error`s, are counted and left out; no responders at all gives an
   * empty list. Never throws for what responders do.
   */
  async requestMany<K extends MessageKind, R extends MessageKind>(
    subject: string,
    kind: K,
    body: BodyOf<K>,
    options: RequestManyOptions<R>,
  ): Promise<Array<Envelope<R>>> {
    if (this.state === 'closed')
      throw new ConnectionError(`actor ${this.id} is closed; cannot request on ${subject}`);
    const data = this.codec.encode(kind, body);
    this.metrics.countSent(kind, data.byteLength);
    const expected = typeof options.expect === 'string' ? [options.expect] : [...options.expect];
    const replies: Array<Envelope<R>> = [];
    try {
      const it = await this.nc.requestMany(subject, data, {
        strategy: 'timer',
        maxWait: Math.max(1, options.windowMs),
        maxMessages: options.maxReplies,
      });
      for await (const msg of it) {
        let env: Envelope<R | 'error'>;
        try {
          env = decodeMessage<R | 'error'>(msg.data, [...expected, 'error']);
        } catch (err) {
          this.metrics.badMessages.inc({ code: asSpecmeshError(err).code });
          continue;
        }
        this.metrics.countReceived(env.kind);
        if (env.kind === 'error') continue;
        replies.push(env as Envelope<R>);
        if (replies.length >= options.maxReplies || options.enough?.(replies)) break;
      }
    } catch (err) {
      // No responders, or the connection closed under the window: what came is the answer.
      const e = mapRequestError(err, subject, options.windowMs);
      this.metrics.requests.inc({ outcome: e.code });
    }
    return replies;
  }

  /** A `traceparent` header for a message of trace `traceId` (none without one). */
  private traceHeaders(traceId: string | undefined): MsgHdrs | undefined {
    if (!traceId) return undefined;
    const h = natsHeaders();
    h.set(TRACEPARENT_HEADER, traceparent(traceId, this.spanIds.take()));
    return h;
  }

  /** Publishes a heartbeat now (also done on the interval). */
  heartbeat(): void {
    if (this.state === 'closed') return;
    const load: Load = this.options.load?.() ?? {
      inflight: this.inflight,
      queued: 0,
      capacity: this.config.maxInflight,
    };
    const body: BodyOf<'heartbeat'> = {
      role: this.config.role,
      id: this.id,
      version: this.config.version,
      startedAt: this.startedAt,
      seq: this.heartbeatSeq++,
      intervalMs: Math.max(1, this.config.heartbeatIntervalMs),
      draining: this.state === 'draining',
      load,
    };
    if (this.config.pool) body.pool = this.config.pool;
    if (this.options.signingKey) body.signingKey = this.options.signingKey;
    const meta = this.options.meta?.();
    if (meta) body.meta = meta;
    try {
      this.publish(this.subjects.heartbeat(this.config.role, this.id), 'heartbeat', body);
    } catch (err) {
      this.logger.warn({ err }, 'heartbeat not sent');
    }
  }

  private startHeartbeats() {
    if (this.config.heartbeatIntervalMs === 0) return;
    this.heartbeat();
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.config.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  private watchConnection() {
    void (async () => {
      for await (const s of this.nc.status()) {
        if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') {
          this.logger.warn(
            { status: s.type, server: 'server' in s ? s.server : undefined },
            'NATS connection status',
          );
          if (s.type !== 'error') for (const l of this.connectionListeners) l(s.type);
        } else if (s.type === 'slowConsumer') {
          this.logger.warn({ pending: s.pending }, 'slow consumer: messages are being dropped by the client');
        }
      }
    })().catch(() => undefined);
  }

  /**
   * Graceful shutdown: announce `draining` in a heartbeat (routers stop sending work), stop taking new
   * messages, let in-flight handlers finish (up to `drainTimeoutMs`), then drain and close the
   * connection. Safe to call twice.
   */
  async drain(): Promise<void> {
    if (this.state !== 'running') return this.closed();
    this.state = 'draining';
    this.logger.info({ inflight: this.inflight }, 'draining');
    this.heartbeat();
    await Promise.all(this.subs.map((s) => s.drain().catch(() => undefined)));
    await this.waitIdle(this.config.drainTimeoutMs);
    this.stopHeartbeats();
    this.abort.abort(new DrainingError(`actor ${this.id} stopped`));
    this.state = 'closed';
    await this.nc.drain().catch(() => this.nc.close());
    this.logger.info('drained and closed');
  }

  /** Immediate shutdown: in-flight handlers are abandoned. */
  async stop(): Promise<void> {
    if (this.state === 'closed') return this.closed();
    this.state = 'closed';
    this.stopHeartbeats();
    this.abort.abort(new DrainingError(`actor ${this.id} stopped`));
    await this.nc.close();
  }

  private stopHeartbeats() {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  private waitIdle(timeoutMs: number): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.logger.warn({ inflight: this.inflight }, 'drain timeout: abandoning in-flight handlers');
        resolve();
      }, timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
