/**
 * The drafter role: accepts sessions from schedulers (`session.start`), owns each session's
 * orchestration, and stops a session on `session.cancel`. Reports its free session slots in
 * heartbeats so schedulers route by them, and its measured round trip to the verifiers (its sessions'
 * rounds, else pings over NATS), by which an adaptive scheduler (or AWC) decides between running a
 * request here and fused in the cloud; a running session hands over to the cloud when its link turned
 * clearly slow (or its AWC chose fused mode).
 */
import type { AwcWeights } from '@specmesh/core';
import type { LanguageModel } from '@specmesh/models';
import {
  Actor,
  type ActorOptions,
  type MembershipEvent,
  MembershipView,
  RttMonitor,
} from '@specmesh/runtime';
import { edgeSessionMove, metaNumber, poolLoad, queueFigures } from '../placement/placement.js';
import { poolView } from '../placement/target-capacity.js';
import { SessionHost } from '../session/session-host.js';
import { PredraftLender } from './predraft-lender.js';

/**
 * How long sessions' round trips stand for the link after the last one, ms; then pings do again (a
 * drafter whose sessions all left learns a recovered link from its pings).
 */
const ROUND_RTT_FRESH_MS = 2000;

/** Time a batcher or verifier that just announced itself takes to subscribe to its pool's tasks, ms. */
const MEMBER_SUBSCRIBE_MS = 50;

export interface DrafterOptions extends Omit<ActorOptions, 'role'> {
  /** The draft model. */
  model: LanguageModel;
  /** Sessions held at once. Defaults to 16. */
  maxSessions?: number;
  /** How long a verification may take before it is re-issued, ms. Defaults to 10000. */
  verifyTimeoutMs?: number;
  /**
   * Tasks carry only the context a verifier lacks (true), or always the whole prefix (false, for
   * comparison). Defaults to true.
   */
  leanContext?: boolean;
  /**
   * WC-DNN weights for requests that ask for the `awc` window policy (loaded from a file by the CLI's
   * `--awc-weights`). Defaults to the weights shipped with @specmesh/core.
   */
  awcWeights?: AwcWeights;
  /**
   * Sessions send their sequential tasks straight to the verifier holding their context while it has
   * room, and to a verifier of their own choosing while the batcher does not answer (protocol 2.1;
   * see session/verify-route.ts). False: every task goes through the batcher. Defaults to true.
   */
  directVerify?: boolean;
  /**
   * Pre-draft requests of other drafters' sessions it runs at once while it hosts none of its own
   * (heartbeat meta `lend`: these slots, 0 while it hosts sessions; see predraft-lender.ts). Defaults
   * to 0: it lends nothing (and says nothing of it).
   */
  lendSlots?: number;
  /**
   * Its sessions have the continuations of their likely rejections drafted on drafters that lend
   * (pre-drafting, SSD-DSI). It then follows every drafter's heartbeats to find the lenders, which
   * costs a message per drafter and heartbeat: off by default, for fleets of many edge drafters.
   */
  predraft?: boolean;
  /** Pre-draft requests one session keeps in flight at most. Defaults to 4. */
  predraftRequests?: number;
}

export class Drafter {
  readonly actor: Actor;
  private readonly view = new MembershipView({ role: 'verifier' });
  /** Batchers, whose return (a join or a restart) lets sessions re-issue what went to none. */
  private readonly batchers = new MembershipView({ role: 'batcher' });
  /** Other drafters, some of which may lend their model for pre-drafting. */
  private readonly drafters = new MembershipView({ role: 'drafter' });
  private host: SessionHost | undefined;
  /** Lends the model to other drafters' sessions while it hosts none (`lendSlots` > 0). */
  lender: PredraftLender | undefined;
  private rtt: RttMonitor | undefined;
  /** Network time of its sessions' verification rounds, smoothed (EWMA α 1/4), and when last told. */
  private roundRttMs: number | undefined;
  private roundRttAt = 0;
  private draftMs: number | undefined;

  /**
   * The round trip to the pool this drafter reports (heartbeat meta `rttMs`): what its sessions'
   * rounds paid on the network in the last moments (a ping misses the batcher hop and the hosts' own
   * delays), else its pings.
   */
  rttMs(): number | undefined {
    const fresh = this.roundRttMs !== undefined && performance.now() - this.roundRttAt < ROUND_RTT_FRESH_MS;
    return fresh ? this.roundRttMs : this.rtt?.medianMs();
  }

  /** Draft speed of this drafter's sessions, ms per token (heartbeat meta `draftMsPerToken`). */
  draftMsPerToken(): number | undefined {
    return this.draftMs;
  }

  /** A session measured its draft speed (see HostSurroundings.drafted). */
  private drafted(msPerToken: number): void {
    this.draftMs = this.draftMs === undefined ? msPerToken : this.draftMs + (msPerToken - this.draftMs) / 8;
  }

  /** A session measured a round's network time (see HostSurroundings.roundTrip). */
  private roundTrip(ms: number): void {
    const prev = this.roundRttMs;
    this.roundRttMs =
      prev === undefined || performance.now() - this.roundRttAt >= ROUND_RTT_FRESH_MS
        ? ms
        : prev + (ms - prev) / 4;
    this.roundRttAt = performance.now();
  }

