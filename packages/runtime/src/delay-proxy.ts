/**
 * A TCP proxy that delays bytes: it listens on a local port, forwards every connection to a target
 * host:port, and holds each chunk for a one-way latency (plus seeded uniform jitter) in each direction.
 * There is no kernel netem on our machines, so this is how wide-area latency is injected between role
 * processes and nats-server (e.g. edge drafters connect through one, cloud roles directly).
 *
 * Per direction the bytes keep their order: a chunk is released no earlier than the one before it, so
 * jitter never reorders a TCP stream (the effective delay of a chunk is max(its draw, the previous
 * chunk's release)). Buffering is bounded: when more than `maxQueuedBytes` wait in one direction the
 * source socket is paused until the queue drains, and a slow destination (`write` returning false)
 * holds the queue, so memory stays bounded end to end.
 *
 * @example
 *   const proxy = await DelayProxy.start({ targetPort: nats.port, oneWayMs: 10, jitter: 0.1 });
 *   // connect a client to proxy.url: every round trip through it costs ≥ 20 ms more
 *   await proxy.stop();
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ConfigError } from '@specmesh/protocol';

export interface DelayProxyOptions {
  /** Port to forward to. */
  readonly targetPort: number;
  /** Host to forward to. Defaults to `127.0.0.1`. */
  readonly targetHost?: string;
  /** Address to listen on. Defaults to `127.0.0.1`. */
  readonly host?: string;
  /** Port to listen on. Defaults to 0 (a free port chosen by the kernel). */
  readonly port?: number;
  /** Delay added to bytes in each direction, ms. Defaults to 0. */
  readonly oneWayMs?: number;
  /** Relative jitter per chunk, uniform ±fraction of `oneWayMs`, in [0, 1). Defaults to 0. */
  readonly jitter?: number;
  /** Seed of the jitter stream (each connection direction splits its own). Defaults to 1. */
  readonly seed?: number;
  /** Bytes that may wait in one direction of one connection before its source is paused. Defaults to 1 MiB. */
  readonly maxQueuedBytes?: number;
}

/** Counters of a proxy since it started. */
export interface DelayProxyStats {
  /** Connections accepted. */
  connections: number;
  /** Connections open now. */
  open: number;
  /** Bytes forwarded client → target. */
  bytesToTarget: number;
  /** Bytes forwarded target → client. */
  bytesToClient: number;
  /** Times a source socket was paused because its direction's queue was full. */
  pauses: number;
  /** Errors of the listening socket after start (e.g. EMFILE on accept); the proxy keeps listening. */
  serverErrors: number;
}

interface Resolved {
  readonly targetPort: number;
  readonly targetHost: string;
  readonly host: string;
  readonly port: number;
  readonly oneWayMs: number;
  readonly jitter: number;
  readonly seed: number;
  readonly maxQueuedBytes: number;
}

function resolve(o: DelayProxyOptions): Resolved {
  const r = {
    targetPort: o.targetPort,
    targetHost: o.targetHost ?? '127.0.0.1',
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    oneWayMs: o.oneWayMs ?? 0,
    jitter: o.jitter ?? 0,
    seed: o.seed ?? 1,
    maxQueuedBytes: o.maxQueuedBytes ?? 1 << 20,
  };
  const port = (name: string, v: number, min: number) => {
    if (!(Number.isInteger(v) && v >= min && v <= 65535))
      throw new ConfigError(`delay proxy ${name} must be an integer in ${min}..65535, got ${v}`, {
        context: { option: name },
      });
  };
  port('targetPort', r.targetPort, 1);
  port('port', r.port, 0);
  if (!(Number.isFinite(r.oneWayMs) && r.oneWayMs >= 0))
    throw new ConfigError(`delay proxy oneWayMs must be >= 0, got ${r.oneWayMs}`, {
      context: { option: 'oneWayMs' },
    });
  if (!(r.jitter >= 0 && r.jitter < 1))
    throw new ConfigError(`delay proxy jitter must be in [0, 1), got ${r.jitter}`, {
      context: { option: 'jitter' },
    });
  if (!(Number.isInteger(r.maxQueuedBytes) && r.maxQueuedBytes >= 1))
    throw new ConfigError(`delay proxy maxQueuedBytes must be a positive integer, got ${r.maxQueuedBytes}`, {
      context: { option: 'maxQueuedBytes' },
    });
  if (!Number.isInteger(r.seed))
    throw new ConfigError(`delay proxy seed must be an integer, got ${r.seed}`, {
      context: { option: 'seed' },
    });
  return r;
}

/** mulberry32: a tiny seeded generator (runtime may not depend on core's). Returns floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One direction of one connection: chunks from `src` wait until their release time, then go to
 * `dst` in arrival order.
 */
class DelayedPipe {
  private readonly queue: Array<{ chunk: Buffer; due: number }> = [];
  private head = 0;
  private queued = 0;
  private lastDue = 0;
  private timer: NodeJS.Timeout | undefined;
  private blocked = false;
  private paused = false;
  private ended = false;
  private closed = false;

  constructor(
    private readonly src: Socket,
    private readonly dst: Socket,
    private readonly delay: () => number,
    private readonly maxQueued: number,
    private readonly onBytes: (n: number) => void,
    private readonly onPause: () => void,
  ) {
    src.on('data', (chunk: Buffer) => this.push(chunk));
    src.on('end', () => {
      this.ended = true;
      this.flush();
    });
    dst.on('drain', () => {
      this.blocked = false;
      this.flush();
    });
  }

