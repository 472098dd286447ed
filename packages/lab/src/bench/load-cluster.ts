/**
 * The process cluster of `bench load`: in the "cloud" (one nats-server) a scheduler placing sessions at
 * the edge, a batcher and the verifiers; at the "edge" (a leaf nats-server behind a delay proxy, see
 * load-network.ts) the drafters. Every role is a `specmesh node` child process under a supervisor;
 * the bench's clients are one actor in this process on the cloud server, as a gateway would be.
 *
 * An emulated drafter process holds `drafterSessions` sessions, each drafting on a device of its own
 * (`--parallel-steps`: its worker runs that many steps at once, each a timer), so every client has
 * its own device, as the DSD picture has it, without a process per client. Drafters are added as the
 * grid's concurrency grows (`ensureDrafters`), with a few spare, because the scheduler learns that a
 * device is free again only from its next heartbeat.
 *
 * Between runs, {@link LoadCluster.settle} waits until the cluster is idle by its own heartbeats (no
 * session on any drafter, none active on any verifier), so one run's load never leaks into the next
 * run's view, and reads the verifiers' cumulative `busyMs` then: the target compute spent so far.
 */
import { ConfigError, DeadlineError } from '@specmesh/protocol';
import { Actor, createLogger, type Member, MembershipView, Supervisor } from '@specmesh/runtime';
import { roleArgs } from '../role-processes.js';
import { startLoadNetwork } from './load-network.js';

const POOL = 'default';

export interface LoadClusterOptions {
  /** The `specmesh` entry script each role process runs as `node <nodeBin> node --role …`. */
  readonly nodeBin: string;
  /** Round trip the edge link adds, ms. */
  readonly rttMs: number;
  /** Subject prefix of the cluster. */
  readonly prefix: string;
  /** Model flags of the verifiers (the target). */
  readonly targetFlags: readonly string[];
  /** Model flags of the drafters. */
  readonly drafterFlags: readonly string[];
  /** Verifier processes. */
  readonly verifiers: number;
  /** Sessions one drafter process (edge device) holds at once. */
  readonly drafterSessions: number;
  /** Level of the role processes' logs (stderr). */
  readonly logLevel: string;
  /** Heartbeat period of the cloud roles, ms (drafters beat at twice it). */
  readonly heartbeatMs: number;
  /** Longest wait for processes to join or for the cluster to go idle, ms. */
  readonly readyTimeoutMs: number;
  /** Told when a role process exits unexpectedly (the supervisor restarts it). */
  readonly onCrash?: (name: string, code: number | null, signal: string | null) => void;
}

/** Figures of an idle cluster. */
export interface IdleFigures {
  /** Sum over verifiers of their cumulative busy time (target compute spent), ms; null when one does not report it. */
  readonly busyMs: number | null;
}

export interface LoadCluster {
  /** The clients' actor (cloud). */
  readonly client: Actor;
  /** Client URLs of the cloud and edge servers (for probes). */
  readonly cloudUrl: string;
  readonly edgeUrl: string;
  /** Drafter processes started so far. */
  readonly drafters: number;
  /** Role processes that exited unexpectedly so far (a restarted verifier resets its busyMs). */
  readonly crashes: number;
  /** Starts drafter processes until `sessions` sessions have a device each, plus spares; waits for them. */
  ensureDrafters(sessions: number): Promise<void>;
  /** Waits until the cluster is idle as heard after `afterMs` (Date.now()); its figures then. */
  settle(afterMs: number): Promise<IdleFigures>;
  stop(): Promise<void>;
}

