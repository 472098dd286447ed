/**
 * Finds, starts and stops `nats-server` child processes: a single server or a routed cluster.
 *
 * Tests use it to get their own servers on free ports; `specmesh up` uses it as the embedded server.
 * The binary comes from Debian's `nats-server` package (or any `nats-server` on PATH, or
 * `SPECMESH_NATS_SERVER`).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ConfigError, MissingError } from '@specmesh/protocol';
import { freePort } from './free-port.js';

const FALLBACK_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin'];

/** How to install the binary, for error messages and the setup script. */
export const NATS_SERVER_INSTALL_HINT =
  'install it with `apt-get install -y nats-server` (Debian/Ubuntu) or set SPECMESH_NATS_SERVER';

/**
 * Locates the nats-server binary: `SPECMESH_NATS_SERVER`, then PATH, then the usual sbin folders.
 * @throws MissingError with an install hint when none is found.
 */
export function findNatsServer(
  env: NodeJS.ProcessEnv = process.env,
  fallbackDirs: readonly string[] = FALLBACK_DIRS,
): string {
  const candidates = [
    env['SPECMESH_NATS_SERVER'],
    ...(env['PATH'] ?? '').split(delimiter).map((d) => d && join(d, 'nats-server')),
    ...fallbackDirs.map((d) => join(d, 'nats-server')),
  ].filter((c): c is string => Boolean(c));
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // try the next one
    }
  }
  throw new MissingError(`nats-server binary not found; ${NATS_SERVER_INSTALL_HINT}`);
}

export interface NatsServerOptions {
  /** Address to bind. Defaults to `127.0.0.1`. */
  host?: string;
  /** Client port. Defaults to a free port. */
  port?: number;
  /** Binary to run. Defaults to {@link findNatsServer}. */
  binary?: string;
  /** Cluster name and route port, for servers that form a cluster. */
  cluster?: { name: string; port: number; routes: string[] };
  /** Server name, shown in logs and INFO. Defaults to `specmesh-<port>`. */
  name?: string;
  /** Extra command-line arguments passed as they are. */
  args?: string[];
  /** How long to wait for the server to accept connections, ms. Defaults to 10000. */
  startTimeoutMs?: number;
}

/** A running nats-server child process. */
export interface NatsServerHandle {
  /** `nats://host:port`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  /** Route URL of this server when clustered. */
  readonly routeUrl?: string;
  /** Stops the server (SIGTERM, then SIGKILL after `graceMs`) and removes its temporary files. */
  stop(graceMs?: number): Promise<void>;
  /** Kills the server at once with SIGKILL, as a crash would. */
  kill(): Promise<void>;
}

function waitForPort(host: string, port: number, child: ChildProcess, timeoutMs: number, log: () => string) {
  const until = Date.now() + timeoutMs;
  return new Promise<void>((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new MissingError(`nats-server exited early (code ${child.exitCode}): ${log().slice(-500)}`));
        return;
      }
      const sock = tcpConnect({ host, port });
      sock.once('connect', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > until) {
          reject(
            new MissingError(
              `nats-server did not accept connections on ${host}:${port} within ${timeoutMs} ms`,
            ),
          );
        } else {
          setTimeout(attempt, 25);
        }
      });
    };
    attempt();
  });
}

/** util-linux's setpriv, which can set a parent-death signal before it runs a program. */
const SETPRIV = '/usr/bin/setpriv';
let setprivWorks: boolean | undefined;

/**
 * The command that runs `binary` so that it dies with this process, however this process ends. An
 * `exit` handler covers a normal exit only; a test worker killed on a timeout, or a SIGKILLed
 * `specmesh up`, would leave its nats-server running for good. On Linux, setpriv asks the kernel for a
 * SIGKILL to the server when its parent dies (and it survives the exec). Elsewhere, the plain binary.
 */