  private constructor(actor: Actor) {
    this.actor = actor;
  }

  static async start(options: DrafterOptions): Promise<Drafter> {
    let d: Drafter | undefined;
    const capacity = options.maxSessions ?? 16;
    const lendSlots = Math.max(0, Math.floor(options.lendSlots ?? 0));
    const actor = await Actor.start({
      ...options,
      role: 'drafter',
      load: () => ({ inflight: d?.active ?? 0, queued: 0, capacity }),
      meta: () => {
        const rttMs = d?.rttMs();
        const draftMs = d?.draftMsPerToken();
        return {
          model: options.model.info.name,
          ...(rttMs !== undefined ? { rttMs: Math.round(rttMs * 100) / 100 } : {}),
          ...(draftMs !== undefined ? { draftMsPerToken: Math.round(draftMs * 100) / 100 } : {}),
          ...(d?.lender ? { lend: d.lender.lending } : {}),
        };
      },
    });
    d = new Drafter(actor);
    const view = d.view;
    const batchers = d.batchers;
    view.start(actor, 100);
    d.batchers.start(actor, 100);
    const drafters = d.drafters;
    if (options.predraft === true) drafters.start(actor, 100);
    if (lendSlots > 0) {
      d.lender = new PredraftLender({
        actor,
        model: options.model,
        slots: lendSlots,
        hosting: () => d?.active ?? 0,
      });
    }
    // A batcher or verifier of a pool that joins or restarts: what the pool lost can be re-issued now.
    const memberBack = (e: MembershipEvent) => {
      if (e.type === 'leave' || e.member.pool === undefined) return;
      const pool = e.member.pool;
      // Its first heartbeat leaves just before it subscribes to the pool's tasks.
      setTimeout(() => d?.host?.poolMemberBack(pool), MEMBER_SUBSCRIBE_MS).unref();
    };
    d.batchers.on(memberBack);
    view.on(memberBack);
    const rtt = new RttMonitor(actor, () => view.alive({ role: 'verifier' }).map((m) => m.id));
    d.rtt = rtt.start(Math.max(50, options.heartbeatIntervalMs ?? 1000));
    d.host = new SessionHost({
      actor,
      model: options.model,
      capacity,
      verifyTimeoutMs: options.verifyTimeoutMs ?? 10_000,
      maxTasks: (pool) => view.alive({ role: 'verifier', pool }).length,
      leanContext: options.leanContext ?? true,
      ...(options.directVerify === false
        ? {}
        : {
            directVerifiers: (pool: string) => view.alive({ role: 'verifier', pool }),
            batcherAlive: (pool: string) => batchers.alive({ role: 'batcher', pool }).length > 0,
          }),
      ...(options.awcWeights ? { awcWeights: options.awcWeights } : {}),
      ...(options.predraft !== true
        ? {}
        : {
            predraftLenders: () =>
              drafters
                .alive({ role: 'drafter' })
                .filter((m) => m.id !== actor.id && (metaNumber(m, 'lend') ?? 0) > 0),
            ...(options.predraftRequests !== undefined ? { predraftRequests: options.predraftRequests } : {}),
          }),
      shouldHandOver: (start, awcWish) => {
        if (start.placement?.kind !== 'edge') return undefined;
        const verifiers = view.alive({ role: 'verifier', pool: start.pool });
        return edgeSessionMove(start, awcWish, {
          ...(d?.rttMs() !== undefined ? { rttMs: d.rttMs()! } : {}),
          poolLoad: poolLoad(verifiers),
          fusedHostFree: verifiers.some(
            (v) => metaNumber(v, 'fused') === 1 && (metaNumber(v, 'hostFree') ?? 0) > 0,
          ),
        });
      },
      surroundings: {
        queue: (pool, verifierId) => queueFigures(view.alive({ role: 'verifier', pool }), verifierId),
        edgeRttMs: () => d?.rttMs(),
        roundTrip: (ms) => d?.roundTrip(ms),
        drafted: (ms) => d?.drafted(ms),
        edgeDraftMsPerToken: () => d?.draftMsPerToken(),
        pool: (pool, verifierId, positions, stepMs, servedBy, inFlight) =>
          poolView(view.alive({ role: 'verifier', pool }), verifierId, positions, stepMs, servedBy, inFlight),
      },
    });
    await actor.flush();
    return d;
  }

  /** Sessions running now. */
  get active(): number {
    return this.host?.active ?? 0;
  }

  /** Pre-drafting figures of the sessions that ended here (undefined without `predraft`). */
  get predraftTotals() {
    return this.host?.predraft?.totals;
  }

  async drain(): Promise<void> {
    this.rtt?.stop();
    this.view.stop();
    this.batchers.stop();
    this.drafters.stop();
    this.lender?.stop();
    await this.actor.drain();
  }

  async stop(): Promise<void> {
    this.host?.stop();
    this.lender?.stop();
    this.rtt?.stop();
    this.view.stop();
    this.batchers.stop();
    this.drafters.stop();
    await this.actor.stop();
  }
}
