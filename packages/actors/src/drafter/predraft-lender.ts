/**
 * A drafter's side of pre-drafting (SSD-DSI): while it hosts no session of its own, it lends its
 * model to other drafters' sessions, drafting the continuations of their likely rejections
 * (`predraft` on `predraft.<its id>.*`). A drafter with sessions of its own, or with every slot
 * taken, refuses at once (`E_NO_CAPACITY`), so pre-drafting only ever uses idle capacity.
 *
 * Each request runs on a lane of the model (a session cache of its own), `pd:<host>:<session>:<lane>`,
 * so the next branch of the same session evaluates only what it adds to the prefix the lane holds;
 * the least recently used lanes are released beyond a few per slot.
 */
import { processDistribution, Rng, type SparseDist, sample } from '@specmesh/core';
import { generateRanked, type LanguageModel } from '@specmesh/models';
import { type BodyOf, hostOfSubject, NoCapacityError, type Sampling } from '@specmesh/protocol';
import type { Actor, Reply } from '@specmesh/runtime';
import { packDraftDists } from '../session/draft-dists.js';

/** Lanes kept per slot (caches of recent sessions), beyond which the least recently used go. */
const LANES_PER_SLOT = 4;

export interface PredraftLenderOptions {
  readonly actor: Actor;
  readonly model: LanguageModel;
  /** Requests run at once at most. */
  readonly slots: number;
  /** Sessions the drafter hosts now: it lends only while it hosts none. */
  readonly hosting: () => number;
}

/** What a lender did, for metrics and benchmarks. */
export interface LenderStats {
  requests: number;
  refused: number;
  dropped: number;
  /** Requests that arrived past their deadline: not served, their asker had stopped waiting. */
  expired: number;
  /** Model time spent on requests, ms. */
  modelMs: number;
}

export class PredraftLender {
  readonly stats: LenderStats = { requests: 0, refused: 0, dropped: 0, expired: 0, modelMs: 0 };
  private readonly o: PredraftLenderOptions;
  /**
   * Requests running, by `<host>/<requestId>`. A dropped one leaves at once, slot and lane: its step
   * may still finish in the model, and the next request of its session waits behind it on its lane
   * (its cache), which costs less than a refusal or a cold lane.
   */
  private readonly running = new Map<string, { abort: AbortController; lane: string }>();
  /** Every lane the model holds, least recently used first (a lane is in use while a run names it). */
  private readonly lanes = new Set<string>();
  private readonly unsubscribe: () => void;

  constructor(o: PredraftLenderOptions) {
    this.o = o;
    const { actor } = o;
    this.unsubscribe = actor.handle(
      actor.subjects.predraftOf(actor.id),
      ['predraft', 'predraft.drop'],
      (msg, ctx) => {
        const host = hostOfSubject(actor.subjects, ctx.subject);
        if (msg.kind === 'predraft.drop') {
          const drop = msg.body as BodyOf<'predraft.drop'>;
          for (const id of drop.requestIds) this.release(`${host}/${id}`)?.abort.abort();
          return undefined;
        }
        return this.serve(host, msg.body as BodyOf<'predraft'>);
      },
    );
  }

  /** Slots it lends now (heartbeat meta `lend`): all of them while it hosts no session, else none. */
  get lending(): number {
    return this.o.hosting() > 0 ? 0 : this.o.slots;
  }

  /** Slots free for other drafters' sessions now. */
  get free(): number {
    return Math.max(0, this.lending - this.running.size);
  }

