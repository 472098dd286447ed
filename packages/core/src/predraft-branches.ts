/**
 * Pre-drafting (SSD, Kumar et al. 2026) for the orchestrator: while verification tasks are in
 * flight, idle drafter instances draft continuations for the verification outcomes most likely to
 * happen, so that a rejection whose outcome was guessed finds its next drafts ready.
 *
 * An outcome is a branch: the target rejects the draft at position `pos` and puts `token` there.
 * Candidates are the positions the tasks in flight verify (their drafts and the draft after their
 * last one, where a bonus token can disagree) and, at each, the drafter's top-m runner-up tokens.
 * A branch's estimated probability is `â^i · q(token)`: `i` drafts accepted before `pos` (each with
 * the session's acceptance estimate `â`), then the drafter's probability of `token`. At each step
 * the best `branches` candidates are pre-drafted, best first, each up to the depth the speculation could
 * use, in requests of `chunk` tokens, at most `drafters` requests in flight.
 *
 * A branch is drafted from the exact prefix it would extend: the sequence up to `pos` in the epoch
 * it was asked in (the sequence only grows within an epoch), then `token`, then its own earlier
 * pre-drafts. It is used only when the rejection happens at `pos` of that same epoch and the target's
 * token is `token`; every other branch is dropped when its epoch ends or `pos` is committed as
 * drafted. So a used pre-draft is what the main drafter would have drafted after the corrected
 * prefix, with the draft distribution verification needs.
 */
import type { DraftAlternative, DraftToken, OrchestratorCommand } from './orchestration-types.js';

export interface PredraftOptions {
  /** Pre-draft requests in flight at most: the idle drafter instances lent to the session (0: off). */
  readonly drafters: number;
  /** Runner-up tokens considered per position (the drafter's top-m after its pick). Defaults to 2. */
  readonly alternatives?: number;
  /** Candidates considered at each step: the most likely this many. Defaults to 4 per drafter. */
  readonly branches?: number;
  /** Tokens per pre-draft request. Defaults to the round's window `k`. */
  readonly chunk?: number;
  /**
   * Requests that may start now besides those in flight: the instances idle at this moment (a
   * cluster's lenders come and go, and lend only while idle). Absent: `drafters` less those in flight.
   */
  readonly free?: () => number;
}

/** Pre-drafting counters (for metrics: hit rate per position, drafter work never used). */
export interface PredraftStats {
  /** Pre-draft requests sent, and tokens they returned. */
  requests: number;
  tokens: number;
  /** Pre-drafted tokens taken into the speculation after a matching rejection. */
  usedTokens: number;
  /** Pre-drafted tokens of branches dropped unused. */
  unusedTokens: number;
  /** Requests dropped before their result came (their drafter stopped). */
  droppedRequests: number;
  /**
   * Rejections and those that found a pre-drafted branch, by the rejected draft's slot in its task
   * (0: the task's first draft; `k`: the draft after its last, against a bonus token).
   */
  rejectionsBySlot: number[];
  hitsBySlot: number[];
}

/** What the orchestrator tells the branch book about the speculation now. */
export interface SpeculationView {
  readonly epoch: number;
  /** First position not verified yet. */
  readonly committedEnd: number;
  /** Prompt, committed output, then drafts. */
  readonly seq: readonly number[];
  /** Draft information of `seq[committedEnd …]`. */
  readonly spec: readonly DraftToken[];
  /** End of the furthest position the tasks in flight verify (their last bonus position). */
  readonly coveredEnd: number;
  /** Tokens a branch may usefully hold: the speculation depth, and what is left of maxTokens. */
  readonly maxLength: (pos: number) => number;
  /**
   * Drafts that can still be made before the verdict on `pos` comes: the drafts made in one target
   * forward (the speculation's depth, which DSI sizes so), less those made since the first task in
   * flight that verifies `pos` went out. No clock needed: the main drafter is the measure.
   */
  readonly draftsBeforeVerdict: (pos: number) => number;
  /** Per-draft acceptance estimate. */
  readonly acceptance: number;
  readonly chunk: number;
}

