/**
 * A session's side of pre-drafting (SSD-DSI) in the cluster: runs the orchestrator's `predraft`
 * commands on drafters that lend their model while they host no session of their own (heartbeat meta
 * `lend`), and stops the ones `drop-predrafts` names.
 *
 * Which lender: the one that served this session last with a slot free (its cache holds the session's
 * prefix, so a branch evaluates only what it adds), else the one with the most slots free. A lender
 * that refuses (it took a session, or other sessions filled it) counts as full until its next
 * heartbeat, which says `lend: 0` while it hosts sessions of its own. The orchestrator asks for at
 * most {@link PredraftClient.free} requests at a time, so a busy cluster, with every drafter hosting
 * sessions, pre-drafts nothing.
 */
import { performance } from 'node:perf_hooks';
import type { DraftToken } from '@specmesh/core';
import { asSpecmeshError, type BodyOf, type Sampling, SchemaError } from '@specmesh/protocol';
import type { Actor, Member } from '@specmesh/runtime';
import { metaNumber } from '../placement/placement.js';
import { unpackDraftDists } from './draft-dists.js';

/** A pre-draft request's answer, as the orchestrator's `predrafted` event wants it (none: it failed). */
export type PredraftAnswer = (id: string, tokens: readonly DraftToken[]) => void;

export interface PredraftClientOptions {
  readonly actor: Actor;
  readonly sessionId: string;
  readonly sampling: Sampling;
  /** Runner-ups asked per greedy draft (what the branches guess from). */
  readonly alternatives: number;
  /** Drafters lending now (heartbeats): every live drafter but this one whose meta says `lend` > 0. */
  readonly lenders: () => readonly Member[];
  /** How long a request may take before it counts as failed, ms (its branch is useless by then). */
  readonly timeoutMs: () => number;
  readonly answer: PredraftAnswer;
  readonly traceId?: string;
}

/** What pre-drafting cost and gave a session, for metrics. */
export interface PredraftUse {
  /** Requests sent, and those that failed or were refused. */
  requests: number;
  failed: number;
  /**
   * Lenders' time on this session's requests, ms: the model time of those that came back, and the
   * time until the drop of those stopped while they ran; and the part on branches never used.
   */
  modelMs: number;
  unusedMs: number;
}

interface Pending {
  readonly lender: string;
  readonly abort: AbortController;
  readonly sentAt: number;
}

export class PredraftClient {
  readonly use: PredraftUse = { requests: 0, failed: 0, modelMs: 0, unusedMs: 0 };
  private readonly o: PredraftClientOptions;
  private readonly pending = new Map<string, Pending>();
  /** Model time of each request that came back, until it is dropped (unused) or the session ends. */
  private readonly returnedMs = new Map<string, number>();
  /** Lenders that refused, with when their last heartbeat came then: full until a newer one. */
  private readonly refusedAt = new Map<string, number>();
  private lastLender: string | undefined;
  private closed = false;

  constructor(o: PredraftClientOptions) {
    this.o = o;
  }

  /** Requests that may start now: lenders' slots less this session's requests on them. */
  free(): number {
    let free = 0;
    for (const m of this.o.lenders()) free += this.slotsFree(m);
    return free;
  }

  /** Sends one `predraft` command to a lender; its answer comes through `answer`, never synchronously. */
  send(c: { id: string; prefix: Uint32Array<ArrayBuffer>; n: number }): void {
    const lender = this.pick();
    if (!lender) {
      // The lenders went away since the orchestrator asked: the branch fails, after this step.
      this.use.requests++;
      this.use.failed++;
      queueMicrotask(() => this.settle(c.id, []));
      return;
    }
    const { actor } = this.o;
    const abort = new AbortController();
    this.pending.set(c.id, { lender: lender.id, abort, sentAt: performance.now() });
    this.lastLender = lender.id;
    this.use.requests++;
    const timeoutMs = this.o.timeoutMs();
    const body: BodyOf<'predraft'> = {
      requestId: c.id,
      sessionId: this.o.sessionId,
      context: c.prefix,
      n: c.n,
      alternatives: this.o.sampling.temperature > 0 ? 0 : this.o.alternatives,
      sampling: this.o.sampling,
      deadlineAt: Date.now() + timeoutMs,
    };
    actor
      .request(actor.subjects.predraft(lender.id, actor.id), 'predraft', body, {
        expect: 'predraft.result',
        timeoutMs,
        signal: abort.signal,
        ...(this.o.traceId ? { traceId: this.o.traceId } : {}),
      })
      .then(
        (reply) => {
          if (this.pending.get(c.id)?.abort !== abort) return;
          this.use.modelMs += reply.body.computeMs;
          this.returnedMs.set(c.id, reply.body.computeMs);
          let drafts: DraftToken[];
          try {
            drafts = draftsOf(reply.body);
            if (drafts.length > c.n)
              throw new SchemaError(`pre-draft ${c.id} returned more than ${c.n} tokens`);
          } catch (err) {
            // A malformed answer is refused like any bad message (counted), and its branch fails.
            actor.metrics.badMessages.inc({ code: asSpecmeshError(err).code });
            this.refusedAt.set(lender.id, lender.lastSeen);
            this.use.failed++;
            this.settle(c.id, []);
            return;
          }
          this.settle(c.id, drafts);
        },
        () => {
          if (this.pending.get(c.id)?.abort !== abort) return;
          // A refusal or a lost lender: no more of it until it says otherwise.
          this.refusedAt.set(lender.id, lender.lastSeen);
          this.use.failed++;
          this.settle(c.id, []);
        },
      );
  }