function dyingWithParent(binary: string, args: string[]): [string, string[]] {
  if (setprivWorks === undefined) {
    setprivWorks = false;
    if (process.platform === 'linux') {
      try {
        accessSync(SETPRIV, constants.X_OK);
        setprivWorks = spawnSync(SETPRIV, ['--pdeathsig', 'KILL', '--', 'true']).status === 0;
      } catch {
        // not installed: the plain binary
      }
    }
  }
  return setprivWorks ? [SETPRIV, ['--pdeathsig', 'KILL', '--', binary, ...args]] : [binary, args];
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts one nats-server and resolves once it accepts TCP connections. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const host = options.host ?? '127.0.0.1';
  const binary = options.binary ?? findNatsServer();
  const port = options.port ?? (await freePort(host));
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new ConfigError(`invalid nats-server port ${port}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'specmesh-nats-'));
  const args = [
    '-a',
    host,
    '-p',
    String(port),
    '-n',
    options.name ?? `specmesh-${port}`,
    '-P',
    join(dir, 'pid'),
  ];
  let routeUrl: string | undefined;
  if (options.cluster) {
    routeUrl = `nats://${host}:${options.cluster.port}`;
    args.push('--cluster_name', options.cluster.name, '--cluster', routeUrl);
    if (options.cluster.routes.length > 0) args.push('--routes', options.cluster.routes.join(','));
  }
  args.push(...(options.args ?? []));

  const [command, commandArgs] = dyingWithParent(binary, args);
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    // Keep only the tail: the server logs every connection.
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) =>
      reject(new MissingError(`cannot run ${binary}: ${err.message}`, { cause: err })),
    );
  });
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    await spawned;
    await waitForPort(host, port, child, options.startTimeoutMs ?? 10_000, () => stderr);
  } catch (err) {
    child.kill('SIGKILL');
    cleanup();
    throw err;
  }
  // Never leave an orphan server behind if the parent exits without stopping it.
  const onParentExit = () => child.kill('SIGKILL');
  process.once('exit', onParentExit);

  const stop = async (graceMs = 5000) => {
    process.removeListener('exit', onParentExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited(child);
      clearTimeout(timer);
    }
    cleanup();
  };
  const handle: NatsServerHandle = {
    url: `nats://${host}:${port}`,
    host,
    port,
    pid: child.pid ?? -1,
    stop,
    kill: async () => {
      child.kill('SIGKILL');
      await stop(0);
    },
  };
  if (routeUrl) Object.assign(handle, { routeUrl });
  return handle;
}

export interface NatsClusterOptions extends Omit<NatsServerOptions, 'port' | 'cluster' | 'name'> {
  /** Number of servers. Defaults to 3. */
  size?: number;
  /** Cluster name. Defaults to `specmesh`. */
  name?: string;
}

/** A routed cluster of nats-servers on free ports. */
export interface NatsClusterHandle {
  readonly servers: readonly NatsServerHandle[];
  /** Client URLs of every server. */
  readonly urls: readonly string[];
  stop(): Promise<void>;
}

/** Starts `size` servers whose routes point at each other. */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsClusterHandle> {
  const size = options.size ?? 3;
  if (!Number.isInteger(size) || size < 1) throw new ConfigError(`invalid cluster size ${size}`);
  const host = options.host ?? '127.0.0.1';
  const routePorts: number[] = [];
  while (routePorts.length < size) {
    const p = await freePort(host);
    if (!routePorts.includes(p)) routePorts.push(p);
  }
  const routes = routePorts.map((p) => `nats://${host}:${p}`);
  const servers = await Promise.all(
    routePorts.map((routePort, i) =>
      startNatsServer({
        ...options,
        host,
        name: `${options.name ?? 'specmesh'}-${i}`,
        cluster: {
          name: options.name ?? 'specmesh',
          port: routePort,
          routes: routes.filter((_, j) => j !== i),
        },
      }),
    ),
  );
  return {
    servers,
    urls: servers.map((s) => s.url),
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}