interface Branch {
  readonly key: string;
  readonly epoch: number;
  readonly pos: number;
  readonly token: number;
  readonly tokens: DraftToken[];
  /** Requests that returned tokens (named when the branch is dropped, for the drafter-time account). */
  readonly requests: string[];
  /** The request in flight, if any. */
  pending: string | undefined;
  /** Ended in an end-of-sequence draft: nothing more to draft. */
  closed: boolean;
}

/** The drafter's runner-ups at a draft: given, or read from its sampling distribution. */
export function alternativesOf(d: DraftToken, m: number): readonly DraftAlternative[] {
  if (d.alternatives) return d.alternatives.slice(0, m);
  if (!d.dist) return [];
  const out: DraftAlternative[] = [];
  for (let i = 0; i < d.dist.tokens.length && out.length < m; i++) {
    const token = d.dist.tokens[i]!;
    if (token !== d.token) out.push({ token, prob: d.dist.probs[i]! });
  }
  return out;
}

export class PredraftBranches {
  readonly stats: PredraftStats = {
    requests: 0,
    tokens: 0,
    usedTokens: 0,
    unusedTokens: 0,
    droppedRequests: 0,
    rejectionsBySlot: [],
    hitsBySlot: [],
  };
  private readonly drafters: number;
  private readonly m: number;
  private readonly maxBranches: number;
  private readonly chunk: number | undefined;
  private readonly free: (() => number) | undefined;
  private readonly idPrefix: string;
  private readonly branches = new Map<string, Branch>();
  private readonly byRequest = new Map<string, Branch>();
  private inFlight = 0;
  private requestSeq = 0;

  constructor(o: PredraftOptions, idPrefix: string) {
    this.drafters = Math.max(0, Math.floor(o.drafters));
    this.m = Math.max(1, Math.floor(o.alternatives ?? 2));
    this.maxBranches = Math.max(1, Math.floor(o.branches ?? 4 * Math.max(1, this.drafters)));
    this.chunk = o.chunk;
    this.free = o.free;
    this.idPrefix = idPrefix;
  }

  /**
   * Drops branches the speculation has moved past, then asks for pre-drafts of the most likely
   * outcomes while tasks are in flight and a drafter instance is free.
   */
  plan(v: SpeculationView, tasksInFlight: boolean, out: OrchestratorCommand[]): void {
    const dead: Branch[] = [];
    for (const b of this.branches.values()) if (b.epoch !== v.epoch || b.pos < v.committedEnd) dead.push(b);
    this.drop(dead, out);
    let free = this.free ? Math.floor(this.free()) : Number.POSITIVE_INFINITY;
    if (!tasksInFlight || this.inFlight >= this.drafters || !(free > 0)) return;
    const chunk = Math.max(1, this.chunk ?? v.chunk);
    for (const c of this.candidates(v)) {
      if (this.inFlight >= this.drafters || !(free > 0)) return;
      const key = `${c.pos}:${c.token}`;
      let b = this.branches.get(key);
      const room = v.maxLength(c.pos) - (b?.tokens.length ?? 0);
      // A request that cannot finish before the verdict is still worth it for a branch a rejection
      // may take over while it runs (see `take`), but not for one with no time at all.
      const before = v.draftsBeforeVerdict(c.pos);
      if (room <= 0 || before < 1 || b?.pending !== undefined || b?.closed) continue;
      if (!b) {
        b = {
          key,
          epoch: v.epoch,
          pos: c.pos,
          token: c.token,
          tokens: [],
          requests: [],
          pending: undefined,
          closed: false,
        };
        this.branches.set(key, b);
      }
      const id = `${this.idPrefix}${this.requestSeq++}`;
      const prefix = new Uint32Array(c.pos + 1 + b.tokens.length);
      for (let i = 0; i < c.pos; i++) prefix[i] = v.seq[i]!;
      prefix[c.pos] = c.token;
      for (let i = 0; i < b.tokens.length; i++) prefix[c.pos + 1 + i] = b.tokens[i]!.token;
      b.pending = id;
      this.byRequest.set(id, b);
      this.inFlight++;
      free--;
      this.stats.requests++;
      out.push({ type: 'predraft', id, pos: c.pos, prefix, n: Math.min(chunk, room, before) });
    }
  }

