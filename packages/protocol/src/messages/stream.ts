/** Token stream: drafter → gateway/client. */
import { type Static, Type } from '@sinclair/typebox';
import {
  Count,
  HandoverTargetSchema,
  Id,
  MAX_TOP_LOGPROBS,
  Probabilities,
  TokenIds,
  WireErrorSchema,
} from './common.js';

/** Most tokens one `tokens` chunk carries. */
export const MAX_CHUNK_TOKENS = 4096;

export const FinishReasonSchema = Type.Union([
  Type.Literal('stop'),
  Type.Literal('length'),
  Type.Literal('cancelled'),
  Type.Literal('error'),
]);
export type FinishReason = Static<typeof FinishReasonSchema>;

/** Most spans one speculation trace carries; later ones are counted in `dropped`, not sent. */
export const MAX_TRACE_SPANS = 512;

/**
 * One span of a session's speculation timeline. `draft`: the drafter produced `n` tokens at output
 * position `pos`. `verify`: a task of `n` drafted tokens went to the pool (`start`) and its fate was
 * known at `end`: `accepted` (all `n` drafts kept), `rejected` (a prefix of `accepted` drafts kept, the
 * rest replaced by the target's token), `preempted` (cancelled because an earlier task rejected the
 * drafts it depended on), `failed` or `timeout` (re-issued). Times are ms since the trace's `startedAt`.
 */
export const TraceSpanSchema = Type.Object(
  {
    kind: Type.Union([Type.Literal('draft'), Type.Literal('verify')]),
    start: Type.Number({ minimum: 0 }),
    end: Type.Number({ minimum: 0 }),
    epoch: Count,
    pos: Count,
    n: Count,
    taskId: Type.Optional(Id),
    verifierId: Type.Optional(Id),
    accepted: Type.Optional(Count),
    /** `verify`: what the verifier reported (`verify.result.queueMs`, `computeMs`). Since 2.1. */
    queueMs: Type.Optional(Type.Number({ minimum: 0 })),
    computeMs: Type.Optional(Type.Number({ minimum: 0 })),
    outcome: Type.Optional(
      Type.Union([
        Type.Literal('accepted'),
        Type.Literal('rejected'),
        Type.Literal('preempted'),
        Type.Literal('failed'),
        Type.Literal('timeout'),
      ]),
    ),
  },
  { additionalProperties: false },
);
export type TraceSpan = Static<typeof TraceSpanSchema>;

/** A session's speculation timeline: who drafted, which target verified what, and the outcome. */
export const SpeculationTraceSchema = Type.Object(
  {
    /** Drafter instance that owned the session. */
    drafterId: Id,
    /** Wall clock of the session's start, ms since the Unix epoch. */
    startedAt: Type.Number({ minimum: 0 }),
    spans: Type.Array(TraceSpanSchema, { maxItems: MAX_TRACE_SPANS }),
    /** Spans recorded past {@link MAX_TRACE_SPANS} and left out. */
    dropped: Count,
  },
  { additionalProperties: false },
);
export type SpeculationTrace = Static<typeof SpeculationTraceSchema>;

/**
 * One run of a chunk's tokens and the verified statement that vouches for them: the verifier
 * `verifierId` signed tokens at positions `[from, to)` of the chunk's session (prompt included, so
 * output index `i` is position `promptTokens + i`). The run is the statement's tokens
 * `[from + head, from + head + count)`; the first `head` ones came in earlier chunks. `rest` is the
 * statement's hash chain at the run's end when the run stops before `to` (a stop string, the output's
 * length, or a later statement deciding the remaining positions), so a prefix checks without the
 * tokens cut off.
 */
export const TokenProofSchema = Type.Object(
  {
    verifierId: Id,
    from: Count,
    to: Count,
    head: Count,
    count: Count,
    rest: Type.Optional(Type.Uint8Array({ minByteLength: 32, maxByteLength: 32 })),
    /**
     * The signed text of the run's last token, when the chunk carries only its beginning (a stop
     * string cut it there); such a run ends the output.
     */
    cut: Type.Optional(Type.String({ maxLength: 256 })),
    signature: Type.Uint8Array({ minByteLength: 64, maxByteLength: 64 }),
  },
  { additionalProperties: false },
);
export type TokenProof = Static<typeof TokenProofSchema>;

