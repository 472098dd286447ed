/** Verification traffic: drafter → batcher → verifier, results back, and preemption of stale tasks. */
import { type Static, Type } from '@sinclair/typebox';
import {
  Count,
  EpochMs,
  Id,
  MAX_TOKENS_PER_MESSAGE,
  MAX_TOP_LOGPROBS,
  Probabilities,
  SamplingSchema,
  TokenIds,
  TopLogprobsCount,
  WireErrorSchema,
} from './common.js';

/** Longest draft block one task may carry. */
export const MAX_DRAFT_TOKENS = 64;

/** Longest text piece of one token (UTF-16 code units) a verified statement covers. */
export const MAX_PIECE_LENGTH = 256;

/**
 * Sparse draft distributions for `n` draft positions (after top-k / top-p truncation), CSR layout:
 * position `i` has support `tokens[offsets[i] .. offsets[i+1])` with probabilities `probs[same range]`.
 * `offsets` has shape `[n + 1]`; `tokens` and `probs` have shape `[offsets[n]]`.
 */
export const SparseDraftDistSchema = Type.Object(
  {
    offsets: TokenIds({ maxLength: MAX_DRAFT_TOKENS + 1 }),
    tokens: TokenIds({ maxLength: MAX_DRAFT_TOKENS * 4096 }),
    probs: Probabilities({ maxLength: MAX_DRAFT_TOKENS * 4096 }),
  },
  { additionalProperties: false },
);
export type SparseDraftDist = Static<typeof SparseDraftDistSchema>;

/**
 * `verify.task`: check `drafts` against the target model. Its result goes to the session's result
 * subject (never to a subject the sender names, so a task cannot direct traffic elsewhere).
 *
 * The verifier's context for the session is `[0, basePos)` (tokens it already holds) followed by
 * `context` (tokens it lacks) followed by `drafts`. A verifier that holds fewer than `basePos` tokens
 * for the session, or whose first `basePos` tokens do not hash to `baseHash`, answers with
 * `E_UNKNOWN_SESSION` so the sender resends the full prefix (`basePos` 0).
 */
export const VerifyTaskSchema = Type.Object(
  {
    taskId: Id,
    sessionId: Id,
    /**
     * Instance hosting the session, where results go (`result.<host>.<sessionId>`). A batcher takes
     * only tasks whose host is the one its subject names (`verify.<pool>.<host>`, which only that
     * instance may publish on), so a task cannot claim another instance's session.
     */
    host: Id,
    pool: Id,
    /** Orchestration epoch; bumps on every rejection so late results of older epochs are recognisable. */
    epoch: Count,
    basePos: Count,
    /**
     * {@link prefixHash} of the first `basePos` tokens of the context, when `basePos` > 0: the
     * verifier's proof that what it holds is what the task builds on (a parallel task may have left it
     * holding another branch).
     */
    baseHash: Type.Optional(Type.String({ pattern: '^[0-9a-f]{16}$' })),
    context: TokenIds({ maxLength: MAX_TOKENS_PER_MESSAGE }),
    drafts: TokenIds({ maxLength: MAX_DRAFT_TOKENS }),
    /** `q(x_i)` of each drafted token, shape `[drafts.length]`; absent under greedy decoding. */
    draftProbs: Type.Optional(Probabilities({ maxLength: MAX_DRAFT_TOKENS })),
    /** Sparse `q` per position for exact residual resampling; absent under greedy decoding. */
    draftDist: Type.Optional(SparseDraftDistSchema),
    sampling: SamplingSchema,
    /** Delivery attempt, starting at 1; a retry keeps the task id so results stay idempotent. */
    attempt: Type.Integer({ minimum: 1, maximum: 1000 }),
    /**
     * Another task of the session is in flight (a DSI parallel task): the pool runs it only where it
     * runs at once, and otherwise answers `E_NO_CAPACITY` rather than queue it behind other work; the
     * session then lowers its SP degree. Since 1.3.
     */
    parallel: Type.Optional(Type.Boolean()),
    /**
     * Verifiers running another task of this session that the session sent them directly
     * (`direct.<verifier>.<host>`), which the batcher cannot see: a parallel task placed there would
     * wait behind it, so the batcher treats them as busy with the session. Since 2.1.
     */
    directOn: Type.Optional(Type.Array(Id, { maxItems: 64 })),
    /**
     * Return the target's log-probabilities of the positions the result decides (see
     * `verify.result.logprobs`) with this many top alternatives each. Since 1.4.
     */
    logprobs: Type.Optional(TopLogprobsCount),
    /**
     * Session position of the first output token (the prompt's length): where the session's text
     * stream starts, so a signing verifier produces the same text pieces for the tokens it signs.
     * Since 1.5.
     */
    textFrom: Type.Optional(Count),
    deadlineAt: Type.Optional(EpochMs),
    /**
     * The request's trace id (W3C, 32 hex digits). In the body because a batch carries tasks of many
     * requests, so the batch's own envelope and headers cannot name one trace.
     */
    traceId: Type.Optional(Type.String({ pattern: '^[0-9a-f]{32}$' })),
  },
  { additionalProperties: false },
);
export type VerifyTask = Static<typeof VerifyTaskSchema>;