  /** The most likely outcomes, best first: `maxBranches` of them at most. */
  private candidates(v: SpeculationView): { pos: number; token: number }[] {
    const last = Math.min(v.coveredEnd, v.seq.length - 1);
    const found: { pos: number; token: number; score: number }[] = [];
    let reach = 1;
    for (let pos = v.committedEnd; pos <= last; pos++) {
      const d = v.spec[pos - v.committedEnd];
      if (!d) break;
      for (const alt of alternativesOf(d, this.m)) {
        if (alt.token !== d.token && alt.prob > 0)
          found.push({ pos, token: alt.token, score: reach * alt.prob });
      }
      reach *= v.acceptance;
    }
    // Best first; equal scores the earlier position first (a deterministic order).
    found.sort((x, y) => y.score - x.score || x.pos - y.pos || x.token - y.token);
    return found.slice(0, this.maxBranches);
  }

  /** A pre-draft request finished: its tokens extend its branch, if the branch still lives. */
  onPredrafted(id: string, tokens: readonly DraftToken[], eosId: number | undefined): boolean {
    const b = this.byRequest.get(id);
    if (!b || b.pending !== id) return false;
    this.byRequest.delete(id);
    b.pending = undefined;
    this.inFlight--;
    b.requests.push(id);
    for (const t of tokens) {
      b.tokens.push(t);
      this.stats.tokens++;
      if (t.token === eosId) {
        b.closed = true;
        break;
      }
    }
    return true;
  }

  /**
   * A rejection at `pos` of `epoch`, where the target put `token`; `slot` is the rejected draft's
   * place in its task. Returns the matching branch, if one was asked for: its pre-drafts (now the
   * speculation's) and its request still in flight, whose tokens come next. That request keeps its
   * drafter instance (it counts as in flight) until {@link settle} says it arrived or died.
   */
  take(
    epoch: number,
    pos: number,
    token: number,
    slot: number,
  ): { readonly tokens: readonly DraftToken[]; readonly pending: string | undefined } | undefined {
    const s = this.stats;
    while (s.rejectionsBySlot.length <= slot) {
      s.rejectionsBySlot.push(0);
      s.hitsBySlot.push(0);
    }
    s.rejectionsBySlot[slot]!++;
    const b = this.branches.get(`${pos}:${token}`);
    if (!b || b.epoch !== epoch) return undefined;
    this.branches.delete(b.key);
    if (b.pending !== undefined) this.byRequest.delete(b.pending);
    return { tokens: b.tokens, pending: b.pending };
  }

  /** A taken branch at `slot` gave the speculation drafts (or its running request stands for them). */
  recordHit(slot: number): void {
    this.stats.hitsBySlot[slot]!++;
  }

  /** Pre-drafted tokens that went into the speculation. */
  recordUsed(tokens: number): void {
    this.stats.usedTokens += tokens;
  }

  /**
   * A taken branch's request came back (`tokens`, now the speculation's) or died (`undefined`:
   * a later rejection or the end of generation made it useless; its drafter is told to stop).
   */
  settle(id: string, tokens: readonly DraftToken[] | undefined, out: OrchestratorCommand[]): void {
    this.inFlight--;
    if (tokens) {
      this.stats.tokens += tokens.length;
      return;
    }
    this.stats.droppedRequests++;
    out.push({ type: 'drop-predrafts', ids: [id] });
  }

  /** Generation ended: every branch is dropped. */
  dropAll(out: OrchestratorCommand[]): void {
    this.drop([...this.branches.values()], out);
  }

  private drop(dead: readonly Branch[], out: OrchestratorCommand[]) {
    if (dead.length === 0) return;
    const ids: string[] = [];
    for (const b of dead) {
      this.branches.delete(b.key);
      ids.push(...b.requests);
      this.stats.unusedTokens += b.tokens.length;
      if (b.pending !== undefined) {
        this.byRequest.delete(b.pending);
        this.inFlight--;
        this.stats.droppedRequests++;
        ids.push(b.pending);
      }
    }
    out.push({ type: 'drop-predrafts', ids });
  }
}