  /** The orchestrator will never use these requests: stop those still running, count the rest unused. */
  drop(ids: readonly string[]): void {
    const byLender = new Map<string, string[]>();
    for (const id of ids) {
      const returned = this.returnedMs.get(id);
      if (returned !== undefined) {
        this.use.unusedMs += returned;
        this.returnedMs.delete(id);
      }
      const p = this.pending.get(id);
      if (!p) continue;
      this.pending.delete(id);
      p.abort.abort();
      // Its lender worked on it until now (the request's trip there included: a bound from above).
      const held = performance.now() - p.sentAt;
      this.use.modelMs += held;
      this.use.unusedMs += held;
      const list = byLender.get(p.lender) ?? [];
      list.push(id);
      byLender.set(p.lender, list);
    }
    const { actor } = this.o;
    for (const [lender, requestIds] of byLender) {
      actor.publish(actor.subjects.predraft(lender, actor.id), 'predraft.drop', {
        sessionId: this.o.sessionId,
        requestIds,
      });
    }
  }

  /** The session ended: every request still running is stopped. */
  close(): void {
    if (this.closed) return;
    this.drop([...this.pending.keys()]);
    this.closed = true;
    this.returnedMs.clear();
  }

  private settle(id: string, tokens: readonly DraftToken[]) {
    this.pending.delete(id);
    if (!this.closed) this.o.answer(id, tokens);
  }

  /**
   * A lender's slots less this session's requests there. Other sessions' requests do not show in
   * heartbeats (they come and go faster than heartbeats): a lender they fill refuses, and counts as
   * full until its next heartbeat.
   */
  private slotsFree(m: Member): number {
    const refused = this.refusedAt.get(m.id);
    if (refused !== undefined && m.lastSeen <= refused) return 0;
    let mine = 0;
    for (const p of this.pending.values()) if (p.lender === m.id) mine++;
    return Math.max(0, (metaNumber(m, 'lend') ?? 0) - mine);
  }

  private pick(): Member | undefined {
    let best: Member | undefined;
    let bestFree = 0;
    for (const m of this.o.lenders()) {
      const free = this.slotsFree(m);
      if (free <= 0) continue;
      if (m.id === this.lastLender) return m;
      if (free > bestFree) {
        best = m;
        bestFree = free;
      }
    }
    return best;
  }
}

/**
 * A `predraft.result` as the orchestrator's draft tokens, with runner-ups or distributions.
 *
 * @throws SchemaError when its distributions or runner-ups do not have one entry per token.
 */
export function draftsOf(r: BodyOf<'predraft.result'>): DraftToken[] {
  const what = `pre-draft ${r.requestId}`;
  if (r.draftDist) {
    const dists = unpackDraftDists(r.draftDist, r.tokens.length, what);
    return Array.from(r.tokens, (token, i) => ({ token, dist: dists[i]! }));
  }
  const width = r.width ?? 0;
  if (width === 0) return Array.from(r.tokens, (token) => ({ token }));
  const cells = r.tokens.length * width;
  if (r.alternatives?.length !== cells || r.altProbs?.length !== cells)
    throw new SchemaError(`${what} needs ${width} runner-ups and their probabilities per token`);
  return rankedDrafts(r.tokens, width, r.alternatives, r.altProbs);
}

/**
 * Greedy drafts with the drafter's runner-ups: `alternatives` and `probs` have shape
 * `[tokens.length][width]` (a model's `RankedTokens`, or a `predraft.result`'s).
 */
export function rankedDrafts(
  tokens: ArrayLike<number>,
  width: number,
  alternatives: ArrayLike<number>,
  probs: ArrayLike<number>,
): DraftToken[] {
  return Array.from(tokens, (token, i) => {
    const runnerUps = [];
    for (let j = i * width; j < (i + 1) * width; j++)
      runnerUps.push({ token: alternatives[j]!, prob: probs[j]! });
    return { token, alternatives: runnerUps };
  });
}
