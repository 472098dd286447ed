/**
 * Checks that every output token of a request was decided by a target verifier.
 *
 * A session's host (an edge drafter the cloud does not control) publishes the token chunks, so it could
 * put any text in them. Verifiers sign what they decide (verified statements, see
 * @specmesh/protocol's verified-statement.ts) and sessions pass the statements on in `tokens.proofs`.
 * A chunk's tokens pass when its runs tile them and each run, with the statement's earlier tokens
 * (already received) and its `rest` chain, recomputes a statement signed by a key a verifier's
 * heartbeats published. Positions are checked too: within a session every statement must place the
 * tokens at the same offset from their output index (the prompt's length), so statements cannot be
 * replayed elsewhere in the output.
 *
 * What fails is refused: `reject` fails the request with `E_UNVERIFIED`; `drop` removes the chunk's
 * tokens (the caller sees a chunk without tokens and a gap in `index`) and goes on. Either way the
 * report names the session's host.
 */
import type { KeyObject } from 'node:crypto';
import {
  chainBefore,
  statementSignedByAsync,
  type TokenChunk,
  UnverifiedError,
  type VerifiedStatement,
} from '@specmesh/protocol';
import type { VerifierKeys } from './verifier-keys.js';

/** `reject`: fail the request; `drop`: remove the tokens and go on; `off`: no checking. */
export type VerifiedOutputMode = 'reject' | 'drop' | 'off';

/** Tokens refused, and why. */
export interface UnverifiedTokens {
  readonly requestId: string;
  readonly sessionId: string | undefined;
  /** Host of the session the chunk claimed to come from (the drafter that owned it). */
  readonly host: string | undefined;
  readonly seq: number;
  readonly index: number;
  readonly tokens: number;
  readonly reason: string;
}

export interface VerifiedOutputOptions {
  /** Keys from the verifiers' heartbeats. */
  readonly keys: VerifierKeys;
  /** Defaults to `reject`. */
  readonly mode?: VerifiedOutputMode;
  /** How long a statement by a verifier not heard from yet waits for its heartbeat, ms. Defaults to 3000. */
  readonly keyWaitMs?: number;
  /** Told of every refused chunk (metrics, logs). */
  readonly onUnverified?: (u: UnverifiedTokens) => void;
}

/** A statement covers at most a task's drafts plus one token. */
const MAX_STATEMENT_TOKENS = 65;

/** Why a chunk fails its check, or undefined when it passes. */
type Verdict = string | undefined;

export class OutputVerifier {
  /** Output tokens that passed, and their text pieces, by output index (a dropped chunk leaves holes). */
  private readonly output: number[] = [];
  private readonly pieces: string[] = [];
  /** A run cut at a stop string passed: the output ends there. */
  private cutAt: number | undefined;
  /** Statements whose signature checked: a statement continued in the next chunk is not checked twice. */
  private readonly checked = new Set<string>();
  /** Per session: session position minus output index, fixed by its first statement. */
  private readonly offsets = new Map<string, number>();
  private readonly mode: VerifiedOutputMode;

  constructor(
    private readonly requestId: string,
    private readonly o: VerifiedOutputOptions,
  ) {
    this.mode = o.mode ?? 'reject';
  }

  /**
   * The chunk as the caller should see it: itself when it passes (or carries no tokens), without its
   * tokens when they fail under `drop`.
   * @throws UnverifiedError under `reject` when a token fails
   */
  async check(chunk: TokenChunk, host: string | undefined): Promise<TokenChunk> {
    if (this.mode === 'off' || chunk.tokens.length === 0) return chunk;
    const pieces = piecesOf(chunk);
    const reason = pieces
      ? await this.verdict(chunk, pieces)
      : 'text does not split into one piece per token';
    if (reason === undefined) {
      chunk.tokens.forEach((t, i) => {
        this.output[chunk.index + i] = t;
        this.pieces[chunk.index + i] = pieces![i]!;
      });
      return chunk;
    }
    const u: UnverifiedTokens = {
      requestId: this.requestId,
      sessionId: chunk.sessionId,
      host,
      seq: chunk.seq,
      index: chunk.index,
      tokens: chunk.tokens.length,
      reason,
    };
    this.o.onUnverified?.(u);
    if (this.mode === 'reject') {
      throw new UnverifiedError(
        `request ${this.requestId}: ${u.tokens} output tokens at ${u.index} no target verified (${reason}; host ${host ?? 'unknown'})`,
        {
          context: {
            requestId: u.requestId,
            sessionId: u.sessionId ?? null,
            host: host ?? null,
            seq: u.seq,
            index: u.index,
            tokens: u.tokens,
            reason,
          },
        },
      );
    }
    const {
      sources: _s,
      textEnds: _e,
      logprobs: _l,
      topTokens: _t,
      topLogprobs: _tl,
      topTexts: _tt,
      proofs: _p,
      ...rest
    } = chunk;
    return { ...rest, tokens: new Uint32Array(0), text: '' };
  }

