/**
 * The cluster a chaos run attacks: its own nats-server (one, or a routed cluster of three that the
 * run may kill a node of and restart), and every role a `specmesh node` process under the supervisor,
 * which restarts what a fault kills, by default by promoting the role's warm spare (as `specmesh node
 * --supervise` does). Each role gets every server's URL, so it reconnects elsewhere when its server
 * dies. Timeouts are a deployment's defaults unless the spec sets them.
 */
import { DeadlineError } from '@specmesh/protocol';
import {
  Actor,
  createLogger,
  freePort,
  MembershipView,
  type NatsServerHandle,
  Supervisor,
  startNatsServer,
  startupDeadlineMs,
} from '@specmesh/runtime';
import { roleArgs } from '../role-processes.js';

/** A connection's reply subscription, `_INBOX[.<role>[.<id>]].<nuid>.*`: made at its first request. */
const REPLY_MUX = /^_INBOX\.(?:[a-z]+\.(?:[A-Za-z0-9_\-:]+\.)?)?[A-Za-z0-9]+\.\*$/;

export interface ChaosClusterSpec {
  /** The `specmesh` entry script each role process runs as `node <nodeBin> node --role …`. */
  readonly nodeBin: string;
  /** nats-servers: 1, or 3 routed into a cluster. */
  readonly natsNodes: 1 | 3;
  /** Instances per role. */
  readonly roles: Readonly<Record<'scheduler' | 'batcher' | 'verifier' | 'drafter', number>>;
  /** Model flags of verifiers and drafters (backend, seed, latencies). */
  readonly modelArgs: readonly string[];
  readonly prefix: string;
  readonly heartbeatMs: number;
  /** `--verify-timeout-ms` of drafters and verifiers; undefined: the roles' default. */
  readonly verifyTimeoutMs?: number;
  /** `--batch-timeout-ms` of batchers; undefined: the roles' default. */
  readonly batchTimeoutMs?: number;
  /** Keep a warm spare of every role process (the supervisor promotes it on a kill). Defaults to true. */
  readonly warmSpare?: boolean;
}

interface NatsNode {
  handle: NatsServerHandle;
  /** HTTP monitoring port (for subscription counts). */
  monitorPort: number;
  routePort?: number;
  alive: boolean;
}

export class ChaosCluster {
  readonly supervisor = new Supervisor({
    stdio: ['ignore', 'ignore', 'ignore'],
    initialDelayMs: 50,
    maxRestarts: 10_000,
    stableAfterMs: 1000,
  });
  /** Role process names, e.g. `drafter-2`. */
  readonly names: string[] = [];
  private nodes: NatsNode[] = [];
  client!: Actor;
  view!: MembershipView;

  private constructor(readonly spec: ChaosClusterSpec) {}

  static async start(spec: ChaosClusterSpec): Promise<ChaosCluster> {
    const c = new ChaosCluster(spec);
    await c.startNats();
    c.startRoles();
    c.client = await Actor.start({
      role: 'gateway',
      servers: c.urls,
      subjects: { prefix: spec.prefix },
      heartbeatIntervalMs: 0,
      logger: createLogger({ level: 'silent' }),
    });
    c.view = new MembershipView().start(c.client, 50);
    await c.view.waitFor((ms) => ms.length >= c.names.length, startupDeadlineMs(c.names.length));
    // The soak starts from the steady state: spares boot after their role has started, and booting
    // they would compete with the first seconds of requests.
    if (spec.warmSpare ?? true) await c.sparesReady(startupDeadlineMs(c.names.length));
    return c;
  }