  private push(chunk: Buffer) {
    if (this.closed) return;
    // Never earlier than the chunk before: TCP order is kept whatever the jitter drew.
    const due = Math.max(performance.now() + this.delay(), this.lastDue);
    this.lastDue = due;
    this.queue.push({ chunk, due });
    this.queued += chunk.length;
    if (this.queued > this.maxQueued && !this.paused) {
      this.paused = true;
      this.src.pause();
      this.onPause();
    }
    if (this.queue.length - this.head === 1) this.arm();
  }

  private arm() {
    if (this.timer || this.blocked || this.closed) return;
    const next = this.queue[this.head];
    if (!next) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.flush();
      },
      Math.max(0, next.due - performance.now()),
    );
  }

  /** Writes every chunk that is due, in order, until the destination pushes back. */
  private flush() {
    if (this.closed) return;
    const now = performance.now();
    while (!this.blocked && this.head < this.queue.length && this.queue[this.head]!.due <= now) {
      const { chunk } = this.queue[this.head++]!;
      this.queued -= chunk.length;
      this.onBytes(chunk.length);
      // A destination already gone cannot take more; its close or error tears the pair down.
      if (this.dst.destroyed) continue;
      if (!this.dst.write(chunk)) this.blocked = true;
    }
    if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    // Hysteresis: resume at half the bound, so a full queue does not flap pause/resume per chunk.
    if (this.paused && this.queued <= this.maxQueued / 2) {
      this.paused = false;
      this.src.resume();
    }
    if (this.head === this.queue.length) {
      // Everything sent: pass a half-close on once the source has ended.
      if (this.ended) this.dst.end();
      return;
    }
    this.arm();
  }

  close() {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.head = 0;
    this.queued = 0;
  }
}

export class DelayProxy {
  readonly stats: DelayProxyStats = {
    connections: 0,
    open: 0,
    bytesToTarget: 0,
    bytesToClient: 0,
    pauses: 0,
    serverErrors: 0,
  };
  /** Address the proxy listens on. */
  readonly host: string;
  readonly port: number;
  private readonly server: Server;
  private readonly teardowns = new Set<() => void>();
  private stopped = false;
  private delayMs = 0;

  private constructor(server: Server, host: string, port: number) {
    this.server = server;
    this.host = host;
    this.port = port;
  }

  /** One-way delay now, ms. */
  get oneWayMs(): number {
    return this.delayMs;
  }

  /**
   * Changes the one-way delay of every connection from the next chunk on (a link that gets slower or
   * faster mid-run); bytes already queued keep their release time, so order is kept.
   */
  set oneWayMs(ms: number) {
    if (!(Number.isFinite(ms) && ms >= 0))
      throw new ConfigError(`delay proxy oneWayMs must be >= 0, got ${ms}`, {
        context: { option: 'oneWayMs' },
      });
    this.delayMs = ms;
  }

  /** `nats://host:port`: the proxy as a NATS server URL. */
  get url(): string {
    return `nats://${this.host}:${this.port}`;
  }

  /**
   * Starts listening.
   * @throws ConfigError for bad options; the listen error (e.g. EADDRINUSE) when the port is taken.
   */
  static async start(options: DelayProxyOptions): Promise<DelayProxy> {
    const o = resolve(options);
    const root = mulberry32(o.seed);
    const server = createServer({ pauseOnConnect: true, allowHalfOpen: true });
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(o.port, o.host, () => {
        server.off('error', fail);
        ok();
      });
    });
    const addr = server.address();
    const proxy = new DelayProxy(server, o.host, typeof addr === 'object' && addr ? addr.port : o.port);
    proxy.delayMs = o.oneWayMs;
    // Without a listener an accept failure (EMFILE, …) would be thrown and end the process.
    server.on('error', () => {
      proxy.stats.serverErrors++;
    });
    server.on('connection', (client) => {
      // Each direction draws from its own stream, split from the proxy's seed in connection order.
      const streams = [mulberry32((root() * 4294967296) >>> 0), mulberry32((root() * 4294967296) >>> 0)];
      proxy.accept(client, o, streams as [() => number, () => number]);
    });
    return proxy;
  }

  private accept(client: Socket, o: Resolved, [up, down]: [() => number, () => number]) {
    if (this.stopped) {
      client.destroy();
      return;
    }
    this.stats.connections++;
    this.stats.open++;
    // Half-open on both sides: a FIN is passed on only after the bytes queued before it.
    const target = tcpConnect({ host: o.targetHost, port: o.targetPort, allowHalfOpen: true });
    client.setNoDelay(true);
    target.setNoDelay(true);
    const draw = (rng: () => number) => () =>
      o.jitter === 0 ? this.delayMs : this.delayMs * (1 + o.jitter * (2 * rng() - 1));
    const onPause = () => this.stats.pauses++;
    const toTarget = new DelayedPipe(
      client,
      target,
      draw(up),
      o.maxQueuedBytes,
      (n) => {
        this.stats.bytesToTarget += n;
      },
      onPause,
    );
    const toClient = new DelayedPipe(
      target,
      client,
      draw(down),
      o.maxQueuedBytes,
      (n) => {
        this.stats.bytesToClient += n;
      },
      onPause,
    );
    let done = false;
    const teardown = () => {
      if (done) return;
      done = true;
      this.stats.open--;
      this.teardowns.delete(teardown);
      toTarget.close();
      toClient.close();
      client.destroy();
      target.destroy();
    };
    this.teardowns.add(teardown);
    // An error on either side ends the pair at once. A clean close of one side does not: bytes it sent
    // may still be queued for the other, which closes in turn once they and the FIN are through.
    let closed = 0;
    for (const s of [client, target]) {
      s.on('error', teardown);
      s.on('close', () => {
        if (++closed === 2) teardown();
      });
    }
    target.once('connect', () => client.resume());
  }

  /** Stops listening and closes every connection at once (queued bytes are dropped). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of [...this.teardowns]) t();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }
}