  private async verdict(chunk: TokenChunk, pieces: readonly string[]): Promise<Verdict> {
    const sessionId = chunk.sessionId;
    if (sessionId === undefined) return 'chunk names no session';
    if (!chunk.proofs || chunk.proofs.length === 0) return 'no signed statements';
    if (this.cutAt !== undefined) return 'tokens after the output was cut at a stop string';
    let at = 0;
    let cutAt: number | undefined;
    let offset = this.offsets.get(sessionId);
    for (const p of chunk.proofs) {
      const span = p.to - p.from;
      if (p.count === 0 || span <= 0 || span > MAX_STATEMENT_TOKENS || p.head + p.count > span) {
        return 'malformed statement';
      }
      if (at + p.count > chunk.tokens.length) return 'statements cover more tokens than the chunk has';
      const runIndex = chunk.index + at;
      if (offset === undefined) {
        offset = p.from + p.head - runIndex;
        if (offset < 0) return 'statement placed before the output';
      }
      if (p.from + p.head !== offset + runIndex) return 'statement placed at other positions';
      // The statement's tokens before this run: earlier in this chunk, or already received.
      const tokens: number[] = [];
      const texts: string[] = [];
      for (let i = p.from - offset; i < runIndex; i++) {
        const inChunk = i >= chunk.index;
        const t = inChunk ? chunk.tokens[i - chunk.index] : this.output[i];
        const piece = inChunk ? pieces[i - chunk.index] : this.pieces[i];
        if (t === undefined || piece === undefined)
          return 'statement continues tokens that were not received';
        tokens.push(t);
        texts.push(piece);
      }
      for (let i = 0; i < p.count; i++) {
        tokens.push(chunk.tokens[at + i]!);
        texts.push(pieces[at + i]!);
      }
      if (p.cut !== undefined) {
        // Only the output's very last token may be cut (at a stop string), and only to a beginning of its text.
        if (at + p.count !== chunk.tokens.length || !p.cut.startsWith(texts[texts.length - 1]!)) {
          return 'text cut where no stop string can end the output';
        }
        texts[texts.length - 1] = p.cut;
        cutAt = chunk.index + chunk.tokens.length;
      }
      if (p.head + p.count < span && !p.rest) return 'cut statement without its rest';
      const statement = {
        verifierId: p.verifierId,
        sessionId,
        from: p.from,
        to: p.to,
        hash: chainBefore(tokens, texts, p.head + p.count < span ? p.rest : undefined),
      };
      const seen = statementKey(statement, p.signature);
      if (!this.checked.has(seen)) {
        const keys: readonly KeyObject[] = await this.o.keys.when(p.verifierId, this.o.keyWaitMs ?? 3000);
        if (keys.length === 0) return `no key of verifier ${p.verifierId} in its heartbeats`;
        const verdicts = await Promise.all(
          keys.map((k) => statementSignedByAsync(statement, p.signature, k)),
        );
        if (!verdicts.includes(true)) {
          return `signature of verifier ${p.verifierId} does not match the tokens`;
        }
        this.checked.add(seen);
      }
      at += p.count;
    }
    if (at !== chunk.tokens.length) return 'tokens without a signed statement';
    this.offsets.set(sessionId, offset!);
    this.cutAt = cutAt;
    return undefined;
  }
}

/** What identifies a checked statement: everything it signs, and the signature. */
function statementKey(s: VerifiedStatement, signature: Uint8Array): string {
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  return `${s.verifierId}|${s.sessionId}|${s.from}|${s.to}|${hex(s.hash)}|${hex(signature)}`;
}

/** A chunk's text split into one piece per token (by `textEnds`), or undefined when it does not split. */
function piecesOf(chunk: TokenChunk): string[] | undefined {
  const ends = chunk.textEnds;
  if (!ends || ends.length !== chunk.tokens.length || ends[ends.length - 1] !== chunk.text.length)
    return undefined;
  const pieces: string[] = [];
  let from = 0;
  for (const end of ends) {
    if (end < from) return undefined;
    pieces.push(chunk.text.slice(from, end));
    from = end;
  }
  return pieces;
}