/**
 * `verify.result`: outcome of one task. `accepted` drafts were accepted; `token` is the corrected
 * token at position `accepted` (when `bonus` is false) or the bonus token after a fully accepted
 * block (when `bonus` is true).
 */
export const VerifyResultSchema = Type.Object(
  {
    taskId: Id,
    sessionId: Id,
    epoch: Count,
    accepted: Type.Integer({ minimum: 0, maximum: MAX_DRAFT_TOKENS }),
    token: Count,
    bonus: Type.Boolean(),
    verifierId: Id,
    /** Time the task waited at the batcher and verifier before compute, ms. */
    queueMs: Type.Number({ minimum: 0 }),
    /** Target compute time spent on this task, ms. */
    computeMs: Type.Number({ minimum: 0 }),
    /**
     * When the task asked for them: per decided position (`accepted` drafts, then `token`), the
     * target's log-probability of that token, shape `[accepted + 1]`. Since 1.4.
     */
    logprobs: Type.Optional(Probabilities({ maxLength: MAX_DRAFT_TOKENS + 1 })),
    /** With `logprobs`: the `n` most likely tokens per decided position, most likely first, shape `[(accepted + 1) * n]`. Since 1.4. */
    topTokens: Type.Optional(TokenIds({ maxLength: (MAX_DRAFT_TOKENS + 1) * MAX_TOP_LOGPROBS })),
    /** Log-probabilities of `topTokens`, same shape. Since 1.4. */
    topLogprobs: Type.Optional(Probabilities({ maxLength: (MAX_DRAFT_TOKENS + 1) * MAX_TOP_LOGPROBS })),
    /**
     * The verifier's Ed25519 signature of the decided tokens (`accepted` drafts, then `token`) at
     * positions `basePos + context.length …` of the session: a verified statement (see
     * verified-statement.ts), which the session passes on in its chunks' `proofs`. Since 1.5.
     */
    signature: Type.Optional(Type.Uint8Array({ minByteLength: 64, maxByteLength: 64 })),
    /** With `signature`: the text piece of each decided token the statement hashes, shape `[accepted + 1]`. Since 1.5. */
    pieces: Type.Optional(
      Type.Array(Type.String({ maxLength: MAX_PIECE_LENGTH }), { maxItems: MAX_DRAFT_TOKENS + 1 }),
    ),
    /**
     * Sessions other than this one that the verifier serves as the result leaves (its heartbeat's
     * `sessions`, the asker left out): fresher than any heartbeat for the session's next round there
     * (a DSI session runs SI's rounds on a batching target others share). Since 2.4.
     */
    otherSessions: Type.Optional(Count),
  },
  { additionalProperties: false },
);
export type VerifyResult = Static<typeof VerifyResultSchema>;

/** Most tasks per batch. */
export const MAX_BATCH_TASKS = 64;

/** `batch`: a group of verify tasks from many sessions for one verifier. */
export const BatchSchema = Type.Object(
  { batchId: Id, pool: Id, tasks: Type.Array(VerifyTaskSchema, { minItems: 1, maxItems: MAX_BATCH_TASKS }) },
  { additionalProperties: false },
);
export type Batch = Static<typeof BatchSchema>;

/** `batch.result`: per-task results, and per-task errors for tasks that could not run. */
export const BatchResultSchema = Type.Object(
  {
    batchId: Id,
    results: Type.Array(VerifyResultSchema, { maxItems: MAX_BATCH_TASKS }),
    failures: Type.Array(
      Type.Object({ taskId: Id, error: WireErrorSchema }, { additionalProperties: false }),
      {
        maxItems: MAX_BATCH_TASKS,
      },
    ),
    /**
     * The verifier already published each result on its session's result subject as soon as the task
     * finished (one hop less, and a batch's fast tasks do not wait for its slow ones); the batcher
     * only books them. Absent or false: the batcher publishes them. A result may then reach its
     * drafter even after the batcher gave the batch up (timed out and re-dispatched): drafters take
     * the first result of a task and ignore later ones by task id.
     */
    published: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type BatchResult = Static<typeof BatchResultSchema>;

/** `preempt`: tasks of a session that no longer matter (a rejection made them stale, or the session ended). */
export const PreemptSchema = Type.Object(
  {
    sessionId: Id,
    taskIds: Type.Array(Id, { maxItems: 1024 }),
    /** Tasks of epochs below this one are all stale, listed or not. */
    belowEpoch: Type.Optional(Count),
    /**
     * The session ended: every task of it is stale, and verifiers free its context and stop counting
     * it among their sessions at once (not after their idle timeout and a round). Since 2.4.
     */
    ended: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type Preempt = Static<typeof PreemptSchema>;