  /** Resolves once every role has a spare waiting; rejects after `timeoutMs`. */
  private async sparesReady(timeoutMs: number): Promise<void> {
    const end = performance.now() + timeoutMs;
    while (!this.supervisor.status().every((c) => c.spare?.ready === true)) {
      if (performance.now() > end)
        throw new DeadlineError(`the roles' warm spares were not all ready within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  get urls(): string[] {
    return this.nodes.map((n) => n.handle.url);
  }

  private async startNats() {
    const n = this.spec.natsNodes;
    const routePorts: number[] = [];
    for (let i = 0; i < (n === 3 ? 3 : 0); i++) routePorts.push(await freePort());
    for (let i = 0; i < n; i++) this.nodes.push(await this.startNode(i, routePorts));
  }

  private async startNode(i: number, routePorts: readonly number[], port?: number): Promise<NatsNode> {
    const monitorPort = await freePort();
    const routePort = routePorts[i];
    const handle = await startNatsServer({
      ...(port ? { port } : {}),
      name: `${this.spec.prefix}-nats-${i}`,
      args: ['-m', String(monitorPort)],
      ...(routePort !== undefined
        ? {
            cluster: {
              name: `${this.spec.prefix}-chaos`,
              port: routePort,
              routes: routePorts.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`),
            },
          }
        : {}),
    });
    return { handle, monitorPort, ...(routePort !== undefined ? { routePort } : {}), alive: true };
  }

  private startRoles() {
    const urls = this.urls.join(',');
    for (const [role, count] of Object.entries(this.spec.roles)) {
      for (let i = 1; i <= count; i++) {
        const name = `${role}-${i}`;
        this.names.push(name);
        const model = role === 'verifier' || role === 'drafter' ? this.spec.modelArgs : [];
        this.supervisor.start({
          name,
          args: roleArgs(this.spec.nodeBin, role, name, urls, [
            '--prefix',
            this.spec.prefix,
            '--heartbeat-ms',
            String(this.spec.heartbeatMs),
            '--log-level',
            'silent',
            ...(this.spec.verifyTimeoutMs !== undefined
              ? ['--verify-timeout-ms', String(this.spec.verifyTimeoutMs)]
              : []),
            ...(this.spec.batchTimeoutMs !== undefined
              ? ['--batch-timeout-ms', String(this.spec.batchTimeoutMs)]
              : []),
            ...model,
          ]),
          warmSpare: this.spec.warmSpare ?? true,
        });
      }
    }
  }

  /** Index of a live NATS node other than the one the client is on, or undefined. */
  natsVictim(): number | undefined {
    const i = this.nodes.findIndex((n, j) => n.alive && j > 0);
    return i >= 0 ? i : undefined;
  }

  /** Kills NATS node `i` (SIGKILL) and starts it again on the same ports after `downMs`. */
  async killNats(i: number, downMs: number): Promise<void> {
    const node = this.nodes[i]!;
    node.alive = false;
    const port = node.handle.port;
    await node.handle.kill();
    await new Promise((r) => setTimeout(r, downMs));
    const routePorts = this.nodes.map((n) => n.routePort!);
    this.nodes[i] = await this.startNode(i, routePorts, port);
  }

  /**
   * Client subscriptions the live NATS servers hold (not route interest), from /connz, each as
   * `<connection name> <subject>`, leaving out each connection's request-reply inbox.
   */
  async subscriptions(): Promise<string[]> {
    const all: string[] = [];
    for (const n of this.nodes) {
      if (!n.alive) continue;
      const res = await fetch(`http://127.0.0.1:${n.monitorPort}/connz?subs=1&limit=1024`);
      const body = (await res.json()) as {
        connections?: Array<{ name?: string; subscriptions_list?: string[] }>;
      };
      for (const c of body.connections ?? []) {
        for (const sub of c.subscriptions_list ?? []) {
          // The client library's one reply inbox per connection, made at its first request: not
          // state of ours, and its presence depends only on whether that instance asked anything yet.
          if (REPLY_MUX.test(sub)) continue;
          all.push(`${c.name ?? '?'} ${sub}`);
        }
      }
    }
    return all.sort();
  }

  async stop(): Promise<void> {
    // A paused child ignores SIGTERM until it runs again.
    for (const name of this.names) this.supervisor.kill(name, 'SIGCONT');
    this.view?.stop();
    await this.client?.stop();
    await this.supervisor.stopAll();
    for (const n of this.nodes) await n.handle.stop();
  }
}