/** A number of a member's heartbeat `meta`, if there is one. */
function metaOf(m: Member, key: string): number | undefined {
  const v = m.heartbeat.meta?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Spare devices beside one per session: enough for the sessions that end within one heartbeat. */
export function drafterProcesses(sessions: number, perDrafter: number): number {
  const needed = Math.ceil(sessions / perDrafter);
  return needed + Math.ceil(needed / 4);
}

export async function startLoadCluster(o: LoadClusterOptions): Promise<LoadCluster> {
  if (!(Number.isInteger(o.verifiers) && o.verifiers >= 1))
    throw new ConfigError(`verifiers must be a positive integer, got ${o.verifiers}`);
  const net = await startLoadNetwork(o.rttMs);
  const sup = new Supervisor({ stdio: ['ignore', 'ignore', 'inherit'], initialDelayMs: 100 });
  let crashes = 0;
  sup.on((e) => {
    if (e.type !== 'exit' || e.expected) return;
    crashes++;
    o.onCrash?.(e.name, e.code, e.signal);
  });
  const common = ['--prefix', o.prefix, '--log-level', o.logLevel];
  const start = (name: string, role: string, nats: string, extra: readonly string[]) =>
    sup.start({
      name,
      args: roleArgs(o.nodeBin, role, name, nats, [...common, ...extra]),
    });
  let client: Actor | undefined;
  const view = new MembershipView();
  const stop = async () => {
    view.stop();
    await sup.stopAll();
    await client?.stop();
    await net.stop();
  };
  try {
    const beat = ['--heartbeat-ms', String(o.heartbeatMs)];
    start('scheduler', 'scheduler', net.cloudUrl, [...beat, '--placement', 'edge']);
    start('batcher', 'batcher', net.cloudUrl, [...beat, '--pool', POOL]);
    for (let i = 1; i <= o.verifiers; i++)
      start(`verifier-${i}`, 'verifier', net.cloudUrl, [
        ...beat,
        '--pool',
        POOL,
        '--host-sessions',
        '0',
        ...o.targetFlags,
      ]);
    client = await Actor.start({
      role: 'gateway',
      servers: net.cloudUrl,
      subjects: { prefix: o.prefix },
      heartbeatIntervalMs: 0,
      logger: createLogger({ level: o.logLevel }),
    });
    view.start(client, 50);
    let drafters = 0;
    const waitFor = async (what: string, predicate: (ms: Member[]) => boolean) => {
      try {
        await view.waitFor(predicate, o.readyTimeoutMs);
      } catch (err) {
        throw new DeadlineError(`bench load: ${what} within ${o.readyTimeoutMs} ms`, { cause: err });
      }
    };
    const cluster: LoadCluster = {
      client,
      cloudUrl: net.cloudUrl,
      edgeUrl: net.edgeUrl,
      get drafters() {
        return drafters;
      },
      get crashes() {
        return crashes;
      },
      async ensureDrafters(sessions) {
        const want = drafterProcesses(sessions, o.drafterSessions);
        const drafterBeat = ['--heartbeat-ms', String(2 * o.heartbeatMs)];
        const sessionsFlag = [
          '--max-sessions',
          String(o.drafterSessions),
          '--parallel-steps',
          String(o.drafterSessions),
        ];
        for (; drafters < want; drafters++)
          start(`drafter-${drafters + 1}`, 'drafter', net.edgeUrl, [
            ...drafterBeat,
            ...sessionsFlag,
            ...o.drafterFlags,
          ]);
        // Ready: every role heard in the cloud, each drafter with a measured round trip to the pool
        // (it has seen the verifiers through the leaf link).
        await waitFor(`${want} drafters and ${o.verifiers} verifiers did not join`, (ms) => {
          const n = (role: string) => ms.filter((m) => m.role === role).length;
          const measured = ms.filter((m) => m.role === 'drafter' && metaOf(m, 'rttMs') !== undefined);
          return (
            n('scheduler') >= 1 &&
            n('batcher') >= 1 &&
            n('verifier') >= o.verifiers &&
            measured.length >= want
          );
        });
      },
      async settle(afterMs) {
        await waitFor('the cluster did not go idle', (ms) => {
          const verifiers = ms.filter((m) => m.role === 'verifier');
          const drafterMembers = ms.filter((m) => m.role === 'drafter');
          return (
            verifiers.length >= o.verifiers &&
            verifiers.every(
              (v) => v.lastSeen > afterMs && metaOf(v, 'sessions') === 0 && metaOf(v, 'positions') === 0,
            ) &&
            drafterMembers.every((d) => d.lastSeen > afterMs && d.heartbeat.load.inflight === 0)
          );
        });
        let busyMs: number | null = 0;
        for (const v of view.alive({ role: 'verifier', includeDraining: true })) {
          const b = metaOf(v, 'busyMs');
          busyMs = b === undefined || busyMs === null ? null : busyMs + b;
        }
        return { busyMs };
      },
      stop,
    };
    return cluster;
  } catch (err) {
    await stop();
    throw err;
  }
}