/**
 * `tokens`: committed tokens, in order. `seq` numbers chunks from 0 without gaps so a receiver
 * detects loss and duplication; `index` is the output position of `tokens[0]`.
 */
export const TokenChunkSchema = Type.Object(
  {
    requestId: Id,
    /**
     * The session that produced the chunk. A request that moved to another host has a new session;
     * the client keeps only its current session's chunks (a hung host that wakes up is ignored).
     */
    sessionId: Type.Optional(Id),
    seq: Count,
    index: Count,
    tokens: TokenIds({ maxLength: 4096 }),
    /** Detokenized text of `tokens` (may be empty when a character spans chunks). */
    text: Type.String({ maxLength: 65_536 }),
    /** Per token: 1 when it came from an accepted draft, 0 when the target produced it. */
    sources: Type.Optional(Type.Uint8Array({ maxByteLength: 4096 })),
    /**
     * Per token: end offset (UTF-16 code units) of its text within `text`, so a receiver can split a
     * chunk into one piece per token without a tokenizer. A token that completes no character yet has
     * an empty piece.
     */
    textEnds: Type.Optional(TokenIds({ maxLength: 4096 })),
    /**
     * When the request asked for them: per token, the target's log-probability of it (natural log, of
     * the target's distribution before temperature, top-k and top-p). Since 1.4.
     */
    logprobs: Type.Optional(Probabilities({ maxLength: MAX_CHUNK_TOKENS })),
    /**
     * With `logprobs`: per token, the request's `logprobs` most likely tokens at its position, most
     * likely first, shape `[tokens.length * n]`. Since 1.4.
     */
    topTokens: Type.Optional(TokenIds({ maxLength: MAX_CHUNK_TOKENS * MAX_TOP_LOGPROBS })),
    /** Log-probabilities of `topTokens`, same shape. Since 1.4. */
    topLogprobs: Type.Optional(Probabilities({ maxLength: MAX_CHUNK_TOKENS * MAX_TOP_LOGPROBS })),
    /**
     * Text of each of `topTokens` detokenized on its own, same shape: receivers without the
     * tokenizer (the gateway) can name the alternatives. Since 1.4.
     */
    topTexts: Type.Optional(
      Type.Array(Type.String({ maxLength: 256 }), { maxItems: MAX_CHUNK_TOKENS * MAX_TOP_LOGPROBS }),
    ),
    /**
     * Verified statements covering `tokens`, in order, one run each (the runs' counts add up to
     * `tokens.length`): a receiver checks them against the verifiers' heartbeat keys and refuses
     * tokens no target verified. Since 1.5.
     */
    proofs: Type.Optional(Type.Array(TokenProofSchema, { maxItems: MAX_CHUNK_TOKENS })),
    /** The session's speculation timeline; sent on the last chunk (`done: true`) only. */
    trace: Type.Optional(SpeculationTraceSchema),
    /** Prompt length in tokens; sent on the first chunk so clients can report exact usage. */
    promptTokens: Type.Optional(Count),
    done: Type.Boolean(),
    /**
     * The host stops here without finishing (`done` false, no tokens): the client resubmits with
     * `resume` from the output it holds, and the scheduler places the rest anew (a target-only session
     * returning to speculation once a drafter is back).
     */
    handover: Type.Optional(Type.Boolean()),
    /** With `handover`: where the host asks the rest to run; the client passes it on as `prefer`. Since 1.2. */
    handoverTo: Type.Optional(HandoverTargetSchema),
    finishReason: Type.Optional(FinishReasonSchema),
    error: Type.Optional(WireErrorSchema),
  },
  { additionalProperties: false },
);
export type TokenChunk = Static<typeof TokenChunkSchema>;