  private async serve(host: string, req: BodyOf<'predraft'>): Promise<Reply | undefined> {
    if (this.free <= 0) {
      this.stats.refused++;
      throw new NoCapacityError(`${this.o.actor.id} lends no slot now`, {
        context: { slots: this.o.slots, running: this.running.size, hosting: this.o.hosting() },
      });
    }
    // Past its deadline its asker has stopped waiting (and counted it failed): nothing to answer.
    if (req.deadlineAt !== undefined && req.deadlineAt <= Date.now()) {
      this.stats.expired++;
      return undefined;
    }
    const key = `${host}/${req.requestId}`;
    const abort = new AbortController();
    const lane = this.takeLane(host, req.sessionId);
    const run = { abort, lane };
    this.running.set(key, run);
    this.stats.requests++;
    const began = performance.now();
    try {
      const body = await this.draft(lane, req, abort.signal);
      const computeMs = performance.now() - began;
      this.stats.modelMs += computeMs;
      return { kind: 'predraft.result', body: { ...body, computeMs } };
    } catch (err) {
      this.stats.modelMs += performance.now() - began;
      if (!abort.signal.aborted) throw err;
      // Dropped: the asker stopped waiting, and a stop is no fault. No answer.
      this.stats.dropped++;
      return undefined;
    } finally {
      if (this.running.get(key) === run) this.release(key);
    }
  }

  /** Frees a request's slot and lane; returns what it was, if it still ran. */
  private release(key: string) {
    const run = this.running.get(key);
    this.running.delete(key);
    return run;
  }

  private laneInUse(lane: string): boolean {
    for (const r of this.running.values()) if (r.lane === lane) return true;
    return false;
  }

  private async draft(
    lane: string,
    req: BodyOf<'predraft'>,
    signal: AbortSignal,
  ): Promise<Omit<BodyOf<'predraft.result'>, 'computeMs'>> {
    const { model } = this.o;
    if (req.sampling.temperature > 0) return this.sampled(lane, req, signal);
    if (req.alternatives === 0) {
      const tokens = await model.generate(lane, req.context, req.n, signal);
      return { requestId: req.requestId, tokens: tokens.slice() };
    }
    const r = await generateRanked(model, lane, req.context, req.n, req.alternatives, signal);
    return {
      requestId: req.requestId,
      // Copies on plain buffers (a worker's arrays may sit on any kind), which the codec takes.
      tokens: r.tokens.slice(),
      width: r.width,
      alternatives: r.alternatives.slice(),
      altProbs: r.probs.slice(),
    };
  }

  /** Sampled drafts with the drafter's processed distribution at each (what rejection sampling needs). */
  private async sampled(lane: string, req: BodyOf<'predraft'>, signal: AbortSignal) {
    const { model } = this.o;
    const rng = new Rng(requestSeed(req.sampling, req.requestId));
    const ctx = Array.from(req.context);
    const tokens: number[] = [];
    const dists: SparseDist[] = [];
    for (let i = 0; i < req.n; i++) {
      const [p] = await model.evaluate(lane, Uint32Array.from(ctx), 1, signal);
      const dist = processDistribution(p!, req.sampling);
      const token = sample(dist, rng);
      tokens.push(token);
      dists.push(dist);
      ctx.push(token);
      if (token === model.info.eosId) break;
    }
    return { requestId: req.requestId, tokens: Uint32Array.from(tokens), draftDist: packDraftDists(dists) };
  }

  /** A free lane of the session (the lowest), made the most recently used. */
  private takeLane(host: string, sessionId: string): string {
    let lane = '';
    for (let i = 0; ; i++) {
      lane = `pd:${host}:${sessionId}:${i}`;
      if (!this.laneInUse(lane)) break;
    }
    this.lanes.delete(lane);
    this.lanes.add(lane);
    const most = LANES_PER_SLOT * Math.max(1, this.o.slots);
    for (const old of this.lanes) {
      if (this.lanes.size <= most) break;
      if (old === lane || this.laneInUse(old)) continue;
      this.lanes.delete(old);
      this.o.model.release(old);
    }
    return lane;
  }

  stop(): void {
    this.unsubscribe();
    for (const r of this.running.values()) r.abort.abort();
    for (const lane of this.lanes) this.o.model.release(lane);
    this.lanes.clear();
  }
}

/** The seed of a sampled request's draws: the session's seed mixed with the request id (FNV-1a). */
function requestSeed(sampling: Sampling, requestId: string): number {
  let h = 0x811c9dc5 ^ sampling.seed;
  for (let i = 0; i < requestId.length; i++) h = Math.imul(h ^ requestId.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
